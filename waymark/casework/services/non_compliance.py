"""Non-compliance, absconders, trace and locate, reoffending (brief casework.md §3): the contact
checklist, declaring an absconder, referring one to trace and locate and recording the outcome,
and new offences by non-detained people."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import User
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import (
    AbsconderDeclaration,
    Case,
    ContactStep,
    NonCompliance,
    Reoffence,
    TraceReferral,
)
from waymark.casework.services._common import (
    _close_tasks,
    _contact_resumed,
    _named_queue,
    _raise,
    _record,
    _removable,
    _require,
    _text,
    _user,
)
from waymark.casework.workflows import NON_COMPLIANCE, NonComplianceStatus
from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.types import Actor
from waymark.people.models import Person
from waymark.work import services as work


def contact_step_record(
    *, actor: Actor, step: ContactStep, result: str, contact_made: bool = False
) -> ContactStep:
    _require(actor, perms.MANAGE_CASEWORK, "record contact steps")
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
        # Recorded once: a second record of the step at the same moment waits for the first (the
        # row lock) and is refused rather than overwriting it.
        already = ContactStep.objects.select_for_update().get(pk=step.pk).done_at
        if already is not None:
            raise ValidationError(
                {
                    "result": f"This step was already recorded on {already.astimezone(LONDON):%d %B %Y}"
                }
            )
        done_at = clock.now()
        step.done_at, step.done_by, step.result, step.contact_made = (
            done_at,
            _user(actor),
            result,
            contact_made,
        )
        step.save()
        late = done_at > step.due_at
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
            NON_COMPLIANCE.move(nc, NonComplianceStatus.CONTACT_RESTORED)
            nc.closed_at = clock.now()
            nc.save(update_fields=["status", "closed_at"])
            Case.objects.filter(person=nc.person).update(
                out_of_contact_since=None, updated_at=clock.now()
            )
            _close_tasks(
                actor=actor, prefix=f"casework.missed:{nc.pk}", outcome="contact re-established"
            )
    return step


def absconder_declare(
    *, actor: User, person: Person, reasons: str, whereabouts_unknown: bool
) -> AbsconderDeclaration:
    """001 §7.23: only when every mandatory step has failed and whereabouts are unknown; the
    declaration records the steps taken and when."""
    _require(actor, perms.MANAGE_CASEWORK, "declare absconders")
    errors: dict[str, str] = {}
    reasons = _text(
        errors, "reasons", reasons, "Enter why the person is being declared an absconder"
    )
    case = Case.objects.filter(person=person).first()
    nc = NonCompliance.objects.filter(person=person, status=NonComplianceStatus.OPEN).first()
    if nc is None or case is None:
        errors["whereabouts_unknown"] = "There is no open non-compliance for this person"
        raise ValidationError(errors)
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
        # Declared once: a second declaration at the same moment (or contact resuming) waits for
        # the first (the row lock) and finds the non-compliance no longer open.
        nc.status = NonCompliance.objects.select_for_update().get(pk=nc.pk).status
        if nc.status != NonComplianceStatus.OPEN:
            raise ValidationError(
                {
                    "whereabouts_unknown": "This person was already declared an absconder"
                    if nc.status == NonComplianceStatus.ABSCONDER
                    else "There is no open non-compliance for this person"
                }
            )
        declaration = AbsconderDeclaration.objects.create(
            person=person,
            non_compliance=nc,
            declared_at=clock.now(),
            declared_by=actor,
            steps_taken={
                k: {
                    "done_at": s.done_at.isoformat() if s.done_at else None,
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
        NON_COMPLIANCE.move(nc, NonComplianceStatus.ABSCONDER)
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


def _refuse_unless_traceable(declaration: AbsconderDeclaration) -> None:
    if declaration.ended_at is not None:
        raise ValidationError({"declaration": "This person is no longer an absconder"})
    if TraceReferral.objects.filter(declaration=declaration, outcome="").exists():
        raise ValidationError({"declaration": "This absconder is already with trace and locate"})


def trace_refer(*, actor: Actor, declaration: AbsconderDeclaration) -> TraceReferral:
    _require(actor, perms.MANAGE_CASEWORK, "refer absconders to trace and locate")
    _refuse_unless_traceable(declaration)
    person = declaration.person
    case = Case.objects.get(person=person)
    score, why = rules.trace_priority(
        harm_level=person.harm_level, band=case.band, removable=_removable(person)
    )
    with transaction.atomic():
        # Referred once: a second referral at the same moment waits for the first (the
        # declaration's lock) and is refused.
        declaration.ended_at = (
            AbsconderDeclaration.objects.select_for_update().get(pk=declaration.pk).ended_at
        )
        _refuse_unless_traceable(declaration)
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
    *, actor: Actor, referral: TraceReferral, outcome: str, note: str = ""
) -> TraceReferral:
    _require(actor, perms.MANAGE_CASEWORK, "record trace-and-locate outcomes")
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
        # Recorded once: a second outcome at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        if TraceReferral.objects.select_for_update().get(pk=referral.pk).outcome:
            referral.refresh_from_db()
            raise ValidationError(
                {"outcome": f"The outcome was already recorded ({referral.get_outcome_display()})"}
            )
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
            _contact_resumed(actor=actor, case=case, how=referral.get_outcome_display().lower())
    return referral


def reoffence_record(
    *, actor: Actor, person: Person, offence: str, offence_on: date | None
) -> Reoffence:
    _require(actor, perms.MANAGE_CASEWORK, "record reoffending")
    errors: dict[str, str] = {}
    offence = _text(errors, "offence", offence, "Enter the offence")
    if offence_on is None:
        errors["offence_on"] = "Enter the date of the offence"
    elif offence_on > clock.today():
        errors["offence_on"] = "The offence date cannot be in the future"
    _raise(errors)
    assert offence_on is not None  # refused above when missing
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
