"""EM Hub pages. Thin: fetch through selectors (404 for what the user may not see), validate with
a form, call one service, show its refusal as a GOV.UK error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import no_personal_data, requires
from waymark.documents.services import upload_read
from waymark.monitoring import forms as f
from waymark.monitoring import rules, selectors, services
from waymark.monitoring.models import EVIDENCE_CHECKLIST, ConditionStatus, JointLogEntry
from waymark.people.pages import person_form_page, person_page_context
from waymark.people.services import person_record_view

EM = "monitoring.manage_em"
MI = "monitoring.view_em_mi"
SUPPLIER = "monitoring.manage_supplier"
PAGE_SIZE = 50


def _person_url(person) -> str:
    return reverse("monitoring:person", args=[person.pk])


def _form(
    request,
    person,
    form,
    *,
    title: str,
    submit: str,
    action: Callable[[Any], str],
    intro: str = "",
    back: str | None = None,
    extra: dict | None = None,
):
    """The shared form flow: on a valid POST call ``action(cleaned_data)`` (one service call) and
    redirect to what it returns; a service refusal becomes an error on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            target = action(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You may not do this")
        else:
            messages.success(request, f"{title}: done")
            return redirect(target)
    return person_form_page(
        request,
        person,
        form,
        title=title,
        submit=submit,
        current="monitoring",
        intro=intro,
        back=back or _person_url(person),
        extra=extra,
    )


# ------------------------------------------------------------------------------------------------
# The Hub's working day


@requires(EM)
def home(request):
    user = request.user
    quality = selectors.data_quality(user)
    released = selectors.released_awaiting_device(user)
    held = selectors.held_awaiting_fitting(user)
    return render(
        request,
        "monitoring/home.html",
        {
            "held": held[:10],
            "held_count": len(held),
            "released": {key: len(rows) for key, rows in released.items()},
            "figure_5": selectors.FIGURE_5_GROUPS,
            "breaches": selectors.breaches_for_triage(user)[:10],
            "breach_count": selectors.breaches_for_triage(user).count(),
            "reviews_count": selectors.reviews_outstanding(user).count(),
            "gaps_count": selectors.duty_gaps(user).count(),
            "quality": {key: qs.count() for key, qs in quality.items()},
        },
    )


LISTS = {
    "held": "People held awaiting a fitting",
    "released": "People released who still need a device",
    "breaches": "Breaches to act on",
    "reviews": "Reviews outstanding",
    "duty-gaps": "In the EM duty cohort with neither a condition nor an exemption",
    "data-quality": "Data quality",
}


@requires(EM)
def work_list(request, kind: str):
    user = request.user
    context: dict[str, Any] = {"kind": kind, "title": LISTS.get(kind, "")}
    if kind == "held":
        rows = selectors.held_awaiting_fitting(user)
    elif kind == "released":
        groups = selectors.released_awaiting_device(user)
        context["groups"] = [(key, label, groups[key]) for key, label in selectors.FIGURE_5_GROUPS]
        rows = [c for _key, _label, conditions in context["groups"] for c in conditions]
    elif kind == "breaches":
        rows = selectors.breaches_for_triage(user)
    elif kind == "reviews":
        rows = selectors.reviews_outstanding(user)
    elif kind == "duty-gaps":
        rows = selectors.duty_gaps(user)
    elif kind == "data-quality":
        context["quality"] = selectors.data_quality(user)
        rows = []
    else:
        from django.http import Http404

        raise Http404("No such list")
    context["page"] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context["now"] = clock.now()
    return render(request, "monitoring/list.html", context)


# ------------------------------------------------------------------------------------------------
# The person's monitoring tab


@requires(EM)
def person(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    person_record_view(actor=request.user, person=subject, page="monitoring")
    context = person_page_context(request, subject, "monitoring")
    context.update(
        {
            "conditions": subject.em_conditions.select_related("bail_grant").prefetch_related(
                "orders"
            ),
            "grants": subject.bail_grants.all(),
            "breaches": subject.em_breaches.select_related("task")[:50],
            "ladder": selectors.ladder_position(subject),
            "ladder_steps": rules.ESCALATION_LADDER,
            "reviews": subject.em_reviews.all(),
            "challenges": subject.em_challenges.all(),
            "exemptions": subject.em_exemptions.all(),
            "trail_requests": subject.em_trail_requests.all(),
            "referrals": subject.em_referrals.all(),
            "advice": services.recommendation_for(subject),
            "in_force": subject.em_conditions.exclude(status=ConditionStatus.CEASED).first(),
        }
    )
    return render(request, "monitoring/person.html", context)


@requires(EM)
@require_http_methods(["GET", "POST"])
def bail_grant_new(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    form = f.BailGrantForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        subject,
        form,
        title="Record a bail grant",
        submit="Record the grant",
        action=lambda d: (
            services.bail_grant_record(
                actor=request.user,
                person=subject,
                granted_by=d["granted_by"],
                granted_at=f.at(d["granted_on"], d["granted_time"]),
            ),
            _person_url(subject),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def condition_new(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    grants = list(subject.bail_grants.all())
    form = f.ConditionForm(request.POST if request.method == "POST" else None, grants=grants)
    advice = services.recommendation_for(subject)

    def act(d):
        grant = next(g for g in grants if str(g.pk) == d["bail_grant"])
        services.condition_impose(
            actor=request.user,
            person=subject,
            bail_grant=grant,
            device_type=d["device_type"],
            start_date=d["start_date"],
            held_in_detention=d["held_in_detention"],
            release_expected_at=f.at(
                d["release_expected_on"], d["release_expected_time"] or time(12, 0)
            )
            if d["release_expected_on"]
            else None,
            curfew_days=[int(x) for x in d["curfew_days"]],
            curfew_start=d["curfew_start"],
            curfew_end=d["curfew_end"],
            conditions_text=d["conditions_text"],
            departure_reasons=d["departure_reasons"],
        )
        return _person_url(subject)

    if not grants:
        messages.info(request, "Record the bail grant first: the condition is part of it")
        return redirect("monitoring:bail-grant-new", subject.pk)
    return _form(
        request,
        subject,
        form,
        title="Impose an electronic monitoring condition",
        submit="Impose the condition",
        action=act,
        extra={"advice": advice, "before_form": "monitoring/_advice.html"},
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def release_new(request, pk: int):
    condition = selectors.access_condition(request.user, pk)
    form = f.ReleaseForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        condition.person,
        form,
        title="Record the release",
        submit="Record the release",
        action=lambda d: (
            services.release_record(
                actor=request.user,
                condition=condition,
                released_at=f.at(d["released_on"], d["released_time"]),
            ),
            _person_url(condition.person),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def exemption_new(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    form = f.ExemptionForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        subject,
        form,
        title="Record an exemption from EM",
        submit="Record the exemption",
        intro="EM is required for people on bail facing deportation unless it is impractical or contrary to "
        "their Convention rights (000 §1.3-1.4). Record the reasons and the evidence.",
        action=lambda d: (
            services.exemption_decide(
                actor=request.user,
                person=subject,
                ground=d["ground"],
                reasons=d["reasons"],
                evidence=d["evidence"],
                decided_on=d["decided_on"],
                review_on=d["review_on"],
            ),
            _person_url(subject),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def exemption_withdraw(request, pk: int):
    exemption = selectors.access_exemption(request.user, pk)
    form = f.ReasonForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        exemption.person,
        form,
        title="Withdraw the exemption",
        submit="Withdraw",
        action=lambda d: (
            services.exemption_withdraw(
                actor=request.user, exemption=exemption, reason=d["reason"]
            ),
            _person_url(exemption.person),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def order_new(request, pk: int):
    condition = selectors.access_condition(request.user, pk)
    form = f.OrderForm(
        request.POST if request.method == "POST" else None,
        initial={
            "language": condition.person.main_language,
            "interpreter_needed": condition.person.interpreter_needed,
        },
    )
    due = condition.fitting_due_at.astimezone(LONDON)
    return _form(
        request,
        condition.person,
        form,
        title="Order a fitting from the supplier",
        submit="Send the order",
        intro=f"The device must be fitted by {due:%-d %B %Y at %H:%M}. The supplier prefers afternoon slots "
        "(from 14:00); prisons rarely release after 17:00.",
        action=lambda d: (
            services.fitting_order_create(
                actor=request.user,
                condition=condition,
                place=d["place"],
                place_details=d["place_details"],
                language=d["language"],
                interpreter_needed=d["interpreter_needed"],
                requested_slot_start=f.at(d["slot_on"], d["slot_time"]),
                accept_slot_warning=d["accept_slot_warning"],
            ),
            _person_url(condition.person),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def order_outcome(request, pk: int):
    order = selectors.access_order(request.user, pk)
    form = f.OutcomeForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        order.person,
        form,
        title=f"Record the outcome of {order.reference}",
        submit="Record",
        action=lambda d: (
            services.fitting_outcome_record(
                actor=request.user,
                order=order,
                fitted=d["fitted"] == "yes",
                at=f.at(d["on"], d["time_of_visit"]),
                device_serial=d["device_serial"],
                issued_phone_number=d["issued_phone_number"],
                failure_reason=d["failure_reason"] or "",
                failure_detail=d["failure_detail"],
            ),
            _person_url(order.person),
        )[1],
    )


@requires(EM, "documents.add_document")
@require_http_methods(["GET", "POST"])
def conveyance_upload(request, pk: int):
    condition = selectors.access_condition(request.user, pk)
    form = f.ConveyanceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )

    def act(d):
        upload = d["file"]
        services.conveyance_confirmation_store(
            actor=request.user,
            condition=condition,
            file_name=upload.name,
            content=upload_read(upload),
            content_type=upload.content_type or "",
        )
        return _person_url(condition.person)

    return _form(
        request,
        condition.person,
        form,
        title="Store a confirmation of conveyance",
        submit="Upload",
        action=act,
        extra={"multipart": True},
    )


# ------------------------------------------------------------------------------------------------
# Breaches, mitigation, the ladder and referrals


@requires(EM)
def breach(request, pk: int):
    record = selectors.access_breach(request.user, pk)
    context = person_page_context(request, record.person, "monitoring")
    context.update(
        {
            "breach": record,
            "mitigations": record.mitigations.all(),
            "ladder": selectors.ladder_position(record.person),
            "step": rules.ESCALATION_LADDER[record.ladder_step - 1] if record.ladder_step else None,
            "action": getattr(record, "ladder_action", None),
            "counted": record.accumulated,
        }
    )
    return render(request, "monitoring/breach.html", context)


@requires(EM)
@require_http_methods(["POST"])
def breach_ladder_apply(request, pk: int):
    record = selectors.access_breach(request.user, pk)
    try:
        action = services.ladder_apply(actor=request.user, breach=record)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            f"Escalation ladder step {action.step} applied"
            + (": the letter is on the person's documents" if action.letter else ""),
        )
    return redirect("monitoring:breach", record.pk)


@requires(EM)
@require_http_methods(["GET", "POST"])
def mitigation_new(request, pk: int):
    record = selectors.access_breach(request.user, pk)
    form = f.MitigationForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title="Record an explanation for the breach",
        submit="Record",
        back=reverse("monitoring:breach", args=[record.pk]),
        action=lambda d: (
            services.mitigation_record(
                actor=request.user,
                breach=record,
                given_by=d["given_by"],
                explanation=d["explanation"],
                received_on=d["received_on"],
            ),
            reverse("monitoring:breach", args=[record.pk]),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def mitigation_decide(request, pk: int, mitigation_pk: int):
    record = selectors.access_breach(request.user, pk)
    mitigation = record.mitigations.filter(pk=mitigation_pk).first()
    if mitigation is None:
        from django.http import Http404

        raise Http404("No such explanation")
    form = f.MitigationDecisionForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title="Decide the explanation",
        submit="Record the decision",
        intro=mitigation.explanation,
        back=reverse("monitoring:breach", args=[record.pk]),
        action=lambda d: (
            services.mitigation_decide(
                actor=request.user,
                mitigation=mitigation,
                decision=d["decision"],
                reasons=d["reasons"],
                communicated_on=d["communicated_on"],
                method=d["method"],
            ),
            reverse("monitoring:breach", args=[record.pk]),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def referral(request, pk: int):
    from waymark.monitoring.models import ProsecutionReferral

    record = ProsecutionReferral.objects.filter(
        pk=pk, person__in=selectors.em_person_queryset(request.user)
    ).first()
    if record is None:
        from django.http import Http404

        raise Http404("No such referral")
    initial = {
        "status": record.status,
        "checklist": [k for k, v in record.checklist.items() if v],
        "compliance_attempts": record.compliance_attempts,
        "outcome_note": record.outcome_note,
    }
    form = f.ReferralForm(request.POST if request.method == "POST" else None, initial=initial)
    return _form(
        request,
        record.person,
        form,
        title="Prosecution referral case file",
        submit="Save",
        intro="Refer to the criminal investigations team when every item of evidence is in the file "
        "(000 §5.19, note 22).",
        action=lambda d: (
            services.referral_update(
                actor=request.user,
                referral=record,
                status=d["status"],
                checklist={key: key in d["checklist"] for key, _ in EVIDENCE_CHECKLIST},
                compliance_attempts=d["compliance_attempts"],
                outcome_note=d["outcome_note"],
            ),
            _person_url(record.person),
        )[1],
    )


# ------------------------------------------------------------------------------------------------
# Reviews and challenges


@requires(EM)
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    record = selectors.access_review(request.user, pk)
    if record.status == "awaiting_sign_off":
        form = f.SignOffForm(request.POST if request.method == "POST" else None)
        return _form(
            request,
            record.person,
            form,
            title="Sign off the EM review",
            submit="Record sign-off",
            intro=f"Outcome proposed: {record.get_outcome_display()}. Ceasing or varying EM needs a "
            f"{rules.SIGN_OFF_GRADE.label} or above to sign it off (000 §3.11, §5.77).",
            extra={"review": record, "before_form": "monitoring/_review_reasons.html"},
            action=lambda d: (
                services.review_sign_off(
                    actor=request.user, review=record, agree=d["agree"] == "yes", note=d["note"]
                ),
                _person_url(record.person),
            )[1],
        )
    if record.status == "completed":
        context = person_page_context(request, record.person, "monitoring")
        context.update({"review": record})
        return render(request, "monitoring/review_done.html", context)
    form = f.ReviewDecideForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title=f"EM review due {record.due_on:%-d %B %Y}",
        submit="Record the review",
        intro="Consider each head. Ceasing or varying EM goes to an HEO for sign-off.",
        action=lambda d: (
            services.review_decide(
                actor=request.user,
                review=record,
                outcome=d["outcome"],
                reasons_vulnerability=d["reasons_vulnerability"],
                reasons_medical=d["reasons_medical"],
                reasons_convention_rights=d["reasons_convention_rights"],
                reasons_harm=d["reasons_harm"],
            ),
            _person_url(record.person),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def challenge_new(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    form = f.ChallengeForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        subject,
        form,
        title="Record representations or a challenge",
        submit="Record",
        action=lambda d: (
            services.challenge_record(
                actor=request.user,
                person=subject,
                kind=d["kind"],
                received_on=d["received_on"],
                from_party=d["from_party"],
                summary=d["summary"],
                is_complaint=d["is_complaint"],
                court_deadline=f.at(d["court_deadline"], time(16, 0))
                if d["court_deadline"]
                else None,
            ),
            _person_url(subject),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def challenge_respond(request, pk: int):
    record = selectors.access_challenge(request.user, pk)
    form = f.ChallengeRespondForm(request.POST if request.method == "POST" else None)
    due = record.due_at.astimezone(LONDON)
    return _form(
        request,
        record.person,
        form,
        title=f"Answer the {record.get_kind_display().lower()}",
        submit="Record the outcome",
        intro=f"{record.summary} - due {due:%-d %B %Y} ({record.deadline_basis}).",
        action=lambda d: (
            services.challenge_respond(
                actor=request.user, challenge=record, outcome=d["outcome"], reasons=d["reasons"]
            ),
            _person_url(record.person),
        )[1],
    )


# ------------------------------------------------------------------------------------------------
# Trail data


@requires(EM)
@require_http_methods(["GET", "POST"])
def trail_new(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    form = f.TrailRequestForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        subject,
        form,
        title="Record a trail-data request",
        submit="Record the request",
        intro=f"A request for more than {rules.trail_max_period().days} days is flagged as too broad.",
        action=lambda d: (
            services.trail_request_create(
                actor=request.user,
                person=subject,
                requester_kind=d["requester_kind"],
                requester_name=d["requester_name"],
                request_type=d["request_type"],
                period_start=datetime.combine(d["period_start"], time(0), tzinfo=LONDON),
                period_end=min(
                    datetime.combine(d["period_end"], time(0), tzinfo=LONDON) + timedelta(days=1),
                    clock.now(),
                ),
                lawful_ground=d["lawful_ground"],
                justification=d["justification"],
            ),
            _person_url(subject),
        )[1],
    )


@requires(EM)
def trail(request, pk: int):
    record = selectors.access_trail_request(request.user, pk)
    context = person_page_context(request, record.person, "monitoring")
    context.update(
        {
            "trail": record,
            "views": record.views.select_related("viewed_by"),
            "can_approve": request.user.has_perm("monitoring.approve_trail_request")
            and record.requested_by_id != request.user.pk,
            "can_view": request.user.has_perm("monitoring.view_trail_data"),
        }
    )
    return render(request, "monitoring/trail.html", context)


@requires(EM, "monitoring.approve_trail_request")
@require_http_methods(["GET", "POST"])
def trail_approve(request, pk: int):
    record = selectors.access_trail_request(request.user, pk)
    form = f.TrailApproveForm(request.POST if request.method == "POST" else None)
    intro = (
        f"This request is flagged as too broad: the period is longer than {rules.trail_max_period().days} days."
        if record.too_broad
        else "Approve the request so that the data is requested from the supplier."
    )
    return _form(
        request,
        record.person,
        form,
        title="Approve the trail-data request",
        submit="Approve",
        intro=intro,
        back=reverse("monitoring:trail", args=[record.pk]),
        action=lambda d: (
            services.trail_request_approve(
                actor=request.user, request=record, confirm_too_broad=d["confirm_too_broad"]
            ),
            reverse("monitoring:trail", args=[record.pk]),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def trail_close(request, pk: int):
    record = selectors.access_trail_request(request.user, pk)
    form = f.TrailCloseForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title="Close the trail-data request",
        submit="Close",
        back=reverse("monitoring:trail", args=[record.pk]),
        action=lambda d: (
            services.trail_request_close(
                actor=request.user,
                request=record,
                outcome=d["outcome"],
                reasons=d["reasons"],
                returned_data=d["returned_data"],
            ),
            reverse("monitoring:trail", args=[record.pk]),
        )[1],
    )


@requires(EM, "monitoring.view_trail_data")
@require_http_methods(["GET", "POST"])
def trail_data(request, pk: int):
    record = selectors.access_trail_request(request.user, pk)
    form = f.TrailViewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            points = services.trail_data_view(
                actor=request.user, request=record, purpose=form.cleaned_data["purpose"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            context = person_page_context(request, record.person, "monitoring")
            context.update({"trail": record, "points": points})
            return render(request, "monitoring/trail_data.html", context)
    return person_form_page(
        request,
        record.person,
        form,
        title="View the returned trail data",
        submit="View the data",
        current="monitoring",
        back=reverse("monitoring:trail", args=[record.pk]),
        intro="Trail data shows where the person has been. Viewing it is recorded.",
    )


# ------------------------------------------------------------------------------------------------
# Supplier, figures and the plan


@requires(SUPPLIER)
@require_http_methods(["GET", "POST"])
def joint_log(request):
    form = f.JointLogForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if "close" in request.POST:
            close = request.POST.get("close", "")
            entry = (
                JointLogEntry.objects.filter(pk=int(close)).first()
                if close.isdigit() and len(close) <= 18
                else None
            )  # a bigint, not a crafted value
            if entry is None:
                messages.error(
                    request, "That joint log entry could not be found: it may have been removed"
                )
            else:
                try:
                    services.joint_log_close(actor=request.user, entry=entry)
                    messages.success(request, f"Closed: {entry.title}")
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
            return redirect("monitoring:joint-log")
        if form.is_valid():
            try:
                d = form.cleaned_data
                services.joint_log_add(
                    actor=request.user,
                    kind=d["kind"],
                    title=d["title"],
                    description=d["description"],
                    owner=d["owner"],
                    likelihood=d["likelihood"],
                    impact=d["impact"],
                    mitigation=d["mitigation"],
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, "Added to the joint log")
                return redirect("monitoring:joint-log")
    entries = Paginator(JointLogEntry.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    from waymark.core.forms import form_fields

    return render(
        request,
        "monitoring/joint_log.html",
        {"form": form, "fields": form_fields(form), "page": entries},
        status=400 if form.is_bound and form.errors else 200,
    )


def _period(request) -> tuple[f.PeriodForm, selectors.Period]:
    form = f.PeriodForm(request.GET or None)
    default = selectors.period_default()
    if form.is_bound and form.is_valid():
        return form, selectors.Period(
            form.cleaned_data.get("start") or default.start,
            form.cleaned_data.get("end") or default.end,
        )
    return form, default


@no_personal_data
@requires(MI)
def mi(request):
    form, period = _period(request)
    figures = selectors.mi_figures(period)
    labels = _labels(figures)
    return render(
        request,
        "monitoring/mi.html",
        {
            "form": form,
            "period": period,
            "figures": figures,
            "relabel": lambda pairs: [
                (labels.get(str(k), str(k).replace("_", " ").capitalize()), v) for k, v in pairs
            ],
        },
    )


def _labels(figures) -> dict[str, str]:
    """Display names for the codes the figures are keyed by."""
    from waymark.monitoring import models as m
    from waymark.people.countries import country_name
    from waymark.people.models import Sex

    labels: dict[str, str] = {}
    for choices in (
        Sex.choices,
        m.ChallengeOutcome.choices,
        m.TrailOutcome.choices,
        m.RequesterKind.choices,
        m.ExemptionGround.choices,
    ):
        labels.update({str(k): str(v) for k, v in choices})
    for code, _n in figures["population"]["by_nationality"]:
        labels[code] = country_name(code)
    return labels


@requires(MI)
@export_view
def mi_csv(request):
    """The figures as CSV through the export helper (issue 14 item 11); aggregate, naming nobody."""
    _form_unused, period = _period(request)
    figures = selectors.mi_figures(period)
    rows = [
        [section, measure, value]
        for section, values in figures.items()
        for measure, value in _flatten(values)
    ]
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return export_csv(
        request,
        filename=f"em-figures-{period.start}-{period.end}.csv",
        header=["section", "measure", "value"],
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="monitoring.mi_exported",
            query=query,
            purpose="Electronic monitoring figures (MI), as CSV",
        ),
    )


def _flatten(value, prefix: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            label = (
                inner.get("measure")
                or inner.get("breach_type")
                or inner.get("device_type")
                or index
                if isinstance(inner, dict)
                else index
            )
            yield from _flatten(inner, f"{prefix}[{label}]")
    else:
        yield prefix, value


@no_personal_data
@requires(MI)
def supplier(request):
    form, period = _period(request)
    return render(
        request,
        "monitoring/supplier.html",
        {
            "form": form,
            "period": period,
            "levels": selectors.service_levels(period),
            "measures": selectors.supplier_measures(period),
            "can_log": request.user.has_perm(SUPPLIER),
        },
    )


@no_personal_data
@requires(MI)
def plan(request):
    form = f.PlanForm(request.GET or None)
    weeks, releases = 12, None
    if form.is_bound and form.is_valid():
        weeks = form.cleaned_data.get("weeks") or 12
        releases = form.cleaned_data.get("releases")
    return render(
        request,
        "monitoring/plan.html",
        {"form": form, "plan": selectors.operational_plan(weeks=weeks, releases_per_week=releases)},
    )
