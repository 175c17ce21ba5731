"""Breaches (brief monitoring §3): ingesting them as prioritised work, the accumulated battery
rule, mitigation, the escalation ladder and prosecution referrals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring import rules
from waymark.monitoring.models import (
    EVIDENCE_CHECKLIST,
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    LadderAction,
    Mitigation,
    MitigationDecision,
    ProsecutionReferral,
    ReferralStatus,
    SupplierEvent,
)
from waymark.monitoring.permissions import (
    MANAGE_EM,
)
from waymark.monitoring.services._common import (
    MODULE,
    _record,
    _require,
    _required_text,
    _user,
    breaches_lock,
)
from waymark.monitoring.services._ingest_reads import (
    _actionable_count,
    _battery_pending_locked,
    _condition_current,
)
from waymark.monitoring.workflows import (
    REFERRAL,
)
from waymark.people.models import Person
from waymark.people.services import timeline_event_record
from waymark.work import services as work


def breach_ingest(
    *,
    event: SupplierEvent | None,
    person: Person,
    breach_type: str,
    started_at: datetime,
    ended_at: datetime | None,
    details: str = "",
) -> Breach:
    """Store one breach; battery breaches accumulate (000 §5.16), the rest become prioritised work
    (000 §5.14). The first breach after fitting also prompts a phone call (000 §5.92)."""
    errors: dict[str, str] = {}
    if breach_type not in rules.BREACH_TYPE_LABELS:
        errors["breach_type"] = f"Unknown breach type {breach_type!r}"
    if ended_at is not None and started_at is not None and ended_at < started_at:
        errors["ended_at"] = "The end of a breach must not be before its start"
    if started_at is not None and started_at > clock.now() + rules.SIGNATURE_TOLERANCE:
        errors["started_at"] = "A breach cannot start in the future"
    if errors:
        raise ValidationError(errors)
    breaches_lock([person.pk])
    condition, breach_since_fitting = _condition_current(person)
    first_since_fitting = (
        condition is not None and condition.fitted_at is not None and not breach_since_fitting
    )
    is_battery = breach_type == rules.BATTERY
    breach = Breach.objects.create(
        event=event,
        person=person,
        condition=condition,
        breach_type=breach_type,
        started_at=started_at,
        ended_at=ended_at,
        received_at=clock.now(),
        details=(details or "")[:2000],
        disposition=BreachDisposition.BATTERY_BELOW if is_battery else BreachDisposition.ACTIONABLE,
    )
    timeline_event_record(
        person=person,
        module=MODULE,
        event_type="em.breach_received",
        summary=f"Breach reported: {rules.BREACH_TYPE_LABELS[breach_type]}",
        occurred_at=started_at,
        related=breach,
        detail={"started_at": started_at, "ended_at": ended_at},
    )
    if is_battery:
        battery_evaluate(person=person)
    else:
        _breach_make_actionable(breach)
    if first_since_fitting and condition is not None:
        phone = condition.issued_phone_number
        # ``task_create``: two first breaches arriving at once race for this key, and its
        # savepoint lets the second find the first's task.
        work.task_create(
            actor=None,
            task_type=rules.TASK_FIRST_BREACH_CONTACT,
            title=f"Phone {person.full_name} about their first breach",
            person=person,
            subject=breach,
            dedupe_key=f"em-first-breach-{condition.pk}",
            description=(
                f"Call the phone issued at fitting: {phone}"
                if phone
                else "No phone number was recorded at fitting: record it, then call (data quality)"
            ),
        )
    return breach


def _task_create(**spec: Any):
    """``work.task_create`` for the system, through ``tasks_create_each``: the same task and
    audit entry, without the savepoint ``task_create`` wraps them in (two round trips an ingested
    breach; the caller's transaction is all or none already). Only for a dedupe key no other
    writer can hold (one naming a row this transaction made)."""
    return work.tasks_create_each(actor=None, specs=[spec])[0]


def _breach_make_actionable(breach: Breach) -> None:
    oc = breach.duration if breach.breach_type == "out_of_contact" else None
    breach.priority, breach.priority_reason = rules.breach_priority(breach.breach_type, oc)
    step = rules.ladder_step_for(_actionable_count(breach.person), breach.breach_type)
    breach.ladder_step = step.number
    breach.task = _task_create(
        task_type=rules.TASK_BREACH,
        title=f"{rules.BREACH_TYPE_LABELS[breach.breach_type]}: {breach.person.full_name}",
        person=breach.person,
        subject=breach,
        priority=breach.priority,
        priority_reason=breach.priority_reason,
        dedupe_key=f"em-breach-{breach.pk}",
        description=f"Escalation ladder: step {step.number}, {step.label}.",
    )
    breach.save(update_fields=["priority", "priority_reason", "ladder_step", "task"])


def battery_evaluate(*, person: Person) -> AccumulatedViolation | None:
    """The accumulated battery rule (000 §5.16, note 20): uncounted, ended battery breaches are
    summed over a rolling window; when a window's sum reaches the threshold, one violation is raised
    and those breaches are counted (each breach is counted once)."""
    pending = _battery_pending_locked(person)
    raised = None
    spans = [(b.started_at, b.ended_at) for b in pending if b.ended_at is not None]  # all ended
    for first, last, total in rules.battery_violations(spans):
        raised = _violation_raise(person, pending[first : last + 1], total)
    return raised


def _violation_raise(
    person: Person, counted: list[Breach], total: timedelta
) -> AccumulatedViolation:
    spans = [(b.started_at, b.ended_at) for b in counted if b.ended_at is not None]  # all ended
    longest = max(end - start for start, end in spans)
    violation = AccumulatedViolation.objects.create(
        person=person,
        window_start=counted[0].started_at,
        window_end=spans[-1][1],
        total_seconds=int(total.total_seconds()),
        raised_at=clock.now(),
    )
    Breach.objects.filter(pk__in=[b.pk for b in counted]).update(
        disposition=BreachDisposition.BATTERY_COUNTED, accumulated=violation
    )
    priority, reason = rules.breach_priority(rules.BATTERY, longest)
    if priority == rules.PRIORITY_OTHER:
        reason = (
            f"{total.total_seconds() / 3600:.1f} hours out of contact (battery) within "
            f"{rules.battery_window().days} days: one accumulated violation (000 §5.16)"
        )
    step = rules.ladder_step_for(_actionable_count(person), rules.BATTERY)
    violation.task = _task_create(
        task_type=rules.TASK_ACCUMULATED_BATTERY,
        title=f"Accumulated battery violation: {person.full_name}",
        person=person,
        subject=violation,
        priority=priority,
        priority_reason=reason,
        dedupe_key=f"em-accumulated-{violation.pk}",
        description=f"{len(counted)} battery breaches. Escalation ladder: step {step.number}, {step.label}.",
    )
    violation.save(update_fields=["task"])
    timeline_event_record(
        person=person,
        module=MODULE,
        event_type="em.accumulated_violation",
        summary=f"Accumulated battery violation ({total.total_seconds() / 3600:.1f} hours)",
        related=violation,
        detail={"breaches": len(counted)},
    )
    return violation


def breach_end_record(*, breach: Breach, ended_at: datetime) -> Breach:
    if breach.ended_at is not None:
        if breach.ended_at == ended_at:
            return breach
        raise ValidationError({"ended_at": "This breach already has an end time"})
    if ended_at < breach.started_at:
        raise ValidationError({"ended_at": "The end of a breach must not be before its start"})
    breaches_lock([breach.person_id])
    breach.ended_at = ended_at
    breach.save(update_fields=["ended_at"])
    if breach.breach_type == rules.BATTERY:
        battery_evaluate(person=breach.person)
    return breach


def mitigation_record(
    *, actor: Actor, breach: Breach, given_by: str, explanation: str, received_on: date
) -> Mitigation:
    _require(actor, MANAGE_EM, "record mitigation")
    errors: dict[str, str] = {}
    if given_by not in ("person", "representative"):
        errors["given_by"] = "Select who gave the explanation"
    explanation = _required_text(errors, "explanation", explanation, "Enter the explanation given")
    if received_on is None or received_on > clock.today():
        errors["received_on"] = "Enter the date it was received, today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mitigation = Mitigation.objects.create(
            breach=breach,
            given_by=given_by,
            explanation=explanation,
            received_on=received_on,
            recorded_by=_user(actor),
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="em.mitigation_received",
            target=mitigation,
            person=breach.person,
            summary="Explanation received for a breach",
            new={"given_by": given_by},
        )
    return mitigation


def mitigation_decide(
    *,
    actor: Actor,
    mitigation: Mitigation,
    decision: str,
    reasons: str,
    communicated_on: date,
    method: str,
) -> Mitigation:
    """Decide the explanation and record that the person was told (000 §1.33, §5.82)."""
    _require(actor, MANAGE_EM, "decide mitigation")
    errors: dict[str, str] = {}
    if mitigation.decision:
        errors["decision"] = "This explanation has already been decided"
    if decision not in (MitigationDecision.ACCEPTED, MitigationDecision.REJECTED):
        errors["decision"] = "Select whether the explanation is accepted"
    reasons = _required_text(errors, "reasons", reasons, "Enter the reasons for the decision")
    method = _required_text(errors, "method", method, "Enter how the person was told")
    if communicated_on is None or communicated_on > clock.today():
        errors["communicated_on"] = "Enter the date the person was told, today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Decided once: two managers deciding at once are taken one after the other (the
        # person's breach lock, which the ladder and every incoming breach take too), and the
        # second is told it is decided rather than overwriting the first decision.
        breaches_lock([mitigation.breach.person_id])
        if Mitigation.objects.filter(pk=mitigation.pk).exclude(decision="").exists():
            raise ValidationError({"decision": "This explanation has already been decided"})
        mitigation.decision, mitigation.decision_reasons = decision, reasons
        mitigation.decided_by, mitigation.decided_at = actor, clock.now()
        mitigation.communicated_on, mitigation.communicated_by_method = communicated_on, method
        mitigation.save()
        _record(
            actor=actor,
            verb="em.mitigation_decided",
            target=mitigation,
            person=mitigation.breach.person,
            summary=f"Explanation for a breach: {mitigation.get_decision_display()}",
            new={"decision": decision, "reasons": reasons, "communicated_on": communicated_on},
            action=AuditAction.ALTERATION,
        )
    return mitigation


def _ladder_letter_extra(breach: Breach) -> dict[str, str]:
    started = breach.started_at.astimezone(LONDON)
    return {
        "breach_type": rules.BREACH_TYPE_LABELS[breach.breach_type],
        "breach_date": f"{started.day} {started:%B %Y}",
    }


def ladder_preview(*, actor: Actor, breach: Breach) -> dict[str, Any]:
    """What applying the breach's ladder step would do, without doing it: the step, the letter's
    text as it would be sent (or that a prosecution referral opens), and anything that refuses it."""
    from waymark.documents.models import LetterTemplate
    from waymark.documents.services import letter_preview

    _require(actor, MANAGE_EM, "apply the escalation ladder")
    problems = []
    if breach.disposition != BreachDisposition.ACTIONABLE or breach.ladder_step is None:
        return {"step": None, "letter": "", "problems": ["Only an actionable breach has a step"]}
    if LadderAction.objects.filter(breach=breach).exists():
        problems.append("The ladder has already been applied for this breach")
    if breach.mitigations.filter(decision=MitigationDecision.ACCEPTED).exists():
        problems.append("The explanation for this breach was accepted: no further action")
    pending = breach.mitigations.filter(decision=MitigationDecision.PENDING).count()
    step = rules.ESCALATION_LADDER[breach.ladder_step - 1]
    letter = ""
    if step.letter_template:
        template = (
            LetterTemplate.objects.filter(key=step.letter_template).order_by("-version").first()
        )
        if template is None:
            problems.append(f"The letter template {step.letter_template} is missing")
        else:
            letter = letter_preview(
                actor=actor,
                template=template,
                person=breach.person,
                extra=_ladder_letter_extra(breach),
            )
    return {"step": step, "letter": letter, "problems": problems, "pending": pending}


def ladder_apply(*, actor: Actor, breach: Breach) -> LadderAction:
    """Apply the breach's step of the published ladder: a warning letter (generated and stored) or a
    prosecution referral case file (000 §5.83-5.84, §5.19)."""
    from waymark.documents.models import LetterTemplate
    from waymark.documents.services import letter_generate

    _require(actor, MANAGE_EM, "apply the escalation ladder")
    with transaction.atomic():
        # Applied once: a second application at once (a double-submitted confirmation, two
        # managers) waits for the first here and is refused below, not failed by the database;
        # an explanation accepted meanwhile is seen.
        breaches_lock([breach.person_id])
        breach.refresh_from_db(fields=["disposition", "ladder_step"])
        if breach.disposition != BreachDisposition.ACTIONABLE or breach.ladder_step is None:
            raise ValidationError("Only an actionable breach has a step on the ladder")
        if LadderAction.objects.filter(breach=breach).exists():
            raise ValidationError("The ladder has already been applied for this breach")
        if breach.mitigations.filter(decision=MitigationDecision.ACCEPTED).exists():
            raise ValidationError("The explanation for this breach was accepted: no further action")
        step = rules.ESCALATION_LADDER[breach.ladder_step - 1]
        letter = None
        if step.letter_template:
            template = (
                LetterTemplate.objects.filter(key=step.letter_template).order_by("-version").first()
            )
            if template is None:
                raise ValidationError(f"The letter template {step.letter_template} is missing")
            letter = letter_generate(
                actor=actor,
                template=template,
                person=breach.person,
                extra=_ladder_letter_extra(breach),
            )
        action = LadderAction.objects.create(
            person=breach.person,
            breach=breach,
            step=step.number,
            step_key=step.key,
            letter=letter,
            applied_by=_user(actor),
            applied_at=clock.now(),
        )
        if step.key == "prosecution":
            referral_open(actor=actor, person=breach.person, breaches=[breach])
        _record(
            actor=actor,
            verb="em.ladder_applied",
            target=action,
            person=breach.person,
            summary=f"Escalation ladder step {step.number}: {step.label}",
            new={"step": step.number, "letter": letter.pk if letter else None},
        )
        # The breach's work is done once its step is applied: its task closes with the outcome.
        work.tasks_close_for(
            actor=_user(actor),
            subject=breach,
            task_types=[rules.TASK_BREACH],
            outcome=f"Escalation ladder step {step.number} applied: {step.label}",
        )
    return action


def referral_open(*, actor: Actor, person: Person, breaches: list[Breach]) -> ProsecutionReferral:
    referral = ProsecutionReferral.objects.create(
        person=person,
        opened_by=_user(actor),
        opened_at=clock.now(),
        checklist={key: False for key, _ in EVIDENCE_CHECKLIST},
    )
    referral.breaches.set(breaches)
    _record(
        actor=actor,
        verb="em.referral_opened",
        target=referral,
        person=person,
        summary="Prosecution referral case file opened",
        new={"breaches": [b.pk for b in breaches]},
    )
    return referral


def referral_update(
    *,
    actor: Actor,
    referral: ProsecutionReferral,
    status: str,
    checklist: dict[str, bool],
    compliance_attempts: str = "",
    outcome_note: str = "",
) -> ProsecutionReferral:
    _require(actor, MANAGE_EM, "update a prosecution referral")
    errors: dict[str, str] = {}
    if status not in ReferralStatus.values:
        errors["status"] = "Select the status"
    clean = {key: bool(checklist.get(key)) for key, _ in EVIDENCE_CHECKLIST}
    if status == ReferralStatus.REFERRED and not all(clean.values()):
        missing = [label for key, label in EVIDENCE_CHECKLIST if not clean[key]]
        errors["checklist"] = "The case file is not complete: " + "; ".join(missing)
    if status == ReferralStatus.REFERRED and not (compliance_attempts or "").strip():
        errors["compliance_attempts"] = "Describe the compliance attempts made before referring"
    if errors:
        raise ValidationError(errors)
    old = {"status": referral.status}
    with transaction.atomic():
        REFERRAL.move(referral, status)
        referral.checklist = clean
        referral.compliance_attempts = (compliance_attempts or "").strip()
        referral.outcome_note = (outcome_note or "").strip()
        if status == ReferralStatus.REFERRED and referral.referred_at is None:
            referral.referred_at = clock.now()
        if status in (
            ReferralStatus.DECLINED,
            ReferralStatus.NO_FURTHER_ACTION,
            ReferralStatus.CONVICTED,
            ReferralStatus.ACQUITTED,
        ):
            referral.closed_at = clock.now()
        referral.save()
        _record(
            actor=actor,
            verb="em.referral_updated",
            target=referral,
            person=referral.person,
            summary=f"Prosecution referral: {referral.get_status_display()}",
            old=old,
            new={"status": status},
            action=AuditAction.ALTERATION,
        )
    return referral


def breaches_open_too_long() -> Any:
    """Data quality: breaches with no end time 7 days after they started."""
    cutoff = clock.now() - timedelta(days=rules.BREACH_NO_END_FLAG_DAYS)
    return Breach.objects.filter(ended_at__isnull=True, started_at__lt=cutoff)
