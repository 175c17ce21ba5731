"""Writes for criminal casework (brief casework.md). Every change is audited and, where it is
about a person, put on their single timeline. Numbers come from ``casework.rules``; a refusal is
a ``ValidationError`` naming the field, and nothing is saved.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat

from waymark.accounts.models import Team
from waymark.accounts.rules import grade_at_least
from waymark.casework import rules
from waymark.casework.models import (
    AbsconderDeclaration,
    BandChange,
    Barrier,
    Case,
    CasePreparation,
    CaseReview,
    CaseStatus,
    Charter,
    Commission,
    CommissionStatus,
    ContactStep,
    DetentionRequest,
    EtdApplication,
    FurtherSubmission,
    GatekeepingDecision,
    NonCompliance,
    NonComplianceStatus,
    Outcome,
    PlaceKind,
    RedNotice,
    Referral,
    ReferralStatus,
    RemovalDirection,
    RemovalStatus,
    Reoffence,
    ReportingEvent,
    ReportingRestriction,
    RestrictionChange,
    TraceReferral,
    VoluntaryReturnOffer,
)
from waymark.core import calendars, clock
from waymark.core.audit import audit_record
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction
from waymark.people.models import Person
from waymark.people.services import ownership_change, timeline_event_record
from waymark.work import services as work
from waymark.work.models import Queue, Task

MODULE = "casework"


# ------------------------------------------------------------------------------------------------
# Helpers


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Team):
        return value.slug
    if hasattr(value, "pk"):
        return value.pk
    return value


def _record(
    *,
    actor,
    verb: str,
    target,
    person: Person | None,
    summary: str,
    new: dict | None = None,
    old: dict | None = None,
    action: str = AuditAction.COLLECTION,
    occurred_at=None,
) -> None:
    """Audit the change and put it on the person's timeline (one call, so neither is forgotten)."""
    payload: dict[str, Any] = {}
    if new is not None:
        payload["new"] = {k: _json(v) for k, v in new.items()}
    if old is not None:
        payload["old"] = {k: _json(v) for k, v in old.items()}
    audit_record(
        actor=actor,
        action=action,
        verb=verb,
        target=target,
        person_id=person.pk if person else None,
        payload=payload,
    )
    if person is not None:
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type=verb,
            summary=summary[:500],
            occurred_at=occurred_at,
            actor=actor,
            related=target,
            detail={k: _json(v) for k, v in (new or {}).items()},
        )


def _text(errors: dict, field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def team_queue(team: Team, kind: str = "casework", label: str = "Casework") -> Queue:
    """The team's queue of this kind, created the first time a team needs it."""
    queue, _ = Queue.objects.get_or_create(
        slug=f"{team.slug}-{kind}"[:80], defaults={"name": f"{team.name}: {label}", "team": team}
    )
    return queue


def _named_queue(slug: str, name: str, team_slug: str) -> Queue:
    found = Queue.objects.filter(slug=slug).first()
    if found is not None:
        return found
    team = Team.objects.filter(slug=team_slug).first() or Team.objects.order_by("pk").first()
    return Queue.objects.create(slug=slug, name=name, team=team)


def _owner_work(
    *,
    actor,
    person: Person,
    task_type: str,
    title: str,
    description: str = "",
    start=None,
    dedupe_key: str | None = None,
    priority: int | None = None,
    priority_reason: str = "",
) -> Task:
    """Work for the case owner: in the owning team's casework queue, assigned to the named owner."""
    team = person.owning_team
    queue = (
        team_queue(team)
        if team is not None
        else _named_queue(rules.QUEUE_INTAKE, "Criminal casework: intake", rules.routing()[1])
    )
    task = work.task_create(
        actor=actor,
        task_type=task_type,
        title=title,
        person=person,
        queue=queue,
        description=description,
        start=start,
        dedupe_key=dedupe_key,
        priority=priority,
        priority_reason=priority_reason,
    )
    if person.case_owner_id and task.assignee_id is None and task.is_active:
        task.assignee_id, task.allocated_at = person.case_owner_id, clock.now()
        task.save(update_fields=["assignee", "allocated_at"])
    return task


def _close_tasks(*, actor, prefix: str, outcome: str, note: str = "") -> None:
    for task in Task.objects.filter(dedupe_key__startswith=prefix):
        if task.is_active:
            work.task_complete(actor=actor, task=task, outcome=outcome, note=note)


# ------------------------------------------------------------------------------------------------
# §1 Referral, banding, ownership


def sentences_of(person: Person) -> list[rules.Sentence]:
    return [
        rules.Sentence(
            convicted_on=c.conviction_date,
            days=c.sentence_length_days,
            custodial=c.custodial,
            offence=c.offence,
        )
        for c in person.convictions.all()
    ]


def _removable(person: Person) -> bool:
    return not Barrier.objects.filter(
        person=person, cleared_on__isnull=True, barrier_type__in=rules.NOT_REMOVABLE_BARRIERS
    ).exists()


def band_compute(person: Person, *, formerly_mappa: bool = False) -> tuple[int, str]:
    longest = max((s.days or 0 for s in sentences_of(person) if s.custodial), default=0)
    return rules.band_for(
        mappa_level=person.mappa_level,
        formerly_mappa=formerly_mappa,
        harm_level=person.harm_level,
        longest_sentence_days=longest,
        removable=_removable(person),
    )


def case_ensure(*, actor, person: Person, formerly_mappa: bool = False) -> Case:
    """The person's criminal-casework case, opened (and banded) the first time it is needed."""
    existing = Case.objects.filter(person=person).first()
    if existing is not None:
        return existing
    band, reason = band_compute(person, formerly_mappa=formerly_mappa)
    now = clock.now()
    with transaction.atomic():
        case = Case.objects.create(
            person=person,
            computed_band=band,
            computed_reason=reason,
            formerly_mappa=formerly_mappa,
            opened_at=now,
            updated_at=now,
            next_review_due=rules.next_review_due(clock.today()),
        )
        BandChange.objects.create(
            case=case,
            from_band=None,
            to_band=band,
            reason=reason,
            changed_by=_user(actor),
            changed_at=now,
        )
        _record(
            actor=actor,
            verb="casework.case_opened",
            target=case,
            person=person,
            summary=f"Criminal-casework case opened: band {band} ({reason})",
            new={"band": band, "reason": reason},
        )
    return case


def case_band_refresh(*, actor, case: Case) -> Case:
    """Recompute the band from the record (after a MAPPA, sentence or barrier change)."""
    band, reason = band_compute(case.person, formerly_mappa=case.formerly_mappa)
    if (band, reason) == (case.computed_band, case.computed_reason):
        return case
    with transaction.atomic():
        old = {"band": case.computed_band, "reason": case.computed_reason}
        BandChange.objects.create(
            case=case,
            from_band=case.band,
            to_band=case.band_override or band,
            reason=f"Recomputed: {reason}",
            changed_by=_user(actor),
            changed_at=clock.now(),
        )
        case.computed_band, case.computed_reason, case.updated_at = band, reason, clock.now()
        case.save(update_fields=["computed_band", "computed_reason", "updated_at"])
        _record(
            actor=actor,
            verb="casework.band_recomputed",
            target=case,
            person=case.person,
            summary=f"Band recomputed: {band} ({reason})",
            old=old,
            new={"band": band, "reason": reason},
            action=AuditAction.ALTERATION,
        )
    return case


def band_override(*, actor, case: Case, band: int | None, reason: str) -> Case:
    """Set (or, with ``band=None``, remove) an override; always with a reason (001 §6.3)."""
    _require(actor, "casework.override_band", "override a band")
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Enter the reason for overriding the band")
    if band is not None and band not in rules.BANDS:
        errors["band"] = "Select band 1, 2, 3 or 4"
    elif band is not None and band == case.computed_band:
        errors["band"] = f"Band {band} is already the computed band; remove the override instead"
    _raise(errors)
    with transaction.atomic():
        old = {"band": case.band, "override": case.band_override}
        now = clock.now()
        BandChange.objects.create(
            case=case,
            from_band=case.band,
            to_band=band or case.computed_band,
            reason=f"Override: {reason}",
            changed_by=_user(actor),
            changed_at=now,
        )
        case.band_override, case.band_override_reason = band, reason if band else ""
        case.band_overridden_by, case.band_overridden_at, case.updated_at = _user(actor), now, now
        case.save()
        _record(
            actor=actor,
            verb="casework.band_overridden",
            target=case,
            person=case.person,
            summary=(
                f"Band overridden to {band}: {reason}"
                if band
                else f"Band override removed: {reason}"
            ),
            old=old,
            new={"band": case.band, "override": band, "reason": reason},
            action=AuditAction.ALTERATION,
        )
    return case


def referral_create(*, actor, person: Person, note: str = "") -> Referral:
    """Refer a person to criminal casework: they must meet a criterion (or a discretionary one)."""
    _require(actor, "casework.manage_intake", "refer people to criminal casework")
    criteria = rules.referral_criteria(sentences_of(person), harm_level=person.harm_level)
    if not criteria:
        raise ValidationError(
            {
                "person": "This person does not meet the referral criteria: no sentence of "
                f"{rules.REFERRAL_SENTENCE_MONTHS} months (or aggregated within "
                f"{rules.AGGREGATE_WINDOW_YEARS} years), serious harm, persistent offending "
                "or a discretionary category"
            }
        )
    if Referral.objects.filter(person=person, status=ReferralStatus.AWAITING_CHECKS).exists():
        raise ValidationError(
            {"person": "This person already has a referral awaiting intake checks"}
        )
    now = clock.now()
    with transaction.atomic():
        referral = Referral.objects.create(
            person=person,
            referred_at=now,
            referred_by=_user(actor),
            criteria=[list(c) for c in criteria],
            intake_due_on=clock.today() + timedelta(days=rules.INTAKE_DAYS),
        )
        _record(
            actor=actor,
            verb="casework.referred",
            target=referral,
            person=person,
            summary="Referred to criminal casework: " + "; ".join(r for _k, r in criteria),
            new={
                "criteria": [k for k, _r in criteria],
                "intake_due_on": referral.intake_due_on,
                "note": note,
            },
        )
        work.task_create(
            actor=actor,
            task_type=rules.TASK_REFERRAL_INTAKE,
            title=f"New referral: {person.full_name}",
            person=person,
            queue=_named_queue(rules.QUEUE_INTAKE, "Criminal casework: intake", rules.routing()[1]),
            subject=referral,
            dedupe_key=f"casework.referral:{referral.pk}",
        )
    return referral


def referral_route(
    *,
    actor,
    referral: Referral,
    outstanding_applications_checked: bool,
    outstanding_applications: str = "",
    owner=None,
) -> Referral:
    """Intake checks done: route by band to the configured team; the new owner is told."""
    _require(actor, "casework.manage_intake", "route referrals")
    if referral.status != ReferralStatus.AWAITING_CHECKS:
        raise ValidationError(
            {"referral": f"This referral was already {referral.get_status_display().lower()}"}
        )
    if not outstanding_applications_checked:
        raise ValidationError(
            {
                "outstanding_applications_checked": (
                    "Confirm you have checked for outstanding applications before routing the case"
                )
            }
        )
    person = referral.person
    case = case_ensure(actor=actor, person=person)
    team = Team.objects.filter(slug=rules.routing()[case.band]).first()
    if team is None:
        raise ValidationError({"referral": f"No team is configured for band {case.band}"})
    if owner is not None and not owner.teams.filter(pk=team.pk).exists():
        raise ValidationError({"owner": f"{owner.display_name} is not a member of {team.name}"})
    now = clock.now()
    with transaction.atomic():
        if (person.owning_team_id, person.case_owner_id) != (team.pk, getattr(owner, "pk", None)):
            ownership_change(
                actor=actor,
                person=person,
                team=team,
                owner=owner,
                reason=f"Referral routed by band {case.band} to {team.name}",
            )
        referral.status, referral.band, referral.routed_to = ReferralStatus.ROUTED, case.band, team
        referral.routed_at, referral.routed_by = now, _user(actor)
        referral.outstanding_applications_checked = True
        referral.outstanding_applications = (outstanding_applications or "").strip()
        referral.save()
        late = clock.today() > referral.intake_due_on
        _record(
            actor=actor,
            verb="casework.referral_routed",
            target=referral,
            person=person,
            summary=f"Referral routed to {team.name} (band {case.band})"
            + (" — after the 28-day target" if late else ""),
            new={
                "team": team,
                "band": case.band,
                "owner": getattr(owner, "pk", None),
                "late": late,
                "outstanding_applications": referral.outstanding_applications,
            },
        )
        _close_tasks(actor=actor, prefix=f"casework.referral:{referral.pk}", outcome="routed")
        person.refresh_from_db()
        _owner_work(
            actor=actor,
            person=person,
            task_type=rules.TASK_NEW_CASE,
            title=f"New case allocated: {person.full_name} (band {case.band})",
            description=f"Routed from intake. Outstanding applications: "
            f"{referral.outstanding_applications or 'none found'}",
            dedupe_key=f"casework.new_case:{referral.pk}",
        )
    return referral


def referral_not_accept(*, actor, referral: Referral, reason: str) -> Referral:
    _require(actor, "casework.manage_intake", "decide referrals")
    if referral.status != ReferralStatus.AWAITING_CHECKS:
        raise ValidationError(
            {"referral": f"This referral was already {referral.get_status_display().lower()}"}
        )
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Enter why the referral is not accepted")
    _raise(errors)
    with transaction.atomic():
        referral.status, referral.not_accepted_reason = ReferralStatus.NOT_ACCEPTED, reason
        referral.routed_at, referral.routed_by = clock.now(), _user(actor)
        referral.save()
        _record(
            actor=actor,
            verb="casework.referral_not_accepted",
            target=referral,
            person=referral.person,
            summary=f"Referral not accepted: {reason}",
            new={"reason": reason},
        )
        _close_tasks(actor=actor, prefix=f"casework.referral:{referral.pk}", outcome="not accepted")
    return referral


def deportation_decision_record(
    *, actor, person: Person, decided_on: date, note: str = ""
) -> Person:
    _require(actor, "casework.manage_casework", "record deportation decisions")
    if decided_on > clock.today():
        raise ValidationError({"decided_on": "The decision date cannot be in the future"})
    with transaction.atomic():
        old = {"deportation_decision_date": person.deportation_decision_date}
        person.deportation_decision_date = decided_on
        person.updated_at = clock.now()
        person.save(update_fields=["deportation_decision_date", "updated_at"])
        _record(
            actor=actor,
            verb="casework.deportation_decision",
            target=person,
            person=person,
            summary=f"Deportation decision made on {decided_on:%d %B %Y}",
            old=old,
            new={"deportation_decision_date": decided_on, "note": note},
            action=AuditAction.ALTERATION,
        )
    return person


# ------------------------------------------------------------------------------------------------
# §2 Reporting

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
    actor,
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
    _require(actor, "casework.manage_casework", "set reporting restrictions")
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
    *, actor, restriction: ReportingRestriction, reason: str, **changes
) -> ReportingRestriction:
    """Change a restriction with a reason. Events still to come move with it at once, so the
    centre's list shows the change, and what changed, the moment it is saved (001 §6.61)."""
    _require(actor, "casework.manage_casework", "change reporting restrictions")
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


def _window_end(event: ReportingEvent) -> datetime:
    return datetime.combine(event.due_on, event.window_start, tzinfo=LONDON) + timedelta(
        minutes=event.window_minutes
    )


def event_outcome_record(
    *,
    actor,
    event: ReportingEvent,
    outcome: str,
    reason: str = "",
    rescheduled_to: date | None = None,
) -> ReportingEvent:
    """The centre records what happened. A no-show opens non-compliance and owner work at once."""
    _require(actor, "casework.run_reporting_centre", "record reporting outcomes")
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
            occurred_at=datetime.combine(event.due_on, event.window_start, tzinfo=LONDON),
            summary=f"Reporting event {event.due_on:%d %b %Y} at {event.centre.name}: "
            f"{event.get_outcome_display().lower()}" + (f" ({reason})" if reason else ""),
            new={"outcome": outcome, "reason": reason, "rescheduled_to": rescheduled_to},
        )
        case = case_ensure(actor=actor, person=person)
        case = Case.objects.select_for_update().get(pk=case.pk)
        if outcome == Outcome.ATTENDED:
            _contact_resumed(
                actor=actor, case=case, day=event.due_on, how="attended a reporting event"
            )
        elif outcome == Outcome.NO_SHOW:
            _missed(actor=actor, case=case, event=event)
        if outcome == Outcome.NO_SHOW or event.chased_at:
            _close_tasks(
                actor=actor, prefix=f"reporting.outcome_missing:{event.pk}", outcome="recorded"
            )
    return event


def _contact_resumed(*, actor, case: Case, day: date, how: str) -> None:
    was_absconder = case.absconder_since is not None
    case.consecutive_missed, case.out_of_contact_since, case.absconder_since = 0, None, None
    case.last_attended_on = max(filter(None, [case.last_attended_on, day]))
    case.updated_at = clock.now()
    case.save()
    for nc in NonCompliance.objects.filter(
        person_id=case.person_id,
        status__in=[NonComplianceStatus.OPEN, NonComplianceStatus.ABSCONDER],
    ):
        nc.status, nc.closed_at = NonComplianceStatus.CONTACT_RESTORED, clock.now()
        nc.save(update_fields=["status", "closed_at"])
        _close_tasks(
            actor=actor,
            prefix=f"casework.missed:{nc.pk}",
            outcome="contact re-established",
            note=how,
        )
    if was_absconder:
        AbsconderDeclaration.objects.filter(person_id=case.person_id, ended_at__isnull=True).update(
            ended_at=clock.now()
        )
        _record(
            actor=actor,
            verb="casework.absconder_ended",
            target=case,
            person=case.person,
            summary=f"No longer an absconder: {how}",
            new={"how": how},
        )


def _missed(*, actor, case: Case, event: ReportingEvent) -> NonCompliance:
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


def commission_request(*, actor, person: Person, kind: str, instructions: str) -> Commission:
    _require(actor, "casework.manage_casework", "commission work from a reporting centre")
    errors: dict[str, str] = {}
    if kind not in dict(rules.COMMISSION_KINDS):
        errors["kind"] = "Select what the centre should do"
    instructions = _text(errors, "instructions", instructions, "Tell the centre what you need")
    restriction = restriction_in_force(person)
    if restriction is None:
        errors["kind"] = (
            "This person has no reporting restriction: set one before commissioning a centre"
        )
    if (
        kind == "detain_on_reporting"
        and restriction is not None
        and restriction.window_minutes > rules.detain_window_limit_minutes()
    ):
        errors["kind"] = (
            f"The reporting window is over {rules.detain_window_limit_minutes()} minutes: shorten it "
            "before commissioning detention on reporting"
        )
    _raise(errors)
    with transaction.atomic():
        commission = Commission.objects.create(
            person=person,
            kind=kind,
            instructions=instructions,
            requested_by=actor,
            requested_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="casework.commission_requested",
            target=commission,
            person=person,
            summary=f"Commissioned from {restriction.centre.name}: {commission.get_kind_display()}",
            new={"kind": kind, "instructions": instructions},
        )
        work.task_create(
            actor=actor,
            task_type=rules.TASK_COMMISSION,
            title=f"{commission.get_kind_display()}: {person.full_name}",
            person=person,
            queue=team_queue(restriction.centre, "interviews", "Interviews"),
            subject=commission,
            description=instructions,
            dedupe_key=f"reporting.commission:{commission.pk}",
        )
    return commission


def commission_result_record(
    *, actor, commission: Commission, done: bool, result: str, event: ReportingEvent | None = None
) -> Commission:
    """The centre records the result; the case owner is told (001 §6.60-6.62: it was one way)."""
    _require(actor, "casework.run_reporting_centre", "record commission results")
    errors: dict[str, str] = {}
    result = _text(errors, "result", result, "Enter the result for the case owner")
    if commission.status != CommissionStatus.REQUESTED:
        errors["result"] = f"This commission is already {commission.get_status_display().lower()}"
    _raise(errors)
    with transaction.atomic():
        commission.status = CommissionStatus.DONE if done else CommissionStatus.NOT_DONE
        commission.result, commission.result_recorded_by, commission.result_recorded_at = (
            result,
            _user(actor),
            clock.now(),
        )
        commission.event = event
        commission.save()
        _record(
            actor=actor,
            verb="casework.commission_result",
            target=commission,
            person=commission.person,
            summary=f"{commission.get_kind_display()}: {commission.get_status_display().lower()} — {result[:300]}",
            new={"status": commission.status, "result": result},
        )
        _close_tasks(
            actor=actor, prefix=f"reporting.commission:{commission.pk}", outcome=commission.status
        )
        _owner_work(
            actor=actor,
            person=commission.person,
            task_type=rules.TASK_COMMISSION_RESULT,
            title=f"Result back from the centre: {commission.get_kind_display()} — {commission.person.full_name}",
            description=result,
            dedupe_key=f"casework.commission_result:{commission.pk}",
        )
    return commission


def commission_result_seen(*, actor, commission: Commission) -> Commission:
    if commission.owner_seen_at is None and commission.status != CommissionStatus.REQUESTED:
        commission.owner_seen_at = clock.now()
        commission.save(update_fields=["owner_seen_at"])
        _close_tasks(
            actor=actor, prefix=f"casework.commission_result:{commission.pk}", outcome="read"
        )
    return commission


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
        if _window_end(e) > cutoff
    ]
    candidates = candidates.exclude(pk__in=todays)
    with transaction.atomic():  # marked chased and the centres' tasks created together, or neither
        by_centre = dict(
            candidates.values_list("centre_id").annotate(n=_count()).values_list("centre_id", "n")
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


def _count():
    from django.db.models import Count

    return Count("pk")


# ------------------------------------------------------------------------------------------------
# §3 Non-compliance, absconders, trace and locate, reoffending


def contact_step_record(
    *, actor, step: ContactStep, result: str, contact_made: bool = False
) -> ContactStep:
    _require(actor, "casework.manage_casework", "record contact steps")
    errors: dict[str, str] = {}
    result = _text(errors, "result", result, "Enter what was done and what happened")
    if step.done_at is not None:
        errors["result"] = (
            f"This step was already recorded on {step.done_at.astimezone(LONDON):%d %B %Y}"
        )
    if step.non_compliance.status != NonComplianceStatus.OPEN:
        errors["result"] = "This non-compliance is closed"
    _raise(errors)
    nc = step.non_compliance
    with transaction.atomic():
        step.done_at, step.done_by, step.result, step.contact_made = (
            clock.now(),
            _user(actor),
            result,
            contact_made,
        )
        step.save()
        late = step.done_at > step.due_at
        _record(
            actor=actor,
            verb="casework.contact_step",
            target=step,
            person=nc.person,
            summary=f"{step.get_step_display()}: {result[:200]}"
            + (" (after its deadline)" if late else ""),
            new={"step": step.step, "result": result, "contact_made": contact_made, "late": late},
        )
        if contact_made:
            nc.status, nc.closed_at = NonComplianceStatus.CONTACT_RESTORED, clock.now()
            nc.save(update_fields=["status", "closed_at"])
            Case.objects.filter(person=nc.person).update(
                out_of_contact_since=None, updated_at=clock.now()
            )
            _close_tasks(
                actor=actor, prefix=f"casework.missed:{nc.pk}", outcome="contact re-established"
            )
    return step


def absconder_declare(
    *, actor, person: Person, reasons: str, whereabouts_unknown: bool
) -> AbsconderDeclaration:
    """001 §7.23: only when every mandatory step has failed and whereabouts are unknown; the
    declaration records the steps taken and when."""
    _require(actor, "casework.manage_casework", "declare absconders")
    errors: dict[str, str] = {}
    reasons = _text(
        errors, "reasons", reasons, "Enter why the person is being declared an absconder"
    )
    case = Case.objects.filter(person=person).first()
    nc = NonCompliance.objects.filter(person=person, status=NonComplianceStatus.OPEN).first()
    if nc is None or case is None:
        errors["whereabouts_unknown"] = "There is no open non-compliance for this person"
        _raise(errors)
    steps = {s.step: s for s in nc.steps.all()}
    done = {key: s for key, s in steps.items() if s.done_at is not None}
    problems = rules.absconder_declaration_problems(
        steps_done=done, whereabouts_unknown=whereabouts_unknown
    )
    if problems:
        errors[
            "whereabouts_unknown" if not whereabouts_unknown and len(problems) == 1 else "steps"
        ] = "Mandatory steps missing: " + "; ".join(problems)
    _raise(errors)
    today = clock.today()
    with transaction.atomic():
        declaration = AbsconderDeclaration.objects.create(
            person=person,
            non_compliance=nc,
            declared_at=clock.now(),
            declared_by=actor,
            steps_taken={
                k: {
                    "done_at": s.done_at.isoformat(),
                    "result": s.result,
                    "due_at": s.due_at.isoformat(),
                }
                for k, s in done.items()
            },
            consecutive_missed=case.consecutive_missed,
            out_of_contact_days=(today - case.out_of_contact_since).days
            if case.out_of_contact_since
            else 0,
            reasons=reasons,
        )
        nc.status = NonComplianceStatus.ABSCONDER
        nc.save(update_fields=["status"])
        Case.objects.filter(pk=case.pk).update(absconder_since=today, updated_at=clock.now())
        _record(
            actor=actor,
            verb="casework.absconder_declared",
            target=declaration,
            person=person,
            summary=f"Declared an absconder after {case.consecutive_missed} missed events: {reasons[:200]}",
            new={
                "steps": sorted(done),
                "consecutive_missed": case.consecutive_missed,
                "reasons": reasons,
            },
        )
        _close_tasks(actor=actor, prefix=f"casework.missed:{nc.pk}", outcome="absconder declared")
    return declaration


def trace_refer(*, actor, declaration: AbsconderDeclaration) -> TraceReferral:
    _require(actor, "casework.manage_casework", "refer absconders to trace and locate")
    if declaration.ended_at is not None:
        raise ValidationError({"declaration": "This person is no longer an absconder"})
    if TraceReferral.objects.filter(declaration=declaration, outcome="").exists():
        raise ValidationError({"declaration": "This absconder is already with trace and locate"})
    person = declaration.person
    case = Case.objects.get(person=person)
    score, why = rules.trace_priority(
        harm_level=person.harm_level, band=case.band, removable=_removable(person)
    )
    with transaction.atomic():
        referral = TraceReferral.objects.create(
            person=person,
            declaration=declaration,
            referred_at=clock.now(),
            referred_by=_user(actor),
            priority=score,
            priority_reason=why,
        )
        _record(
            actor=actor,
            verb="casework.trace_referred",
            target=referral,
            person=person,
            summary=f"Referred to trace and locate (priority {score}: {why})",
            new={"priority": score},
        )
        work.task_create(
            actor=actor,
            task_type=rules.TASK_TRACE,
            title=f"Trace and locate: {person.full_name}",
            person=person,
            subject=referral,
            priority=score,
            priority_reason=why,
            queue=_named_queue(rules.QUEUE_TRACE, "Trace and locate", rules.routing()[1]),
            dedupe_key=f"casework.trace:{referral.pk}",
        )
    return referral


def trace_outcome_record(
    *, actor, referral: TraceReferral, outcome: str, note: str = ""
) -> TraceReferral:
    _require(actor, "casework.manage_casework", "record trace-and-locate outcomes")
    if outcome not in dict(rules.TRACE_OUTCOMES):
        raise ValidationError(
            {
                "outcome": "Select the outcome: located and detained, located and reporting again, "
                "or not located"
            }
        )
    if referral.outcome:
        raise ValidationError(
            {"outcome": f"The outcome was already recorded ({referral.get_outcome_display()})"}
        )
    with transaction.atomic():
        referral.outcome, referral.outcome_at, referral.outcome_note = (
            outcome,
            clock.now(),
            (note or "").strip(),
        )
        referral.save()
        _record(
            actor=actor,
            verb="casework.trace_outcome",
            target=referral,
            person=referral.person,
            summary=f"Trace and locate: {referral.get_outcome_display().lower()}"
            + (
                f" after {referral.days_to_locate} days"
                if referral.days_to_locate is not None
                else ""
            ),
            new={"outcome": outcome, "days": referral.days_to_locate, "note": note},
        )
        _close_tasks(actor=actor, prefix=f"casework.trace:{referral.pk}", outcome=outcome)
        if outcome != "not_located":
            case = Case.objects.select_for_update().get(person=referral.person)
            if outcome == "located_detained":
                case.detained = True
            _contact_resumed(
                actor=actor,
                case=case,
                day=clock.today(),
                how=referral.get_outcome_display().lower(),
            )
    return referral


def reoffence_record(*, actor, person: Person, offence: str, offence_on: date | None) -> Reoffence:
    _require(actor, "casework.manage_casework", "record reoffending")
    errors: dict[str, str] = {}
    offence = _text(errors, "offence", offence, "Enter the offence")
    if offence_on is None:
        errors["offence_on"] = "Enter the date of the offence"
    elif offence_on > clock.today():
        errors["offence_on"] = "The offence date cannot be in the future"
    _raise(errors)
    with transaction.atomic():
        row = Reoffence.objects.create(
            person=person,
            offence=offence,
            offence_on=offence_on,
            no_fixed_abode_at_time=person.no_fixed_abode,
            recorded_by=_user(actor),
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="casework.reoffence",
            target=row,
            person=person,
            summary=f"New offence while non-detained: {offence}",
            new={
                "offence": offence,
                "offence_on": offence_on,
                "no_fixed_abode": person.no_fixed_abode,
            },
        )
    return row


# ------------------------------------------------------------------------------------------------
# §4 Case progression


def reviews_schedule(*, today: date | None = None) -> int:
    """Every open, non-detained case has one scheduled review (001 §7.6). Idempotent."""
    today = today or clock.today()
    open_review = CaseReview.objects.filter(
        person_id=OuterRef("person_id"), completed_at__isnull=True
    )
    missing = (
        Case.objects.filter(status=CaseStatus.OPEN)
        .exclude(Exists(open_review))
        .values_list("pk", "person_id", "next_review_due", "opened_at")
    )
    rows = [
        CaseReview(
            person_id=person_id,
            due_on=due or rules.next_review_due(opened.astimezone(LONDON).date()),
        )
        for _pk, person_id, due, opened in missing
    ]
    CaseReview.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    _review_tasks(today)
    return len(rows)


def _review_tasks(today: date) -> int:
    """Owner work for each review due within the lead time (one task per review, never two)."""
    created = 0
    soon = (
        CaseReview.objects.filter(
            completed_at__isnull=True,
            due_on__lte=today + timedelta(days=rules.REVIEW_TASK_LEAD_DAYS),
        )
        .exclude(
            Exists(
                Task.objects.filter(
                    dedupe_key=Concat(Value("casework.review:"), Cast("pk", CharField()))
                )
            )
        )
        .select_related("person", "person__owning_team")
    )
    for review in soon.iterator(chunk_size=500):
        if review.person.owning_team_id is None:
            continue
        start = datetime.combine(
            review.due_on - timedelta(days=rules.REVIEW_TASK_LEAD_DAYS), time(9), tzinfo=LONDON
        )
        _owner_work(
            actor=None,
            person=review.person,
            task_type=rules.TASK_CASE_REVIEW,
            title=f"Three-monthly case review due {review.due_on:%d %b %Y}: {review.person.full_name}",
            start=start,
            dedupe_key=f"casework.review:{review.pk}",
        )
        created += 1
    return created


def case_review_complete(
    *, actor, review: CaseReview, summary: str, next_action: str
) -> CaseReview:
    _require(actor, "casework.manage_casework", "review cases")
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary, "Summarise the review")
    next_action = _text(errors, "next_action", next_action, "Enter the next action on the case")
    if review.completed_at is not None:
        errors["summary"] = "This review was already completed"
    _raise(errors)
    today = clock.today()
    with transaction.atomic():
        review.completed_at, review.completed_by = clock.now(), _user(actor)
        review.summary, review.next_action = summary, next_action
        review.save()
        nxt = CaseReview.objects.create(person=review.person, due_on=rules.next_review_due(today))
        Case.objects.filter(person=review.person).update(
            next_review_due=nxt.due_on, updated_at=clock.now()
        )
        _record(
            actor=actor,
            verb="casework.case_reviewed",
            target=review,
            person=review.person,
            summary=f"Case reviewed{' (overdue)' if today > review.due_on else ''}: {summary[:200]}. "
            f"Next review due {nxt.due_on:%d %b %Y}",
            new={"due_on": review.due_on, "next_due": nxt.due_on, "next_action": next_action},
        )
        _close_tasks(actor=actor, prefix=f"casework.review:{review.pk}", outcome="reviewed")
    return review


def case_preparation_start(
    *, actor, person: Person, caseworker=None, started_on: date | None = None
) -> CasePreparation:
    _require(actor, "casework.manage_casework", "prepare cases")
    started_on = started_on or clock.today()
    caseworker = caseworker or actor
    if CasePreparation.objects.filter(person=person, finalised_on__isnull=True).exists():
        raise ValidationError({"caseworker": "This case is already being prepared"})
    with transaction.atomic():
        prep = CasePreparation.objects.create(
            person=person,
            caseworker=caseworker,
            started_on=started_on,
            initial_due_on=started_on + timedelta(weeks=rules.CASE_PREP_INITIAL_WEEKS),
            finalise_due_on=started_on + timedelta(weeks=rules.CASE_PREP_TOTAL_WEEKS),
        )
        _record(
            actor=actor,
            verb="casework.preparation_started",
            target=prep,
            person=person,
            summary=f"Case preparation started by {caseworker.display_name}: initial preparation due "
            f"{prep.initial_due_on:%d %b}, finalised by {prep.finalise_due_on:%d %b %Y}",
            new={"caseworker": caseworker.pk, "finalise_due_on": prep.finalise_due_on},
        )
        task = _owner_work(
            actor=actor,
            person=person,
            task_type=rules.TASK_CASE_PREPARATION,
            title=f"Prepare the case for removal: {person.full_name}",
            description=f"Initial preparation by {prep.initial_due_on:%d %b %Y}; finalise with a senior "
            f"caseworker by {prep.finalise_due_on:%d %b %Y}",
            start=datetime.combine(started_on, time(9), tzinfo=LONDON),
            dedupe_key=f"casework.preparation:{prep.pk}",
        )
        if task.assignee_id != caseworker.pk and task.is_active:
            task.assignee_id, task.allocated_at = caseworker.pk, clock.now()
            task.save(update_fields=["assignee", "allocated_at"])
    return prep


def case_preparation_initial_done(*, actor, prep: CasePreparation) -> CasePreparation:
    _require(actor, "casework.manage_casework", "prepare cases")
    if prep.initial_done_on:
        raise ValidationError({"prep": "Initial preparation was already recorded"})
    prep.initial_done_on = clock.today()
    prep.save(update_fields=["initial_done_on"])
    _record(
        actor=actor,
        verb="casework.preparation_initial_done",
        target=prep,
        person=prep.person,
        summary="Initial case preparation done"
        + (" (late)" if prep.initial_done_on > prep.initial_due_on else ""),
    )
    return prep


def case_preparation_finalise(*, actor, prep: CasePreparation, senior) -> CasePreparation:
    """Finalised with a senior caseworker (HEO or above, not the caseworker)."""
    _require(actor, "casework.manage_casework", "prepare cases")
    errors: dict[str, str] = {}
    if prep.initial_done_on is None:
        errors["senior"] = "Record the initial preparation first"
    if prep.finalised_on:
        errors["senior"] = "This preparation was already finalised"
    from waymark.accounts.models import Grade

    if senior is None or not grade_at_least(senior, Grade.HEO) or senior.pk == prep.caseworker_id:
        errors["senior"] = "Select a senior caseworker (HEO or above) other than the caseworker"
    _raise(errors)
    prep.finalised_on, prep.senior = clock.today(), senior
    prep.save(update_fields=["finalised_on", "senior"])
    _close_tasks(actor=actor, prefix=f"casework.preparation:{prep.pk}", outcome="finalised")
    _record(
        actor=actor,
        verb="casework.preparation_finalised",
        target=prep,
        person=prep.person,
        summary=f"Case preparation finalised with {senior.display_name} in {prep.days_taken} days "
        f"(target {rules.CASE_PREP_TOTAL_WEEKS * 7})",
        new={"days": prep.days_taken},
    )
    return prep


def barrier_add(
    *,
    actor,
    person: Person,
    barrier_type: str,
    started_on: date | None,
    owner=None,
    detail: str = "",
    blocks_removal: bool = True,
    reopened_by=None,
) -> Barrier:
    _require(actor, "casework.manage_casework", "record barriers to removal")
    return _barrier_open(
        actor=actor,
        person=person,
        barrier_type=barrier_type,
        started_on=started_on,
        owner=owner,
        detail=detail,
        blocks_removal=blocks_removal,
        reopened_by=reopened_by,
    )


def _barrier_open(
    *,
    actor,
    person: Person,
    barrier_type: str,
    started_on: date | None,
    owner=None,
    detail: str = "",
    blocks_removal: bool = True,
    reopened_by=None,
) -> Barrier:
    errors: dict[str, str] = {}
    if barrier_type not in dict(rules.BARRIER_TYPES):
        errors["barrier_type"] = "Select the type of barrier"
    if started_on is None:
        errors["started_on"] = "Enter the date the barrier started"
    elif started_on > clock.today():
        errors["started_on"] = "The start date cannot be in the future"
    if barrier_type == "other" and not (detail or "").strip():
        errors["detail"] = "Describe the barrier"
    _raise(errors)
    with transaction.atomic():
        barrier = Barrier.objects.create(
            person=person,
            barrier_type=barrier_type,
            started_on=started_on,
            owner=owner,
            detail=(detail or "").strip(),
            blocks_removal=blocks_removal,
            reopened_by_removal=reopened_by,
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="casework.barrier_opened",
            target=barrier,
            person=person,
            summary=f"Barrier to removal: {barrier.get_barrier_type_display()}"
            + (f" — {barrier.detail[:150]}" if barrier.detail else "")
            + (" (re-opened by a failed removal)" if reopened_by else ""),
            new={
                "type": barrier_type,
                "owner": getattr(owner, "pk", None),
                "blocks_removal": blocks_removal,
            },
        )
        if (
            barrier_type in rules.NOT_REMOVABLE_BARRIERS
            and Case.objects.filter(person=person).exists()
        ):
            case_band_refresh(actor=actor, case=Case.objects.get(person=person))
    return barrier


def barrier_assign(*, actor, barrier: Barrier, owner) -> Barrier:
    _require(actor, "casework.manage_casework", "assign barriers")
    if owner is None:
        raise ValidationError({"owner": "Select who owns clearing this barrier"})
    old = {"owner": barrier.owner_id}
    barrier.owner = owner
    barrier.save(update_fields=["owner"])
    _record(
        actor=actor,
        verb="casework.barrier_assigned",
        target=barrier,
        person=barrier.person,
        summary=f"{barrier.get_barrier_type_display()} barrier now owned by {owner.display_name}",
        old=old,
        new={"owner": owner.pk},
        action=AuditAction.ALTERATION,
    )
    return barrier


def barrier_clear(*, actor, barrier: Barrier, cleared_on: date | None, note: str) -> Barrier:
    _require(actor, "casework.manage_casework", "clear barriers")
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, "Enter how the barrier was cleared")
    if barrier.cleared_on:
        errors["cleared_on"] = f"This barrier was already cleared on {barrier.cleared_on:%d %B %Y}"
    elif cleared_on is None:
        errors["cleared_on"] = "Enter the date the barrier was cleared"
    elif cleared_on < barrier.started_on or cleared_on > clock.today():
        errors["cleared_on"] = "The date cleared must be between the start date and today"
    _raise(errors)
    with transaction.atomic():
        barrier.cleared_on, barrier.cleared_by, barrier.cleared_note = (
            cleared_on,
            _user(actor),
            note,
        )
        barrier.save()
        _record(
            actor=actor,
            verb="casework.barrier_cleared",
            target=barrier,
            person=barrier.person,
            summary=f"Barrier cleared after {(cleared_on - barrier.started_on).days} days: "
            f"{barrier.get_barrier_type_display()} — {note[:150]}",
            new={"cleared_on": cleared_on, "note": note},
        )
        if (
            barrier.barrier_type in rules.NOT_REMOVABLE_BARRIERS
            and Case.objects.filter(person=barrier.person).exists()
        ):
            case_band_refresh(actor=actor, case=Case.objects.get(person=barrier.person))
    return barrier


def etd_record(
    *,
    actor,
    person: Person,
    country: str,
    status: str,
    applied_on: date | None = None,
    note: str = "",
    application: EtdApplication | None = None,
) -> EtdApplication:
    """Emergency travel document application. Progressed alongside appeals, not after (001 §7.10)."""
    _require(actor, "casework.manage_casework", "record travel-document applications")
    from waymark.people.countries import country_name, is_valid_country

    errors: dict[str, str] = {}
    country = (country or "").strip().upper()
    if not is_valid_country(country):
        errors["country"] = "Select the country issuing the travel document"
    if status not in dict(rules.ETD_STATUSES):
        errors["status"] = "Select the status of the application"
    if status not in ("not_started",) and applied_on is None:
        errors["applied_on"] = "Enter the date the application was made"
    _raise(errors)
    with transaction.atomic():
        if application is None:
            application = EtdApplication(person=person)
            old = None
        else:
            old = {"status": application.status}
        application.country, application.status, application.applied_on = (
            country,
            status,
            applied_on,
        )
        application.updated_on, application.note = clock.today(), (note or "").strip()
        application.save()
        _record(
            actor=actor,
            verb="casework.etd_updated",
            target=application,
            person=person,
            summary=f"Travel document ({country_name(country)}): {application.get_status_display().lower()}",
            old=old,
            new={"country": country, "status": status},
        )
    return application


def red_notice_record(
    *, actor, person: Person, served_on: date | None, grounds: list[str]
) -> RedNotice:
    _require(actor, "casework.manage_casework", "record RED.0004 notices")
    errors: dict[str, str] = {}
    if served_on is None or served_on > clock.today():
        errors["served_on"] = "Enter the date the notice was served (today or earlier)"
    grounds = [g for g in grounds if g in dict(rules.GROUNDS)]
    if not grounds:
        errors["grounds"] = "Select the grounds already considered"
    _raise(errors)
    with transaction.atomic():
        notice = RedNotice.objects.create(
            person=person,
            served_on=served_on,
            grounds_considered=grounds,
            recorded_by=_user(actor),
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="casework.red_notice",
            target=notice,
            person=person,
            summary="RED.0004 notice served: grounds considered — "
            + ", ".join(dict(rules.GROUNDS)[g].lower() for g in grounds),
            new={"served_on": served_on, "grounds": grounds},
        )
    return notice


def grounds_already_considered(person: Person, grounds: list[str]) -> list[str]:
    considered: set[str] = set()
    for notice in RedNotice.objects.filter(person=person):
        considered.update(notice.grounds_considered)
    return [g for g in grounds if g in considered]


def further_submission_record(
    *, actor, person: Person, received_on: date | None, grounds: list[str], summary: str
) -> FurtherSubmission:
    """Due for decision in 5 working days (004 rec 4); shows which grounds a RED.0004 already covered."""
    _require(actor, "casework.manage_casework", "record further submissions")
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary, "Summarise the submission")
    grounds = [g for g in grounds if g in dict(rules.GROUNDS)]
    if not grounds:
        errors["grounds"] = "Select the grounds the submission raises"
    if received_on is None or received_on > clock.today():
        errors["received_on"] = "Enter the date received (today or earlier)"
    _raise(errors)
    nation = person.owning_team.nation if person.owning_team_id else "england-and-wales"
    due = (
        calendars.add_working_days(
            datetime.combine(received_on, time(9), tzinfo=LONDON),
            rules.FURTHER_SUBMISSIONS_WORKING_DAYS,
            nation,
        )
        .astimezone(LONDON)
        .date()
    )
    with transaction.atomic():
        barrier = barrier_add(
            actor=actor,
            person=person,
            barrier_type="further_submissions",
            started_on=received_on,
            owner=person.case_owner,
            detail=summary[:300],
        )
        submission = FurtherSubmission.objects.create(
            person=person,
            received_on=received_on,
            grounds=grounds,
            summary=summary,
            decision_due_on=due,
            already_considered=grounds_already_considered(person, grounds),
            barrier=barrier,
        )
        _record(
            actor=actor,
            verb="casework.further_submission",
            target=submission,
            person=person,
            summary=f"Further submissions received; decision due {due:%d %b %Y}"
            + (
                f"; already considered under RED.0004: {', '.join(submission.already_considered)}"
                if submission.already_considered
                else ""
            ),
            new={
                "grounds": grounds,
                "due": due,
                "already_considered": submission.already_considered,
            },
        )
        _owner_work(
            actor=actor,
            person=person,
            task_type=rules.TASK_FURTHER_SUBMISSIONS,
            title=f"Decide further submissions: {person.full_name}",
            description=summary,
            start=datetime.combine(received_on, time(9), tzinfo=LONDON),
            dedupe_key=f"casework.further:{submission.pk}",
        )
    return submission


def further_submission_decide(
    *, actor, submission: FurtherSubmission, decision: str
) -> FurtherSubmission:
    _require(actor, "casework.manage_casework", "decide further submissions")
    choices = dict(FurtherSubmission._meta.get_field("decision").choices)
    if decision not in choices:
        raise ValidationError({"decision": "Select the decision"})
    if submission.decided_on:
        raise ValidationError({"decision": "This submission was already decided"})
    if decision == "dismissed_red" and set(submission.grounds) - set(submission.already_considered):
        raise ValidationError(
            {
                "decision": "Some grounds were not considered under a RED.0004 notice: it cannot be "
                "dismissed as already considered"
            }
        )
    today = clock.today()
    with transaction.atomic():
        submission.decision, submission.decided_on, submission.decided_by = (
            decision,
            today,
            _user(actor),
        )
        submission.save()
        _record(
            actor=actor,
            verb="casework.further_submission_decided",
            target=submission,
            person=submission.person,
            summary=f"Further submissions decided: {choices[decision]}"
            + (" (after the 5-working-day target)" if today > submission.decision_due_on else ""),
            new={"decision": decision, "late": today > submission.decision_due_on},
        )
        if (
            decision in ("rejected", "dismissed_red")
            and submission.barrier
            and not submission.barrier.cleared_on
        ):
            barrier_clear(
                actor=actor, barrier=submission.barrier, cleared_on=today, note=choices[decision]
            )
        _close_tasks(actor=actor, prefix=f"casework.further:{submission.pk}", outcome=decision)
    return submission


# ------------------------------------------------------------------------------------------------
# §5 Removals


def blocking_barriers(person: Person):
    return Barrier.objects.filter(person=person, cleared_on__isnull=True, blocks_removal=True)


def charter_create(*, actor, reference: str, destination: str, departs_on: date | None) -> Charter:
    _require(actor, "casework.manage_removals", "plan charter flights")
    errors: dict[str, str] = {}
    reference = _text(errors, "reference", reference, "Enter the charter reference")
    if Charter.objects.filter(reference=reference).exists():
        errors["reference"] = "A charter with this reference already exists"
    if not destination:
        errors["destination"] = "Select the destination"
    if departs_on is None:
        errors["departs_on"] = "Enter the departure date"
    _raise(errors)
    charter = Charter.objects.create(
        reference=reference,
        destination=destination.upper(),
        departs_on=departs_on,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="casework.charter_created",
        target=charter,
        payload={
            "new": {
                "reference": reference,
                "destination": destination,
                "departs_on": departs_on.isoformat(),
            }
        },
    )
    return charter


def removal_directions_set(
    *,
    actor,
    person: Person,
    route: str,
    planned_for: date | None,
    flight: str = "",
    charter: Charter | None = None,
    escorts: int = 0,
    override_reason: str = "",
) -> RemovalDirection:
    """Refused while a barrier that blocks removal is open, unless a permitted grade overrides it
    with a reason."""
    _require(actor, "casework.manage_removals", "set removal directions")
    errors: dict[str, str] = {}
    if route not in dict(rules.REMOVAL_ROUTES):
        errors["route"] = "Select the removal route"
    if planned_for is None:
        errors["planned_for"] = "Enter the removal date"
    elif planned_for < clock.today():
        errors["planned_for"] = "The removal date cannot be in the past"
    if charter is not None and planned_for is not None and planned_for != charter.departs_on:
        errors["planned_for"] = (
            f"The charter {charter.reference} departs on {charter.departs_on:%d %B %Y}"
        )
    if escorts < 0:
        errors["escorts"] = "Escorts cannot be negative"
    if RemovalDirection.objects.filter(person=person, status=RemovalStatus.PLANNED).exists():
        errors["route"] = (
            "This person already has removal directions set; record their outcome first"
        )
    override_reason = (override_reason or "").strip()
    open_barriers = list(blocking_barriers(person))
    if open_barriers:
        names = ", ".join(b.get_barrier_type_display().lower() for b in open_barriers)
        if not override_reason:
            errors["override_reason"] = (
                f"This person has an open barrier that blocks removal ({names}). Clear it, or "
                f"an {rules.BARRIER_OVERRIDE_GRADE} or above may override it with a reason"
            )
        elif not grade_at_least(actor, rules.BARRIER_OVERRIDE_GRADE):
            errors["override_reason"] = (
                f"Only an {rules.BARRIER_OVERRIDE_GRADE} or above may set directions over an "
                f"open barrier ({names})"
            )
    _raise(errors)
    with transaction.atomic():
        direction = RemovalDirection.objects.create(
            person=person,
            route=route,
            planned_for=planned_for,
            flight=(flight or "").strip(),
            charter=charter,
            escorts=escorts,
            set_by=_user(actor),
            set_at=clock.now(),
            override_reason=override_reason if open_barriers else "",
        )
        _record(
            actor=actor,
            verb="casework.removal_directions_set",
            target=direction,
            person=person,
            summary=f"Removal directions set: {direction.get_route_display()} on {planned_for:%d %b %Y}"
            + (
                f" on charter {charter.reference}"
                if charter
                else (f", flight {flight}" if flight else "")
            )
            + (f" — barrier overridden: {override_reason}" if open_barriers else ""),
            new={
                "route": route,
                "planned_for": planned_for,
                "charter": getattr(charter, "reference", ""),
                "override_reason": direction.override_reason,
            },
        )
    return direction


def removal_outcome_record(
    *, actor, direction: RemovalDirection, removed: bool, failure_reason: str = "", note: str = ""
) -> RemovalDirection:
    """Removed, or failed with a reason from the fixed list; a failure re-opens the right barrier."""
    _require(actor, "casework.manage_removals", "record removal outcomes")
    errors: dict[str, str] = {}
    if direction.status != RemovalStatus.PLANNED:
        errors["failure_reason"] = (
            f"The outcome was already recorded ({direction.get_status_display().lower()})"
        )
    if direction.planned_for > clock.today():
        errors["failure_reason"] = "The removal date has not come yet"
    if not removed and failure_reason not in rules.FAILURE_REASON_LABELS:
        errors["failure_reason"] = "Select why the removal failed"
    if not removed and failure_reason == "other" and not (note or "").strip():
        errors["note"] = "Describe why the removal failed"
    _raise(errors)
    person = direction.person
    with transaction.atomic():
        direction.status = RemovalStatus.REMOVED if removed else RemovalStatus.FAILED
        direction.failure_reason = "" if removed else failure_reason
        direction.outcome_note, direction.outcome_recorded_at = (note or "").strip(), clock.now()
        direction.outcome_recorded_by = _user(actor)
        direction.save()
        label = (
            "Removed"
            if removed
            else f"Removal failed: {rules.FAILURE_REASON_LABELS[failure_reason]}"
        )
        _record(
            actor=actor,
            verb="casework.removal_outcome",
            target=direction,
            person=person,
            summary=f"{label} ({direction.get_route_display()}, {direction.planned_for:%d %b %Y})",
            new={"status": direction.status, "failure_reason": direction.failure_reason},
        )
        if removed:
            Case.objects.filter(person=person).update(
                status=CaseStatus.REMOVED, updated_at=clock.now()
            )
            ReportingRestriction.objects.filter(person=person, ends_on__isnull=True).update(
                ends_on=direction.planned_for
            )
            ReportingEvent.objects.filter(
                person=person, due_on__gt=direction.planned_for, outcome=""
            ).update(cancelled=True)
        else:
            barrier_type = rules.FAILURE_REOPENS[failure_reason]
            if barrier_type:
                _barrier_open(
                    actor=actor,
                    person=person,
                    barrier_type=barrier_type,
                    started_on=clock.today(),
                    owner=person.case_owner,
                    detail=f"Re-opened by the failed removal of "
                    f"{direction.planned_for:%d %b %Y}. {note}".strip(),
                    reopened_by=direction,
                )
    return direction


def detention_request(*, actor, person: Person, grounds: str) -> DetentionRequest:
    _require(actor, "casework.manage_casework", "ask for detention")
    errors: dict[str, str] = {}
    grounds = _text(errors, "grounds", grounds, "Enter the grounds for detention")
    if DetentionRequest.objects.filter(
        person=person, decision=GatekeepingDecision.PENDING
    ).exists():
        errors["grounds"] = "A request to detain this person is already awaiting a decision"
    _raise(errors)
    with transaction.atomic():
        request = DetentionRequest.objects.create(
            person=person, requested_by=actor, requested_at=clock.now(), grounds=grounds
        )
        _record(
            actor=actor,
            verb="casework.detention_requested",
            target=request,
            person=person,
            summary=f"Detention requested: {grounds[:200]}",
            new={"grounds": grounds},
        )
        work.task_create(
            actor=actor,
            task_type=rules.TASK_GATEKEEPING,
            title=f"Detention gatekeeping: {person.full_name}",
            person=person,
            subject=request,
            description=grounds,
            queue=_named_queue(rules.QUEUE_REMOVALS, "Removals: detention gatekeeping", "removals"),
            dedupe_key=f"removals.gatekeeping:{request.pk}",
        )
    return request


def detention_decide(
    *, actor, request: DetentionRequest, accept: bool, rejection_reason: str = "", note: str = ""
) -> DetentionRequest:
    """004 rec 3: a rejection records its reason from the list, so rejections can be counted."""
    _require(actor, "casework.decide_detention", "decide detention requests")
    errors: dict[str, str] = {}
    if request.decision != GatekeepingDecision.PENDING:
        errors["decision"] = (
            f"This request was already {request.get_decision_display().lower()}"
            + (f" by {request.decided_by.display_name}" if request.decided_by else "")
        )
    if not accept and rejection_reason not in dict(rules.GATEKEEPING_REJECTION_REASONS):
        errors["rejection_reason"] = "Select the reason for rejecting the request"
    if not accept and rejection_reason == "other" and not (note or "").strip():
        errors["note"] = "Explain the reason for rejecting the request"
    if _user(actor) is not None and request.requested_by_id == actor.pk:
        errors["decision"] = (
            "A request to detain must be decided by someone other than the person who made it"
        )
    _raise(errors)
    with transaction.atomic():
        request.decision = GatekeepingDecision.ACCEPTED if accept else GatekeepingDecision.REJECTED
        request.rejection_reason = "" if accept else rejection_reason
        request.decision_note, request.decided_by, request.decided_at = (
            (note or "").strip(),
            _user(actor),
            clock.now(),
        )
        request.save()
        _record(
            actor=actor,
            verb="casework.detention_decided",
            target=request,
            person=request.person,
            summary=(
                "Detention accepted"
                if accept
                else f"Detention rejected: {dict(rules.GATEKEEPING_REJECTION_REASONS)[rejection_reason]}"
            )
            + (f" — {note}" if note else ""),
            new={"decision": request.decision, "reason": request.rejection_reason},
        )
        _close_tasks(
            actor=actor, prefix=f"removals.gatekeeping:{request.pk}", outcome=request.decision
        )
    return request


def voluntary_return_offer(
    *,
    actor,
    person: Person,
    option: str,
    context: str,
    outcome: str,
    departed_on: date | None = None,
) -> VoluntaryReturnOffer:
    _require(actor, "people.add_note", "record voluntary-return offers")
    errors: dict[str, str] = {}
    if option not in dict(rules.VOLUNTARY_RETURN_OPTIONS):
        errors["option"] = "Select the option offered"
    if context not in ("reporting", "visit", "other"):
        errors["context"] = "Select where it was offered"
    if outcome not in dict(rules.VOLUNTARY_RETURN_OUTCOMES):
        errors["outcome"] = "Select the outcome"
    if outcome == "departed" and departed_on is None:
        errors["departed_on"] = "Enter the date the person departed"
    _raise(errors)
    with transaction.atomic():
        offer = VoluntaryReturnOffer.objects.create(
            person=person,
            option=option,
            offered_at=clock.now(),
            offered_by=_user(actor),
            context=context,
            outcome=outcome,
            departed_on=departed_on if outcome == "departed" else None,
        )
        _record(
            actor=actor,
            verb="casework.voluntary_return",
            target=offer,
            person=person,
            summary=f"Voluntary return offered ({offer.get_option_display()}): {offer.get_outcome_display().lower()}",
            new={"option": option, "context": context, "outcome": outcome},
        )
    return offer
