"""Reporting restrictions (brief casework.md §2): setting a person's reporting, and changing it
with a reason, the events still to come moving with it at once (001 §6.61)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from waymark.accounts.models import Team
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import (
    PlaceKind,
    ReportingEvent,
    ReportingRestriction,
    RestrictionChange,
)
from waymark.casework.services._common import _json, _raise, _record, _require, _text, _user
from waymark.casework.services.referral import case_ensure
from waymark.casework.services.reporting import events_generate
from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Person

RESTRICTION_FIELDS = [
    "centre",
    "place_kind",
    "police_station",
    "frequency_days",
    "frequency_reason",
    "window_start",
    "window_minutes",
    "window_reason",
    "detain_on_reporting",
    "starts_on",
    "ends_on",
]
FIELD_LABELS = {
    "centre": "centre",
    "place_kind": "place",
    "police_station": "police station",
    "frequency_days": "frequency",
    "frequency_reason": "reason for frequency",
    "window_start": "window opens",
    "window_minutes": "window length (minutes)",
    "window_reason": "reason for the window",
    "detain_on_reporting": "detain on reporting",
    "starts_on": "start",
    "ends_on": "end",
}


def _display(field: str, value: Any) -> str:
    if value is None or value == "":
        return "none"
    if field == "centre":
        return value.name
    if field == "frequency_days":
        return dict(rules.FREQUENCY_CHOICES).get(value, f"every {value} days").lower()
    if field == "window_start":
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _validate_restriction(values: dict) -> None:
    problems = rules.restriction_problems(
        frequency_days=values["frequency_days"],
        frequency_reason=values.get("frequency_reason") or "",
        window_start=values.get("window_start"),
        window_minutes=values.get("window_minutes"),
        window_reason=values.get("window_reason") or "",
        detain_on_reporting=bool(values.get("detain_on_reporting")),
        starts_on=values.get("starts_on"),
        ends_on=values.get("ends_on"),
    )
    centre = values.get("centre")
    if centre is None:
        problems["centre"] = "Select the reporting centre"
    if (
        values.get("place_kind") == PlaceKind.POLICE_STATION
        and not (values.get("police_station") or "").strip()
    ):
        problems["police_station"] = "Enter the police station"
    _raise(problems)


def restriction_in_force(person: Person, day: date | None = None) -> ReportingRestriction | None:
    day = day or clock.today()
    return (
        ReportingRestriction.objects.filter(person=person, starts_on__lte=day)
        .exclude(ends_on__lt=day)
        .order_by("-starts_on", "-pk")
        .first()
        or ReportingRestriction.objects.filter(person=person, starts_on__gt=day)
        .order_by("starts_on")
        .first()
    )


def restriction_set(
    *,
    actor: Actor,
    person: Person,
    centre: Team,
    frequency_days: int = rules.DEFAULT_FREQUENCY_DAYS,
    window_start: time | None,
    window_minutes: int = rules.DEFAULT_WINDOW_MINUTES,
    starts_on: date | None,
    ends_on: date | None = None,
    frequency_reason: str = "",
    window_reason: str = "",
    detain_on_reporting: bool = False,
    place_kind: str = PlaceKind.REPORTING_CENTRE,
    police_station: str = "",
) -> ReportingRestriction:
    """Set reporting for a person with none in force; events to the horizon are generated at once."""
    _require(actor, perms.MANAGE_CASEWORK, "set reporting restrictions")
    values = {
        "centre": centre,
        "place_kind": place_kind,
        "police_station": (police_station or "").strip(),
        "frequency_days": frequency_days,
        "frequency_reason": frequency_reason or "",
        "window_start": window_start,
        "window_minutes": window_minutes,
        "window_reason": (window_reason or "").strip(),
        "detain_on_reporting": bool(detain_on_reporting),
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    _validate_restriction(values)
    # The validation above refuses a restriction with no start date or window.
    assert starts_on is not None and window_start is not None
    current = restriction_in_force(person)
    if current is not None and (current.ends_on is None or current.ends_on >= starts_on):
        raise ValidationError(
            {"starts_on": "This person already has reporting set; change that restriction instead"}
        )
    with transaction.atomic():
        case_ensure(actor=actor, person=person)
        restriction = ReportingRestriction.objects.create(
            person=person, set_by=_user(actor), set_at=clock.now(), **values
        )
        _record(
            actor=actor,
            verb="casework.restriction_set",
            target=restriction,
            person=person,
            summary=f"Reporting set: {_display('frequency_days', frequency_days)} at {restriction.place}, "
            f"{window_start:%H:%M} for {window_minutes} minutes from {starts_on:%d %b %Y}"
            + (" (detain on reporting)" if detain_on_reporting else ""),
            new=values,
        )
        events_generate(restriction_ids=[restriction.pk])
    return restriction


def restriction_change(
    *, actor: Actor, restriction: ReportingRestriction, reason: str, **changes
) -> ReportingRestriction:
    """Change a restriction with a reason. Events still to come move with it at once, so the
    centre's list shows the change, and what changed, the moment it is saved (001 §6.61)."""
    _require(actor, perms.MANAGE_CASEWORK, "change reporting restrictions")
    unknown = set(changes) - set(RESTRICTION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown restriction fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Enter the reason for the change")
    values = {f: getattr(restriction, f) for f in RESTRICTION_FIELDS}
    new_values = {**values, **changes}
    if new_values["centre"] is None:
        new_values["centre"] = restriction.centre
    diff = {f: (values[f], new_values[f]) for f in RESTRICTION_FIELDS if values[f] != new_values[f]}
    if not diff and not errors:
        errors["reason"] = "Nothing has changed"
    _raise(errors)
    _validate_restriction(new_values)
    summary = "; ".join(
        f"{FIELD_LABELS[f]} {_display(f, old)} → {_display(f, new)}"
        for f, (old, new) in diff.items()
    )
    now = clock.now()
    with transaction.atomic():
        restriction = ReportingRestriction.objects.select_for_update().get(pk=restriction.pk)
        for field, value in new_values.items():
            setattr(restriction, field, value)
        restriction.changed_at, restriction.change_summary = now, summary[:500]
        restriction.version = F("version") + 1
        restriction.save()
        restriction.refresh_from_db()
        RestrictionChange.objects.create(
            restriction=restriction,
            changed_at=now,
            changed_by=_user(actor),
            changes={f: [_json(o), _json(n)] for f, (o, n) in diff.items()},
            summary=summary[:500],
            reason=reason,
        )
        _record(
            actor=actor,
            verb="casework.restriction_changed",
            target=restriction,
            person=restriction.person,
            summary=f"Reporting changed: {summary}. Reason: {reason}",
            old={f: o for f, (o, _n) in diff.items()},
            new={**{f: n for f, (_o, n) in diff.items()}, "reason": reason},
            action=AuditAction.ALTERATION,
        )
        _events_realign(restriction)
    return restriction


def _events_realign(restriction: ReportingRestriction) -> None:
    """Move the restriction's events still to come onto its new schedule, place and window."""
    today = clock.today()
    horizon = today + timedelta(days=rules.event_horizon_days())
    wanted = set(
        rules.event_days(
            starts_on=restriction.starts_on,
            ends_on=restriction.ends_on,
            frequency_days=restriction.frequency_days,
            first=today,
            last=horizon,
        )
    )
    pending = ReportingEvent.objects.filter(restriction=restriction, due_on__gte=today, outcome="")
    pending.filter(due_on__in=wanted).update(
        centre=restriction.centre,
        window_start=restriction.window_start,
        window_minutes=restriction.window_minutes,
        cancelled=False,
    )
    pending.exclude(due_on__in=wanted).update(cancelled=True)
    events_generate(restriction_ids=[restriction.pk])
