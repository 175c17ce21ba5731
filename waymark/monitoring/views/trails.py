"""Trail data: the request, its approval, closure and the data itself (each view audited)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import requires
from waymark.monitoring import forms as f
from waymark.monitoring import rules, selectors, services
from waymark.monitoring.views._common import EM, _form, _person_url
from waymark.people.pages import person_form_page, person_page_context


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
