"""The person's monitoring tab: bail grants, conditions, release, exemptions, orders to the supplier
and their outcomes, and conveyance documents."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waymark.core.clock import LONDON
from waymark.core.permissions import requires
from waymark.documents.services import upload_read
from waymark.monitoring import forms as f
from waymark.monitoring import rules, selectors, services
from waymark.monitoring.models import ConditionStatus
from waymark.monitoring.views._common import EM, _form, _person_url
from waymark.people.pages import person_page_context
from waymark.people.services import person_record_view


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
