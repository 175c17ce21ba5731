"""Reporting events (brief casework.md §2): generating the events of every restriction in force,
the centre recording an outcome (a no-show opens non-compliance and owner work at once), and
chasing past events with no outcome."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count

from waymark.accounts.models import Team
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import (
    Case,
    ContactStep,
    NonCompliance,
    Outcome,
    ReportingEvent,
    ReportingRestriction,
)
from waymark.casework.services._common import (
    _close_tasks,
    _contact_resumed,
    _owner_work,
    _raise,
    _record,
    _require,
    _user,
    team_queue,
)
from waymark.casework.services.referral import case_ensure
from waymark.casework.workflows import NonComplianceStatus
from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.types import Actor
from waymark.work import services as work


def events_generate(
    *,
    first: date | None = None,
    horizon_days: int | None = None,
    restriction_ids: list[int] | None = None,
) -> int:
    """Create the reporting events of every restriction in force from ``first`` (today) to the
    horizon. One row per restriction and day (a unique constraint), so running it again, or two
    at once, creates nothing new. Returns the number of rows created."""
    first = first or clock.today()
    last = first + timedelta(
        days=rules.event_horizon_days() if horizon_days is None else horizon_days
    )
    if connection.vendor == "postgresql" and restriction_ids is None:
        return _events_generate_sql(first, last)
    restrictions = ReportingRestriction.objects.filter(starts_on__lte=last).exclude(
        ends_on__lt=first
    )
    if restriction_ids is not None:
        restrictions = restrictions.filter(pk__in=restriction_ids)
    created = 0
    batch: list[ReportingEvent] = []
    for r in restrictions.iterator(chunk_size=2000):
        for day in rules.event_days(
            starts_on=r.starts_on,
            ends_on=r.ends_on,
            frequency_days=r.frequency_days,
            first=first,
            last=last,
        ):
            batch.append(
                ReportingEvent(
                    person_id=r.person_id,
                    restriction_id=r.pk,
                    centre_id=r.centre_id,
                    due_on=day,
                    window_start=r.window_start,
                    window_minutes=r.window_minutes,
                )
            )
        if len(batch) >= 5000:
            created += _insert_events(batch)
            batch = []
    return created + _insert_events(batch)


def _insert_events(batch: list[ReportingEvent]) -> int:
    if not batch:
        return 0
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        before = connection.connection.total_changes
        ReportingEvent.objects.bulk_create(batch, ignore_conflicts=True)
        return connection.connection.total_changes - before
    keys = {(e.restriction_id, e.due_on) for e in batch}
    existing = set(
        ReportingEvent.objects.filter(
            restriction_id__in={k[0] for k in keys}, due_on__in={k[1] for k in keys}
        ).values_list("restriction_id", "due_on")
    )
    ReportingEvent.objects.bulk_create(batch, ignore_conflicts=True)
    return len(keys - existing)


GENERATE_SQL = """
INSERT INTO casework_reportingevent
    (person_id, restriction_id, centre_id, due_on, window_start, window_minutes, outcome, outcome_reason, cancelled)
SELECT r.person_id, r.id, r.centre_id, d::date, r.window_start, r.window_minutes, '', '', false
FROM casework_reportingrestriction r
CROSS JOIN LATERAL generate_series(
    (GREATEST(%(first)s::date, r.starts_on)
     + ((r.frequency_days - ((GREATEST(%(first)s::date, r.starts_on) - r.starts_on) %% r.frequency_days))
        %% r.frequency_days))::timestamp,
    LEAST(%(last)s::date, COALESCE(r.ends_on, %(last)s::date))::timestamp,
    make_interval(days => r.frequency_days)) AS d
WHERE r.starts_on <= %(last)s::date AND (r.ends_on IS NULL OR r.ends_on >= %(first)s::date)
ON CONFLICT (restriction_id, due_on) DO NOTHING
"""


def _events_generate_sql(first: date, last: date) -> int:
    """The same rows as the Python path, in one set-based statement (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(GENERATE_SQL, {"first": first, "last": last})
        return cursor.rowcount


def event_history_summary(event: ReportingEvent, centre_name: str) -> str:
    """What the person's timeline says of an outcome. The entry is dated ``event.occurred_at``,
    the time the casework tab shows: one reporting history, told from the event's own row (the
    demo writes its entries with this too)."""
    reason = f" ({event.outcome_reason})" if event.outcome_reason else ""
    return (
        f"Reporting event {event.due_on:%d %b %Y} at {centre_name}: "
        f"{event.get_outcome_display().lower()}{reason}"
    )


def event_outcome_record(
    *,
    actor: Actor,
    event: ReportingEvent,
    outcome: str,
    reason: str = "",
    rescheduled_to: date | None = None,
) -> ReportingEvent:
    """The centre records what happened. A no-show opens non-compliance and owner work at once."""
    _require(actor, perms.RUN_REPORTING_CENTRE, "record reporting outcomes")
    event = ReportingEvent.objects.select_related("person", "centre", "outcome_recorded_by").get(
        pk=event.pk
    )
    errors: dict[str, str] = {}
    today = clock.today()
    if outcome not in Outcome.values:
        errors["outcome"] = "Select what happened: attended, did not attend, excused or rescheduled"
    if event.due_on > today:
        errors["outcome"] = (
            f"This event is on {event.due_on:%d %B %Y}: an outcome cannot be recorded for a "
            "future event"
        )
    if event.cancelled:
        errors["outcome"] = "This event was withdrawn by a change to the restriction"
    if event.outcome:
        errors["outcome"] = (
            f"An outcome ({event.get_outcome_display().lower()}) was already recorded"
            + (f" by {event.outcome_recorded_by.display_name}" if event.outcome_recorded_by else "")
        )
    reason = (reason or "").strip()
    if outcome == Outcome.EXCUSED and not reason:
        errors["reason"] = "Enter why the person was excused"
    if outcome == Outcome.RESCHEDULED:
        if rescheduled_to is None:
            errors["rescheduled_to"] = "Enter the date the event is rescheduled to"
        elif rescheduled_to <= today:
            errors["rescheduled_to"] = "The new date must be after today"
        if not reason:
            errors["reason"] = "Enter why the event was rescheduled"
    _raise(errors)
    person = event.person
    now = clock.now()
    with transaction.atomic():
        event = ReportingEvent.objects.select_for_update().get(pk=event.pk)
        if event.outcome:
            raise ValidationError(
                {"outcome": "An outcome was recorded by someone else a moment ago"}
            )
        event.outcome, event.outcome_reason = outcome, reason
        event.outcome_recorded_at, event.outcome_recorded_by = now, _user(actor)
        event.rescheduled_to = rescheduled_to
        event.save()
        if outcome == Outcome.RESCHEDULED:
            assert rescheduled_to is not None  # refused above when missing
            ReportingEvent.objects.create(
                person=person,
                restriction=None,
                centre=event.centre,
                due_on=rescheduled_to,
                window_start=event.window_start,
                window_minutes=event.window_minutes,
            )
        _record(
            actor=actor,
            verb=f"reporting.{outcome}",
            target=event,
            person=person,
            occurred_at=event.occurred_at,
            summary=event_history_summary(event, event.centre.name),
            new={"outcome": outcome, "reason": reason, "rescheduled_to": rescheduled_to},
        )
        case = case_ensure(actor=actor, person=person)
        case = Case.objects.select_for_update().get(pk=case.pk)
        if outcome == Outcome.ATTENDED:
            case.last_attended_on = max(filter(None, [case.last_attended_on, event.due_on]))
            _contact_resumed(actor=actor, case=case, how="attended a reporting event")
        elif outcome == Outcome.NO_SHOW:
            _missed(actor=actor, case=case, event=event)
        if outcome == Outcome.NO_SHOW or event.chased_at:
            _close_tasks(
                actor=actor, prefix=f"reporting.outcome_missing:{event.pk}", outcome="recorded"
            )
    return event


def _missed(*, actor: Actor, case: Case, event: ReportingEvent) -> NonCompliance:
    """001 §7.26: a missed event creates work for the owner at once, not after three."""
    person = case.person
    now = clock.now()
    case.consecutive_missed += 1
    case.out_of_contact_since = case.out_of_contact_since or event.due_on
    case.updated_at = now
    case.save()
    band = case.band
    nc = NonCompliance.objects.filter(person=person, status=NonComplianceStatus.OPEN).first()
    if nc is None:
        nc = NonCompliance.objects.create(person=person, event=event, band=band, opened_at=now)
        for step, due in rules.contact_step_deadlines(band, now).items():
            ContactStep.objects.create(non_compliance=nc, step=step, due_at=due)
    _owner_work(
        actor=actor,
        person=person,
        task_type=missed_task_type(band),
        title=f"Missed reporting ({case.consecutive_missed} in a row): {person.full_name} — band {band}",
        description="Work the contact checklist: "
        + "; ".join(
            f"{step.get_step_display()} by {step.due_at.astimezone(LONDON):%d %b %H:%M}"
            for step in nc.steps.all()
        ),
        dedupe_key=f"casework.missed:{nc.pk}:{event.pk}",
    )
    return nc


def missed_task_type(band: int) -> str:
    return f"{rules.TASK_MISSED_EVENT}_band_{band}"


def outcomes_missing_chase(*, now: datetime | None = None) -> int:
    """Past events with no outcome are a data-quality failure: mark them and chase each centre
    once a day with one task (001 §7.21, §7.25). Returns the number of events newly chased."""
    now = now or clock.now()
    local = now.astimezone(LONDON)
    cutoff = local - timedelta(hours=rules.OUTCOME_GRACE_HOURS)
    candidates = ReportingEvent.objects.filter(
        outcome="", cancelled=False, chased_at__isnull=True, due_on__lte=cutoff.date()
    )
    todays = [
        e.pk
        for e in candidates.filter(due_on=cutoff.date()).only(
            "due_on", "window_start", "window_minutes"
        )
        if e.window_closes > cutoff
    ]
    candidates = candidates.exclude(pk__in=todays)
    with transaction.atomic():  # marked chased and the centres' tasks created together, or neither
        by_centre = dict(
            candidates.values_list("centre_id")
            .annotate(n=Count("pk"))
            .values_list("centre_id", "n")
        )
        chased = candidates.update(chased_at=now)
        for centre in Team.objects.filter(pk__in=by_centre):
            work.task_create(
                actor=None,
                task_type=rules.TASK_OUTCOMES_MISSING,
                title=f"Record outcomes: {by_centre[centre.pk]} past reporting events have none",
                queue=team_queue(centre, "interviews", "Interviews"),
                description="Each event with no outcome is listed on the centre's day list for its date.",
                dedupe_key=f"reporting.outcomes_missing:{centre.pk}:{local.date().isoformat()}",
            )
    return chased
