"""Premises and intelligence packages: recording and deciding them (brief operations.md §1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.operations import rules, workflows
from waymark.operations.models import (
    IntelligencePackage,
    IntelligenceStatus,
    PoliceForce,
    Premises,
    Sector,
)
from waymark.operations.services._common import (
    PLAN,
    _audit,
    _raise,
    _reference,
    _require,
    _subjects_check,
    _text,
    _user,
)


def premises_find_or_record(
    *,
    actor,
    business_name: str,
    address_line_1: str,
    town: str,
    postcode: str,
    sector: Sector,
    licensed: bool = False,
    licence_reference: str = "",
    police_force: PoliceForce | None = None,
    address_line_2: str = "",
) -> Premises:
    """The premises with this name and postcode if already known (so its history follows it), or a
    new record."""
    _require(actor, PLAN, "record premises")
    errors: dict[str, str] = {}
    business_name = _text(errors, "business_name", business_name, "Enter the business name")
    address_line_1 = _text(
        errors, "address_line_1", address_line_1, "Enter the first line of the address"
    )
    town = _text(errors, "town", town, "Enter the town or city")
    postcode = _text(errors, "postcode", postcode, "Enter the postcode").upper()
    if licensed and not (licence_reference or "").strip():
        errors["licence_reference"] = "Enter the licence reference for licensed premises"
    _raise(errors)
    existing = Premises.objects.filter(
        business_name__iexact=business_name, postcode__iexact=postcode
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        premises = Premises.objects.create(
            business_name=business_name,
            address_line_1=address_line_1,
            address_line_2=address_line_2 or "",
            town=town,
            postcode=postcode,
            sector=sector,
            licensed=licensed,
            licence_reference=(licence_reference or "").strip() if licensed else "",
            police_force=police_force,
            created_at=clock.now(),
        )
        _audit(
            actor=actor,
            verb="operations.premises_recorded",
            target=premises,
            new={"business_name": business_name, "postcode": postcode, "licensed": licensed},
        )
    return premises


def intelligence_record(
    *,
    actor,
    team: Team,
    source: str,
    received_on: date,
    premises: Premises,
    summary: str,
    harm: str,
    reliability: str,
    subjects: Iterable = (),
    subject_descriptions: str = "",
) -> IntelligencePackage:
    """Record an intelligence package; its tasking priority comes from the matrix and the sector plan."""
    _require(actor, PLAN, "record intelligence")
    errors: dict[str, str] = {}
    if (
        actor is not None
        and not actor.has_perm("operations.view_all_operations")
        and not actor.teams.filter(pk=team.pk).exists()
    ):
        errors["team"] = "Choose one of your own teams"
    if source not in rules.INTELLIGENCE_SOURCES:
        errors["source"] = "Select where the intelligence came from"
    if harm not in rules.HARM_LEVELS:
        errors["harm"] = "Select the level of harm"
    if reliability not in rules.INTELLIGENCE_RELIABILITY:
        errors["reliability"] = "Select how reliable the intelligence is"
    if received_on is None:
        errors["received_on"] = "Enter the date the intelligence was received"
    elif received_on > clock.today():
        errors["received_on"] = "The date received must be today or in the past"
    summary = _text(errors, "summary", summary, "Enter a summary of the intelligence")
    _raise(errors)
    people = _subjects_check(actor, subjects)
    priority, reason = rules.tasking_priority(
        harm=harm, reliability=reliability, sector_in_plan=premises.sector.in_sector_plan
    )
    with transaction.atomic():
        package = IntelligencePackage.objects.create(
            reference=_reference("INT"),
            team=team,
            source=source,
            received_on=received_on,
            premises=premises,
            subject_descriptions=(subject_descriptions or "").strip(),
            summary=summary,
            harm=harm,
            reliability=reliability,
            priority=priority,
            priority_reason=reason,
            created_by=_user(actor),
            created_at=clock.now(),
        )
        package.subjects.set(people)
        _audit(
            actor=actor,
            verb="operations.intelligence_recorded",
            target=package,
            new={
                "reference": package.reference,
                "source": source,
                "priority": priority,
                "reason": reason,
            },
        )
    return package


def intelligence_decide(
    *, actor, package: IntelligencePackage, accept: bool, reason: str = ""
) -> IntelligencePackage:
    """Accept for tasking, or reject with a reason."""
    _require(actor, PLAN, "decide on intelligence")
    reason = (reason or "").strip()
    if package.status != IntelligenceStatus.RECEIVED:
        raise ValidationError(f"This package is already {package.get_status_display().lower()}")
    if not accept and not reason:
        raise ValidationError({"reason": "Enter why the intelligence is rejected"})
    with transaction.atomic():
        old = {"status": package.status}
        workflows.INTELLIGENCE.move(
            package, IntelligenceStatus.ACCEPTED if accept else IntelligenceStatus.REJECTED
        )
        package.decision_reason, package.decided_by, package.decided_at = (
            reason,
            _user(actor),
            clock.now(),
        )
        package.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        _audit(
            actor=actor,
            verb=f"operations.intelligence_{package.status}",
            target=package,
            old=old,
            new={"status": package.status, "reason": reason},
            action=AuditAction.ALTERATION,
        )
    return package
