"""Bail grants, the EM duty and its exemptions, the device recommender and imposing a
condition (brief monitoring §1). Every change is audited and put on the person's timeline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring import rules
from waymark.monitoring.models import (
    Breach,
    BreachDisposition,
    Condition,
    ConditionStatus,
    DeviceStock,
    DeviceType,
    Exemption,
    ExemptionGround,
    GrantedBy,
)
from waymark.monitoring.permissions import (
    MANAGE_EM,
)
from waymark.monitoring.services._common import (
    _record,
    _require,
    _required_text,
    _user,
)
from waymark.people import services as people_services
from waymark.people.models import BailGrant, Person, VulnerabilityAssessment
from waymark.work import services as work

if TYPE_CHECKING:
    from waymark.accounts.models import User


def bail_grant_record(
    *, actor: Actor, person: Person, granted_by: str, granted_at: datetime, conditions: str = ""
) -> BailGrant:
    """Record a grant of immigration bail on the platform's record of it (people.BailGrant)."""
    _require(actor, MANAGE_EM, "record a bail grant")
    errors = {}
    if granted_by not in GrantedBy.values:
        errors["granted_by"] = "Select who granted bail"
    if granted_at is None:
        errors["granted_at"] = "Enter when bail was granted"
    elif granted_at > clock.now() + timedelta(minutes=5):
        errors["granted_at"] = "The date bail was granted must be today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grant = people_services.bail_grant_add(
            person=person, granted_by=granted_by, granted_at=granted_at, conditions=conditions
        )
        _record(
            actor=actor,
            verb="bail.granted",
            target=grant,
            person=person,
            summary=f"Bail granted by the {grant.get_granted_by_display()}",
            new={"granted_by": granted_by, "granted_at": granted_at},
            occurred_at=granted_at,
        )
    return grant


def release_record(*, actor: Actor, condition: Condition, released_at: datetime) -> Condition:
    """The person left detention: a condition still awaiting fitting moves to "released, awaiting a
    device" (000 Figure 5)."""
    _require(actor, MANAGE_EM, "record a release")
    if released_at is None or released_at < condition.bail_grant.granted_at:
        raise ValidationError({"released_at": "The release must be after bail was granted"})
    if released_at > clock.now() + timedelta(minutes=5):
        raise ValidationError({"released_at": "The release must be today or in the past"})
    with transaction.atomic():
        condition.released_at = released_at
        condition.save(update_fields=["released_at"])
        _record(
            actor=actor,
            verb="em.released",
            target=condition,
            person=condition.person,
            summary="Released from detention on bail",
            new={"released_at": released_at},
            action=AuditAction.ALTERATION,
            occurred_at=released_at,
        )
    return condition


def exemption_decide(
    *,
    actor: User,
    person: Person,
    ground: str,
    reasons: str,
    evidence: str,
    decided_on: date,
    review_on: date | None = None,
) -> Exemption:
    """Record that EM is impractical or contrary to Convention rights (000 §1.3-1.4, §5.22)."""
    _require(actor, MANAGE_EM, "record an EM exemption")
    errors: dict[str, str] = {}
    if ground not in ExemptionGround.values:
        errors["ground"] = "Select the ground for the exemption"
    reasons = _required_text(errors, "reasons", reasons, "Enter the reasons for the exemption")
    evidence = _required_text(
        errors, "evidence", evidence, "Enter the evidence the decision rests on"
    )
    if decided_on is None:
        errors["decided_on"] = "Enter the date of the decision"
    elif decided_on > clock.today():
        errors["decided_on"] = "The date of the decision must be today or in the past"
    if review_on is not None and decided_on is not None and review_on <= decided_on:
        errors["review_on"] = "The review date must be after the decision"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        exemption = Exemption.objects.create(
            person=person,
            ground=ground,
            reasons=reasons,
            evidence=evidence,
            decided_by=actor,
            decided_on=decided_on,
            review_on=review_on,
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="em.exemption_decided",
            target=exemption,
            person=person,
            summary=f"Exempted from electronic monitoring: {exemption.get_ground_display()}",
            new={"ground": ground, "reasons": reasons, "decided_on": decided_on},
        )
    return exemption


def exemption_withdraw(*, actor: Actor, exemption: Exemption, reason: str) -> Exemption:
    _require(actor, MANAGE_EM, "withdraw an EM exemption")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the exemption is withdrawn"})
    if exemption.withdrawn_at is not None:
        raise ValidationError("This exemption has already been withdrawn")
    with transaction.atomic():
        # Withdrawn once: a second withdrawal at the same moment waits for the first (the row
        # lock) and is refused rather than recording it again.
        if Exemption.objects.select_for_update().get(pk=exemption.pk).withdrawn_at is not None:
            raise ValidationError("This exemption has already been withdrawn")
        exemption.withdrawn_at = clock.now()
        exemption.withdrawn_reason = reason.strip()
        exemption.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        _record(
            actor=actor,
            verb="em.exemption_withdrawn",
            target=exemption,
            person=exemption.person,
            summary="EM exemption withdrawn",
            new={"reason": exemption.withdrawn_reason},
            action=AuditAction.ALTERATION,
        )
    return exemption


def recommendation_for(person: Person) -> rules.Recommendation:
    """The recommender's advice for this person, from their record (000 §5.30)."""
    longest = (
        person.convictions.filter(sentence_length_days__isnull=False)
        .order_by("-sentence_length_days")
        .first()
    )
    sentence_days = None if longest is None else longest.sentence_length_days
    sentence_months = None if sentence_days is None else sentence_days // 30
    breaches = Breach.objects.filter(
        person=person, disposition=BreachDisposition.ACTIONABLE
    ).count()
    compliance = (
        person.em_ladder_actions.exists()
        or person.flags.filter(ended_at__isnull=True, flag_type="warning_marker").exists()
    )
    stock = {s.device_type: s.available for s in DeviceStock.objects.all()}
    return rules.device_recommend(
        harm_level=person.harm_level,
        sentence_months=sentence_months,
        breach_count=breaches,
        compliance_concerns=compliance,
        vulnerable=person.vulnerability_assessment == VulnerabilityAssessment.VULNERABLE,
        fitted_available=stock.get(DeviceType.GPS_FITTED, 1),
        non_fitted_available=stock.get(DeviceType.NON_FITTED, 1),
    )


def fitting_limit(grant: BailGrant) -> tuple[datetime, str, int]:
    """When the device must be fitted, by whom bail was granted: (due, rule name, hours)."""
    if grant.granted_by == GrantedBy.IMMIGRATION_JUDGE:
        return (
            grant.granted_at + timedelta(hours=rules.JUDGE_FITTING_HOURS),
            rules.DEADLINE_JUDGE_FITTING,
            rules.JUDGE_FITTING_HOURS,
        )
    hours = rules.sos_fitting_target_hours()
    return grant.granted_at + timedelta(hours=hours), rules.DEADLINE_SOS_FITTING, hours


def condition_impose(
    *,
    actor: Actor,
    person: Person,
    bail_grant: BailGrant,
    device_type: str,
    start_date: date,
    held_in_detention: bool = True,
    release_expected_at: datetime | None = None,
    curfew_days: list[int] | None = None,
    curfew_start: time | None = None,
    curfew_end: time | None = None,
    conditions_text: str = "",
    departure_reasons: str = "",
) -> Condition:
    """Impose an EM condition on a bail grant. The fitting deadline follows who granted bail
    (72 hours for a judge); the person has 3 days to make representations (000 §1.24)."""
    _require(actor, MANAGE_EM, "impose an EM condition")
    errors: dict[str, str] = {}
    if bail_grant.person_id != person.pk:
        errors["bail_grant"] = "The bail grant is not this person's"
    if device_type not in DeviceType.values:
        errors["device_type"] = "Select the device type"
    if start_date is None:
        errors["start_date"] = "Enter the start date"
    if (curfew_start is None) != (curfew_end is None):
        errors["curfew_start"] = "Enter both the curfew start and end times, or neither"
    days = sorted(set(curfew_days or []))
    if any(d not in range(1, 8) for d in days):
        errors["curfew_days"] = "Curfew days must be days of the week"
    if curfew_start is not None and not days:
        errors["curfew_days"] = "Select the days the curfew applies"
    if Condition.objects.filter(
        person=person, status__in=[ConditionStatus.AWAITING_FITTING, ConditionStatus.ACTIVE]
    ).exists():
        errors["device_type"] = "This person already has an EM condition in force"
    advice = recommendation_for(person)
    if device_type and device_type != advice.device_type and not (departure_reasons or "").strip():
        errors["departure_reasons"] = (
            f"The recommendation is a {DeviceType(advice.device_type).label.lower()}: give your reasons for "
            "choosing a different device"
        )
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    due, rule_name, _hours = fitting_limit(bail_grant)
    with transaction.atomic():
        condition = Condition.objects.create(
            person=person,
            bail_grant=bail_grant,
            device_type=device_type,
            curfew_days=days,
            held_in_detention=held_in_detention,
            release_expected_at=release_expected_at,
            curfew_start=curfew_start,
            curfew_end=curfew_end,
            start_date=start_date,
            conditions_text=conditions_text.strip(),
            decided_at=now,
            decided_by=_user(actor),
            representations_due_at=now + timedelta(days=rules.REPRESENTATIONS_WINDOW_DAYS),
            fitting_due_at=due,
            fitting_limit_rule=rule_name,
            recommended_device_type=advice.device_type,
            recommended_review_months=advice.review_months,
            recommendation_reasons=advice.reasons,
            recommender_version=advice.version,
            departure_reasons=(departure_reasons or "").strip(),
        )
        task_type = (
            rules.TASK_FITTING_JUDGE
            if bail_grant.granted_by == GrantedBy.IMMIGRATION_JUDGE
            else rules.TASK_FITTING_SOS
        )
        work.task_create(
            actor=actor,
            task_type=task_type,
            title=f"Arrange fitting for {person.full_name}",
            person=person,
            subject=condition,
            start=bail_grant.granted_at,
            dedupe_key=f"em-fitting-{condition.pk}",
        )
        _record(
            actor=actor,
            verb="em.condition_imposed",
            target=condition,
            person=person,
            summary=f"EM condition imposed: {condition.get_device_type_display()}",
            new={
                "device_type": device_type,
                "fitting_due_at": due,
                "recommended": advice.device_type,
                "recommender_version": advice.version,
                "departure_reasons": condition.departure_reasons,
                "representations_due_at": condition.representations_due_at,
            },
        )
    return condition
