"""Referral, banding and ownership (brief casework.md §1): opening and banding a case, overriding
a band, referring a person, intake checks and routing by band, the deportation decision."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import Team
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import BandChange, Case, Referral
from waymark.casework.services._common import (
    _close_tasks,
    _named_queue,
    _owner_work,
    _raise,
    _record,
    _removable,
    _require,
    _text,
    _user,
)
from waymark.casework.workflows import REFERRAL, ReferralStatus
from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people import services as people_services
from waymark.people.models import Person
from waymark.people.services import ownership_change, people_lock
from waymark.work import services as work


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


def band_compute(person: Person, *, formerly_mappa: bool = False) -> tuple[int, str]:
    longest = max((s.days or 0 for s in sentences_of(person) if s.custodial), default=0)
    return rules.band_for(
        mappa_level=person.mappa_level,
        formerly_mappa=formerly_mappa,
        harm_level=person.harm_level,
        longest_sentence_days=longest,
        removable=_removable(person),
    )


def case_ensure(*, actor: Actor, person: Person, formerly_mappa: bool = False) -> Case:
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


def case_band_refresh(*, actor: Actor, case: Case) -> Case:
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


def band_override(*, actor: Actor, case: Case, band: int | None, reason: str) -> Case:
    """Set (or, with ``band=None``, remove) an override; always with a reason (001 §6.3)."""
    _require(actor, perms.OVERRIDE_BAND, "override a band")
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


def referral_create(*, actor: Actor, person: Person, note: str = "") -> Referral:
    """Refer a person to criminal casework: they must meet a criterion (or a discretionary one)."""
    _require(actor, perms.MANAGE_INTAKE, "refer people to criminal casework")
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
    _refuse_if_referred(person)
    now = clock.now()
    with transaction.atomic():
        # One open referral a person: a second referral at the same moment waits for the first
        # (the person's lock) and is refused, rather than failing on the unique key.
        people_lock([person.pk])
        _refuse_if_referred(person)
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


def _refuse_if_referred(person: Person) -> None:
    if Referral.objects.filter(person=person, status=ReferralStatus.AWAITING_CHECKS).exists():
        raise ValidationError(
            {"person": "This person already has a referral awaiting intake checks"}
        )


def _refuse_unless_awaiting(referral: Referral, *, lock: bool = False) -> None:
    if lock:
        # Decided once: a second decision at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        referral.status = Referral.objects.select_for_update().get(pk=referral.pk).status
    if referral.status != ReferralStatus.AWAITING_CHECKS:
        raise ValidationError(
            {"referral": f"This referral was already {referral.get_status_display().lower()}"}
        )


def referral_route(
    *,
    actor: Actor,
    referral: Referral,
    outstanding_applications_checked: bool,
    outstanding_applications: str = "",
    owner=None,
) -> Referral:
    """Intake checks done: route by band to the configured team; the new owner is told."""
    _require(actor, perms.MANAGE_INTAKE, "route referrals")
    _refuse_unless_awaiting(referral)
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
        _refuse_unless_awaiting(referral, lock=True)
        if (person.owning_team_id, person.case_owner_id) != (team.pk, getattr(owner, "pk", None)):
            ownership_change(
                actor=actor,
                person=person,
                team=team,
                owner=owner,
                reason=f"Referral routed by band {case.band} to {team.name}",
            )
        REFERRAL.move(referral, ReferralStatus.ROUTED)
        referral.band, referral.routed_to = case.band, team
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


def referral_not_accept(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    _require(actor, perms.MANAGE_INTAKE, "decide referrals")
    _refuse_unless_awaiting(referral)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Enter why the referral is not accepted")
    _raise(errors)
    with transaction.atomic():
        _refuse_unless_awaiting(referral, lock=True)
        REFERRAL.move(referral, ReferralStatus.NOT_ACCEPTED)
        referral.not_accepted_reason = reason
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
    *, actor: Actor, person: Person, decided_on: date, note: str = ""
) -> Person:
    _require(actor, perms.MANAGE_CASEWORK, "record deportation decisions")
    if decided_on > clock.today():
        raise ValidationError({"decided_on": "The decision date cannot be in the future"})
    with transaction.atomic():
        old = people_services.deportation_decision_date_set(person=person, decided_on=decided_on)
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
