"""Referral pages: the referral form (standalone, from a person's page), a referral, case
preparation, further information, referral quality and the first responder's own referrals.

Thin: each page reads through selectors (an outsider gets 404 for a referral) and writes through
one service; a refusal is shown in the GOV.UK error summary with nothing saved. Every page that
shows a referral's account records a consultation (``nrm.referral_viewed``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core.audit import audit_record
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import requires, signed_in
from waymark.nrm import forms_referrals as f
from waymark.nrm import permissions as perms
from waymark.nrm import rules, selectors, services
from waymark.nrm.models import PreparationStatus
from waymark.nrm.registrations import AUDIT_VERBS

PAGE_SIZE = 50


def _data(request):
    return request.POST if request.method == "POST" else None


def _viewed(request, referral, page: str) -> None:
    audit_record(
        actor=request.user,
        action=AUDIT_VERBS["nrm.referral_viewed"],
        verb="nrm.referral_viewed",
        target=referral,
        person_id=referral.person_id,
        payload={"page": page},
    )


def _referral_url(referral) -> str:
    return reverse("nrm:referral", args=[referral.pk])


def _form_page(
    request,
    form,
    *,
    title: str,
    submit: str,
    action: Callable[[dict[str, Any]], Any],
    back: str,
    done: Callable[[Any], str],
    intro: str = "",
    extra: dict | None = None,
):
    """On a valid POST, one service call and a redirect; a refusal is an error on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You may not do this")
        else:
            messages.success(request, f"{title}: done")
            return redirect(done(result))
    context = {
        "form": form,
        "error_form": form if form.is_bound and form.errors else None,
        "fields": form_fields(form),
        "title": title,
        "submit": submit,
        "back": back,
        "intro": intro,
        **(extra or {}),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "nrm/referral_form.html", context, status=status)


# --- referring -----------------------------------------------------------------------------------


@requires(perms.REFER)
@require_http_methods(["GET", "POST"])
def referral_new(request):
    from waymark.people.selectors import access_person

    person = None
    if request.GET.get("person"):
        try:
            person = access_person(request.user, request.GET["person"])
        except (ValueError, PermissionDenied):
            raise Http404("No such person") from None
    version = services.referral_form_current()
    form = f.ReferralForm(_data(request), questions=version.questions, with_person=person is None)
    candidates: list = []

    def action(d):
        details = None
        if person is None:
            details = {
                k: d.get(k) for k in ("given_names", "family_name", "date_of_birth", "nationality")
            }
        try:
            return services.referral_create(
                actor=request.user,
                person=person,
                person_details=details,
                confirm_person_id=request.POST.get("confirm_person_id") or None,
                create_person=bool(d.get("create_person")),
                referrer_type=d["referrer_type"],
                consent=d["consent"],
                age_group=d["age_group"],
                local_authority=d["local_authority"],
                detained=d["detained"],
                has_legal_representative=d["has_legal_representative"],
                exploitation_types=d["exploitation_types"],
                control_methods=d["control_methods"],
                answers=form.answers(),
                source="person_page" if person else "web",
                priority_cohort=d["priority_cohort"],
            )
        except services.PersonMatchRequired as exc:
            candidates.extend(c for c in exc.candidates if c.how != "hidden")
            raise

    response = _form_page(
        request,
        form,
        title="Refer to the National Referral Mechanism",
        submit="Send the referral",
        action=action,
        back=reverse("nrm:my-referrals"),
        done=_referral_url,
        intro=(f"Referring {person.full_name} ({person.reference}). " if person else "")
        + f"Form version {version.version}. An adult who does not consent is not referred: "
        "record the duty to notify instead.",
        extra={
            "candidates": candidates,
            "duty_url": reverse("nrm:duty-to-notify-new"),
        },
    )
    return response


@requires(perms.REFER)
@require_http_methods(["GET", "POST"])
def duty_to_notify_new(request):
    form = f.DutyToNotifyForm(_data(request))
    return _form_page(
        request,
        form,
        title="Record the duty to notify",
        submit="Record",
        action=lambda d: services.duty_to_notify_record(actor=request.user, **d),
        back=reverse("nrm:my-referrals"),
        done=lambda _r: reverse("nrm:my-referrals"),
        intro=(
            "For an adult who does not consent to a referral. Nothing that identifies the person "
            "is recorded."
        ),
    )


@requires(perms.REFER)
def my_referrals(request):
    page = Paginator(selectors.referrals_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "nrm/my_referrals.html", {"page": page})


# --- a referral ----------------------------------------------------------------------------------


@signed_in
def referral(request, pk: int):
    referral = selectors.referral_get_visible(request.user, pk)
    _viewed(request, referral, "referral")
    user = request.user
    return render(
        request,
        "nrm/referral.html",
        {
            "referral": referral,
            "questions": selectors.referral_form_questions(referral),
            "items": referral.preparation_items.select_related("gatherer"),
            "information_requests": referral.information_requests.all(),
            "exploitation": [rules.EXPLOITATION_TYPES[c] for c in referral.exploitation_types],
            "control": [rules.CONTROL_METHODS[c] for c in referral.control_methods],
            "can_prepare": user.has_perm(perms.PREPARE),
            "can_assess": user.has_perm(perms.CHECK) or user.has_perm(perms.MANAGE),
            "can_allocate": user.has_perm(perms.MANAGE) and referral.status in _open_statuses(),
            "can_withdraw": referral.status in _open_statuses()
            and (user.has_perm(perms.MANAGE) or referral.referrer_id == user.pk),
        },
    )


def _open_statuses():
    from waymark.nrm.workflows import OPEN_REFERRAL

    return OPEN_REFERRAL


@signed_in
@require_http_methods(["GET", "POST"])
def referral_withdraw(request, pk: int):
    referral = selectors.referral_get_visible(request.user, pk)
    return _form_page(
        request,
        f.WithdrawForm(_data(request)),
        title=f"Withdraw referral {referral.reference}",
        submit="Withdraw",
        action=lambda d: services.referral_withdraw(
            actor=request.user, referral=referral, reason=d["reason"]
        ),
        back=_referral_url(referral),
        done=_referral_url,
    )


@requires(perms.PREPARE)
@require_http_methods(["GET", "POST"])
def preparation(request, pk: int):
    referral = selectors.referral_get_visible(request.user, pk)
    _viewed(request, referral, "preparation")
    items = list(referral.preparation_items.select_related("gatherer"))
    open_items = [i for i in items if i.status == PreparationStatus.OPEN]
    form = f.PreparationForm(_data(request), items=open_items)
    by_pk = {str(i.pk): i for i in open_items}
    return _form_page(
        request,
        form,
        title=f"Case preparation for {referral.reference}",
        submit="Record",
        action=lambda d: services.preparation_record(
            actor=request.user, item=by_pk[d["item"]], status=d["status"], summary=d["summary"]
        ),
        back=_referral_url(referral),
        done=lambda _i: reverse("nrm:preparation", args=[referral.pk]),
        extra={"items": items, "referral": referral},
    )


@requires(perms.PREPARE)
@require_http_methods(["GET", "POST"])
def information_request_new(request, pk: int):
    referral = selectors.referral_get_visible(request.user, pk)
    return _form_page(
        request,
        f.InformationRequestForm(_data(request)),
        title=f"Request further information for {referral.reference}",
        submit="Send the request",
        action=lambda d: services.information_request_send(
            actor=request.user, referral=referral, **d
        ),
        back=_referral_url(referral),
        done=lambda _r: _referral_url(referral),
    )


@requires(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def referral_allocate(request, pk: int):
    """A manager names the decision maker and the case preparer; only the people the service
    would accept are offered, and a posted id not among them is an error on the form."""
    from waymark.nrm.workflows import OPEN_REFERRAL

    referral = selectors.referral_get_visible(request.user, pk)
    _viewed(request, referral, "allocate")
    people = selectors.allocation_candidates(request.user)
    makers = {str(u.pk): u for u in people["decision_makers"]}
    preparers = {str(u.pk): u for u in people["case_preparers"]}
    form = f.AllocateForm(
        _data(request),
        decision_makers=people["decision_makers"],
        case_preparers=people["case_preparers"],
        referral=referral,
    )

    def action(d):
        maker = makers.get(d["decision_maker"] or "")
        preparer = preparers.get(d["case_preparer"] or "")
        return services.referral_allocate(
            actor=request.user,
            referral=referral,
            decision_maker=maker if maker and maker.pk != referral.decision_maker_id else None,
            case_preparer=(
                preparer if preparer and preparer.pk != referral.case_preparer_id else None
            ),
        )

    if referral.status not in OPEN_REFERRAL and request.method == "GET":
        messages.info(request, f"The referral is {referral.get_status_display().lower()}")
    return _form_page(
        request,
        form,
        title=f"Allocate referral {referral.reference}",
        submit="Allocate",
        action=action,
        back=_referral_url(referral),
        done=_referral_url,
        intro=(
            "Decision maker: "
            + (referral.decision_maker.display_name if referral.decision_maker else "not allocated")
            + ". Case preparer: "
            + (referral.case_preparer.display_name if referral.case_preparer else "not allocated")
            + ". The open tasks move to whoever you name."
        ),
    )


@requires(perms.PREPARE)
@require_http_methods(["GET", "POST"])
def information_answer(request, pk: int):
    """Record the answer to a further-information request; after its due date, a good reason or
    it is recorded as late without good reason (s58)."""
    from waymark.core import clock

    info = selectors.information_request_get_visible(request.user, pk)
    referral = info.referral
    _viewed(request, referral, "information_answer")
    late = clock.today() > info.due_on
    return _form_page(
        request,
        f.InformationAnswerForm(_data(request)),
        title=f"Answer from {info.requested_from}",
        submit="Record the answer",
        action=lambda d: services.information_request_answer(
            actor=request.user, request=info, answer=d["answer"], late_reason=d["late_reason"]
        ),
        back=_referral_url(referral),
        done=lambda _r: _referral_url(referral),
        intro=(
            f"For referral {referral.reference}"
            + (" (s58 information notice)" if info.is_s58_notice else "")
            + f". Asked: {info.questions} Due {info.due_on:%-d %B %Y}"
            + (": this answer is late." if late else ".")
        ),
        extra={"late": late},
    )


@requires(perms.CHECK)
@require_http_methods(["GET", "POST"])
def quality(request, pk: int):
    user = request.user
    referral = selectors.referral_get_visible(user, pk)
    _viewed(request, referral, "quality")
    contacts = (
        referral.referring_team.members.filter(is_active=True).order_by("last_name")
        if referral.referring_team
        else []
    )
    contacts = [u for u in contacts if u.has_perm(perms.REFER)]
    by_pk = {str(u.pk): u for u in contacts}

    def action(d):
        assessment = services.referral_quality_assess(
            actor=user,
            referral=referral,
            checklist={k: k in d["met"] for k in rules.QUALITY_CHECKLIST},
            feedback=d["feedback"],
            point_of_contact=by_pk.get(d["point_of_contact"] or ""),
        )
        if d["send"]:
            services.quality_feedback_send(actor=user, assessment=assessment)
        return assessment

    return _form_page(
        request,
        f.QualityForm(_data(request), contacts=contacts),
        title=f"Referral quality of {referral.reference}",
        submit="Save the assessment",
        action=action,
        back=_referral_url(referral),
        done=lambda _a: _referral_url(referral),
        extra={"assessment": getattr(referral, "quality", None)},
    )


@requires(perms.VIEW)
def quality_trends(request):
    return render(
        request, "nrm/quality_trends.html", {"rows": selectors.quality_trends(request.user)}
    )


@signed_in
def person_referrals(request, pk: int):
    """The person's "Modern slavery" tab: their referrals the user may see."""
    from waymark.people.pages import person_page_context
    from waymark.people.selectors import access_person
    from waymark.people.services import person_record_view

    person = access_person(request.user, pk)
    person_record_view(actor=request.user, person=person, page="nrm")
    context = person_page_context(request, person, "nrm")
    context.update(
        {
            "referrals": list(selectors.referrals_for_person(request.user, person)),
            "can_refer": request.user.has_perm(perms.REFER),
        }
    )
    return render(request, "nrm/referral_person.html", context)


urlpatterns = [
    path("referrals/new/", referral_new, name="referral-new"),
    path("referrals/mine/", my_referrals, name="my-referrals"),
    path("referrals/quality/", quality_trends, name="quality-trends"),
    path("duty-to-notify/new/", duty_to_notify_new, name="duty-to-notify-new"),
    path("referrals/<int:pk>/", referral, name="referral"),
    path("referrals/<int:pk>/withdraw/", referral_withdraw, name="referral-withdraw"),
    path("referrals/<int:pk>/preparation/", preparation, name="preparation"),
    path(
        "referrals/<int:pk>/information/new/",
        information_request_new,
        name="information-request-new",
    ),
    path("referrals/<int:pk>/quality/", quality, name="quality"),
    path("referrals/<int:pk>/allocate/", referral_allocate, name="referral-allocate"),
    path("information/<int:pk>/answer/", information_answer, name="information-answer"),
    path("people/<int:pk>/", person_referrals, name="person-referrals"),
]
