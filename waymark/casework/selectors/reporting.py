"""The reporting centre's lists (brief casework.md §2): its centres, the day list a page at a
time, past events with no outcome, the commission results waiting for their case owner, and a
person's reporting history (the casework tab)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from waymark.accounts.models import Team
from waymark.casework import permissions as perms
from waymark.casework.models import Case, Commission, Outcome, ReportingEvent
from waymark.casework.selectors.access import cases_with_band
from waymark.casework.workflows import CommissionStatus
from waymark.core import clock
from waymark.people.selectors import person_visible_queryset


def reporting_centres_for(user) -> QuerySet[Team]:
    qs = Team.objects.filter(slug__startswith="reporting-centre-")
    if user.has_perm(perms.VIEW_ANY_QUEUE):
        return qs.order_by("name")
    return qs.filter(pk__in=user.teams.values("pk")).order_by("name")


CHANGE_SHOWN_DAYS = 14


DAY_LIST_PAGE = 100


def day_list_events(centre: Team, day: date, *, query: str = "") -> QuerySet[ReportingEvent]:
    """The centre's events for a day; ``query`` (a name, part of one, or a Waymark reference) finds
    the person at the counter."""
    events = ReportingEvent.objects.filter(centre=centre, due_on=day, cancelled=False)
    query = " ".join((query or "").split())
    if query:
        match = Q(person__reference__iexact=query)
        for word in query.split(" "):
            match |= Q(person__family_name__icontains=word) | Q(person__given_names__icontains=word)
        events = events.filter(match)
    return events.order_by("window_start", "person__family_name", "pk")


def day_list(
    centre: Team, day: date, *, page: int = 1, per_page: int = DAY_LIST_PAGE, query: str = ""
) -> list[dict[str, Any]]:
    """One page of the centre's list for a day: each event with its person, the restriction as it
    stands now, what changed recently, and any open commission. A busy centre has thousands a
    day, so the list is read a page at a time (``day_list_events(...).count()`` for the total)."""
    start = (max(1, page) - 1) * per_page
    events = list(
        day_list_events(centre, day, query=query).select_related(
            "person", "restriction", "outcome_recorded_by"
        )[start : start + per_page]
    )
    person_ids = [e.person_id for e in events]
    open_commissions: dict[int, list[Commission]] = defaultdict(list)
    for c in Commission.objects.filter(person_id__in=person_ids, status=CommissionStatus.REQUESTED):
        open_commissions[c.person_id].append(c)
    cases = {c.person_id: c for c in cases_with_band(Case.objects.filter(person_id__in=person_ids))}
    since = clock.now() - timedelta(days=CHANGE_SHOWN_DAYS)
    rows = []
    for e in events:
        r = e.restriction
        changed = r is not None and r.changed_at is not None and r.changed_at >= since
        rows.append(
            {
                "event": e,
                "person": e.person,
                "restriction": r,
                "changed": changed,
                "change_summary": r.change_summary if r is not None and changed else "",
                "commissions": open_commissions[e.person_id],
                "case": cases.get(e.person_id),
            }
        )
    return rows


def events_missing_outcome(user=None) -> QuerySet[ReportingEvent]:
    qs = ReportingEvent.objects.filter(outcome="", cancelled=False, due_on__lt=clock.today())
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs.select_related("person", "centre").order_by("due_on")


def commissions_for_owner(user) -> QuerySet[Commission]:
    return (
        Commission.objects.filter(person__case_owner=user)
        .exclude(status=CommissionStatus.REQUESTED)
        .filter(owner_seen_at__isnull=True)
        .select_related("person")
    )


HISTORY_SHOWN = 12


def reporting_history(person, *, limit: int | None = HISTORY_SHOWN) -> dict[str, Any]:
    """A person's reporting as the casework tab shows it, from their events alone: ``history``,
    the latest events that happened (an outcome recorded, or their day gone by with none), each
    at ``event.occurred_at`` (the time the person's timeline dates its entry at); ``upcoming``,
    the events still to come; ``last_attended``, the latest attended event. An event recorded
    today is history, not still to come."""
    today = clock.today()
    events = ReportingEvent.objects.filter(person=person, cancelled=False).select_related("centre")
    happened = Q(due_on__lt=today) | ~Q(outcome="")
    return {
        "history": list(
            events.filter(happened).order_by("-due_on", "-window_start", "-pk")[:limit]
        ),
        "upcoming": list(
            events.filter(due_on__gte=today, outcome="").order_by("due_on", "window_start")[:6]
        ),
        "last_attended": events.filter(outcome=Outcome.ATTENDED)
        .order_by("-due_on", "-window_start", "-pk")
        .first(),
    }
