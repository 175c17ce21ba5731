"""Reporting: the case owner setting and changing a restriction and commissioning the centre, and
the reporting centre's own pages (the day list, outcomes, commission results)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from waymark.casework import forms as f
from waymark.casework import rules, selectors, services
from waymark.casework.models import Commission, ReportingEvent, ReportingRestriction
from waymark.casework.permissions import (
    MANAGE_CASEWORK,
    RUN_REPORTING_CENTRE,
    may_open_centre_event,
)
from waymark.casework.views._common import _data, _form, _get
from waymark.core import clock
from waymark.core.permissions import requires
from waymark.core.saved_views import filters_remembered, saved_views_panel
from waymark.work.selectors import RESTRICTED_LABEL, person_withheld


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def restriction_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    form = f.RestrictionForm(
        _data(request),
        initial={
            "frequency_days": str(rules.DEFAULT_FREQUENCY_DAYS),
            "window_minutes": rules.DEFAULT_WINDOW_MINUTES,
            "place_kind": "reporting_centre",
            "starts_on": clock.today(),
        },
    )
    return _form(
        request,
        subject,
        form,
        title="Set reporting restrictions",
        submit="Set reporting",
        intro=f"Weekly by default; less often only with a reason. A {rules.DEFAULT_WINDOW_MINUTES}-minute window "
        f"unless there is a reason; a window over {rules.detain_window_limit_minutes()} minutes cannot be "
        "combined with detention on reporting (001 §6.64-6.66).",
        action=lambda d: services.restriction_set(
            actor=request.user,
            person=subject,
            centre=d["centre"],
            place_kind=d["place_kind"],
            police_station=d["police_station"],
            frequency_days=d["frequency_days"],
            frequency_reason=d["frequency_reason"],
            window_start=d["window_start"],
            window_minutes=d["window_minutes"],
            window_reason=d["window_reason"],
            detain_on_reporting=d["detain_on_reporting"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def restriction_edit(request, pk: int):
    restriction = _get(ReportingRestriction, request, pk)
    initial = {name: getattr(restriction, name) for name in services.RESTRICTION_FIELDS}
    initial["frequency_days"] = str(restriction.frequency_days)
    form = f.RestrictionForm(_data(request), initial=initial)

    def act(d):
        if not d["reason"].strip():
            raise ValidationError({"reason": "Enter the reason for the change"})
        changes = {name: d[name] for name in services.RESTRICTION_FIELDS}
        services.restriction_change(
            actor=request.user, restriction=restriction, reason=d["reason"], **changes
        )

    return _form(
        request,
        restriction.person,
        form,
        title="Change reporting restrictions",
        submit="Save the change",
        intro="The reporting centre's list shows the change, and what changed, as soon as you save it.",
        action=act,
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def commission_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.CommissionForm(_data(request)),
        title="Commission the reporting centre",
        submit="Send to the centre",
        action=lambda d: services.commission_request(
            actor=request.user, person=subject, kind=d["kind"], instructions=d["instructions"]
        ),
    )


def _day_asked(request) -> tuple[date, str]:
    """The day the list is for: the GOV.UK date input's three boxes (day-0, day-1, day-2), or
    ``day`` as an ISO date (the previous and next day links), or today. A date that is not real
    shows today with the GOV.UK message."""
    parts = [(request.GET.get(f"day-{i}") or "").strip() for i in range(3)]
    try:
        if any(parts):
            d, m, y = parts
            if not (d and m and y):
                return clock.today(), "The date must include a day, month and year"
            if len(y) != 4:
                return clock.today(), "Year must include 4 numbers"
            return date(int(y), int(m), int(d)), ""
        if request.GET.get("day"):
            return date.fromisoformat(request.GET["day"]), ""
    except (ValueError, OverflowError):  # OverflowError: a year of 20 digits
        return clock.today(), "The date must be a real date"
    return clock.today(), ""


# The reporting day's page key for its saved and remembered centre (core.saved_views).
CENTRE_PAGE = "casework:centre"


@requires(RUN_REPORTING_CENTRE)
def centre(request):
    """The reporting day at a centre; the centre chosen is remembered and may be saved."""
    if (remembered := filters_remembered(request, CENTRE_PAGE)) is not None:
        return remembered
    centres = list(selectors.reporting_centres_for(request.user))
    chosen = next(
        (c for c in centres if str(c.pk) == request.GET.get("centre")),
        centres[0] if centres else None,
    )
    day, day_error = _day_asked(request)
    query = (request.GET.get("q") or "").strip()[:100]
    total = selectors.day_list_events(chosen, day, query=query).count() if chosen else 0
    page = Paginator(range(total), selectors.DAY_LIST_PAGE).get_page(request.GET.get("page"))
    rows = selectors.day_list(chosen, day, page=page.number, query=query) if chosen else []
    if query:
        # A search never reveals that a restricted record the officer may not see reports here.
        rows = [row for row in rows if not person_withheld(request.user, row["person"])]
        total = len(rows) if page.paginator.num_pages == 1 else total
    missing = selectors.events_missing_outcome().filter(centre=chosen).count() if chosen else 0
    return render(
        request,
        "casework/centre.html",
        {
            "day_error": day_error,
            "centres": centres,
            "chosen": chosen,
            "day": day,
            "rows": rows,
            "today": clock.today(),
            "page": page,
            "total": total,
            "missing": missing,
            "query": query,
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
            "missing_events": selectors.events_missing_outcome().filter(centre=chosen)[:20]
            if chosen
            else [],
            # A restricted record keeps its place on the list (the count is the centre's workload) but
            # is not named, nor opened, for an officer who may not see it (issue 14 item 7).
            "withheld": lambda person: person_withheld(request.user, person),
            "restricted_label": RESTRICTED_LABEL,
            "saved_views": saved_views_panel(request, CENTRE_PAGE),
        },
    )


def _centre_event(request, pk: int) -> ReportingEvent:
    event = ReportingEvent.objects.select_related("person", "centre").filter(pk=pk).first()
    if event is None or not may_open_centre_event(request.user, event):
        raise Http404("No such event")
    return event


@requires(RUN_REPORTING_CENTRE)
@require_http_methods(["POST"])
def event_attended(request, pk: int):
    """One step for the usual case at the counter: the person is here."""
    event = _centre_event(request, pk)
    back = reverse("casework:centre") + f"?centre={event.centre_id}&day={event.due_on.isoformat()}"
    try:
        services.event_outcome_record(
            actor=request.user, event=event, outcome="attended", reason="", rescheduled_to=None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{event.person.full_name}: attended")
    return redirect(back)


@requires(RUN_REPORTING_CENTRE)
@require_http_methods(["GET", "POST"])
def event_outcome(request, pk: int):
    event = _centre_event(request, pk)
    back = reverse("casework:centre") + f"?centre={event.centre_id}&day={event.due_on.isoformat()}"
    return _form(
        request,
        event.person,
        f.OutcomeForm(_data(request)),
        title=f"Reporting event {event.due_on:%-d %B %Y}, {event.window_start:%H:%M}",
        submit="Record",
        back=back,
        done=back,
        action=lambda d: services.event_outcome_record(
            actor=request.user,
            event=event,
            outcome=d["outcome"],
            reason=d["reason"],
            rescheduled_to=d["rescheduled_to"],
        ),
    )


@requires(RUN_REPORTING_CENTRE)
@require_http_methods(["GET", "POST"])
def commission_result(request, pk: int):
    commission = Commission.objects.select_related("person").filter(pk=pk).first()
    if commission is None:
        raise Http404("No such commission")
    subject = selectors.access_case_person(request.user, commission.person_id)
    event = subject.reporting_events.filter(due_on=clock.today(), cancelled=False).first()
    back = reverse("casework:centre")
    return _form(
        request,
        subject,
        f.CommissionResultForm(_data(request)),
        title=f"{commission.get_kind_display()}: record the result",
        submit="Send to the case owner",
        intro=commission.instructions,
        back=back,
        done=back,
        action=lambda d: services.commission_result_record(
            actor=request.user,
            commission=commission,
            done=d["done"] == "yes",
            result=d["result"],
            event=event,
        ),
    )
