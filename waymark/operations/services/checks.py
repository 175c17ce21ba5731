"""Pre-visit checks: mandatory database checks, the police notification form and its answer,
the police phone check and reconnaissance (brief operations.md §3)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.operations import rules
from waymark.operations.models import (
    MandatoryCheck,
    NotificationForm,
    PoliceForce,
    PoliceIntelligenceCheck,
    Reconnaissance,
    Visit,
)
from waymark.operations.services._common import (
    ANSWER,
    PLAN,
    _audit,
    _complete_tasks,
    _editable,
    _fresh,
    _officer_task,
    _raise,
    _require,
    _require_visible,
    _text,
    _user,
)


def check_record(
    *,
    actor,
    visit: Visit,
    check_type: str,
    result: str,
    detail: str = "",
    subject=None,
    performed_at: datetime | None = None,
) -> MandatoryCheck:
    """A mandatory check, with who ran it, when and the result."""
    _require(actor, PLAN, "record checks")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    now = clock.now()
    performed_at = performed_at or now
    if check_type not in rules.CHECKS:
        errors["check_type"] = "Select the check"
    elif rules.CHECKS[check_type][1]:
        if subject is None:
            errors["subject"] = "Select the subject this check was about"
        elif not visit.subjects.filter(pk=subject.pk).exists():
            errors["subject"] = "The person is not a named subject of this visit"
    if result not in rules.CHECK_RESULTS:
        errors["result"] = "Select the result of the check"
    elif result != "no_trace" and not (detail or "").strip():
        errors["detail"] = "Record what the check found"
    if performed_at > now:
        errors["performed_at"] = "A check cannot be recorded in the future"
    elif (
        check_type == "final_status"
        and performed_at < visit.planned_start - rules.FINAL_STATUS_CHECK_WINDOW
    ):
        hours = int(rules.FINAL_STATUS_CHECK_WINDOW.total_seconds() // 3600)
        errors["check_type"] = (
            f"The final status check must be made within {hours} hours before the visit; "
            "this is too early"
        )
    _raise(errors)
    with transaction.atomic():
        _editable(visit)
        check = MandatoryCheck.objects.create(
            visit=visit,
            check_type=check_type,
            subject=subject if rules.CHECKS[check_type][1] else None,
            result=result,
            detail=(detail or "").strip(),
            performed_by=actor,
            performed_at=performed_at,
        )
        _audit(
            actor=actor,
            verb="operations.check_recorded",
            target=visit,
            action=AuditAction.CONSULTATION,
            new={
                "check_type": check_type,
                "result": result,
                "subject": subject,
                "performed_at": performed_at,
            },
        )
    return check


def notification_send(
    *, actor, visit: Visit, police_force: PoliceForce | None = None
) -> NotificationForm:
    """Send the operational notification form: at least ``ONF_MIN_NOTICE`` before the visit; the
    police have ``ONF_POLICE_RESPONSE`` to answer (a chase task with that deadline)."""
    _require(actor, PLAN, "send notification forms")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    police_force = police_force or visit.premises.police_force
    errors: dict[str, str] = {}
    now = clock.now()
    if police_force is None:
        errors["police_force"] = "Select the police force for the premises"
    if not rules.onf_sent_in_time(sent_at=now, planned_start=visit.planned_start):
        errors["police_force"] = (
            f"The form must be sent at least {rules.ONF_MIN_NOTICE.days} days before the "
            "visit; it is too late. Move the visit, or record a phone check with the "
            "police intelligence unit"
        )
    _raise(errors)
    assert police_force is not None  # refused above when missing
    with transaction.atomic():
        _editable(visit)
        form = NotificationForm.objects.create(
            visit=visit,
            police_force=police_force,
            sent_at=now,
            sent_by=actor,
            response_due_at=rules.onf_response_due(now),
        )
        _officer_task(
            actor=actor,
            visit=visit,
            officer=actor,
            task_type=rules.TASK_ONF_CHASE,
            title=f"Chase {police_force.name} for the notification form for {visit.reference}",
            dedupe_key=f"ops-onf-{form.pk}",
            start=now,
        )
        _audit(
            actor=actor,
            verb="operations.notification_sent",
            target=form,
            action=AuditAction.DISCLOSURE,
            new={
                "visit": visit.reference,
                "police_force": police_force.code,
                "response_due_at": form.response_due_at,
            },
        )
    return form


def notification_answer(
    *,
    actor,
    form: NotificationForm,
    signed_by_name: str,
    signed_by_rank: str,
    warning_markers: str,
    community_tensions: str,
    police_resources: str = "",
    complete: bool,
) -> NotificationForm:
    """The police answer: a partner of the form's force only. It counts only signed and complete;
    it is valid for one calendar month from its return (``rules.onf_valid_until``)."""
    _require(actor, ANSWER, "answer notification forms")
    if actor is not None and not form.police_force.partners.filter(pk=actor.pk).exists():
        raise PermissionDenied("This form was sent to another police force")
    errors: dict[str, str] = {}
    if form.returned_at is not None:
        errors["signed_by_name"] = "This form has already been answered"
    signed_by_name = _text(
        errors, "signed_by_name", signed_by_name, "Enter the name of the officer signing"
    )
    signed_by_rank = _text(
        errors, "signed_by_rank", signed_by_rank, "Enter the rank of the officer signing"
    )
    warning_markers = _text(
        errors, "warning_markers", warning_markers, "Enter any warning markers, or “None known”"
    )
    community_tensions = _text(
        errors,
        "community_tensions",
        community_tensions,
        "Enter any community tensions, or “None known”",
    )
    if complete is None:
        errors["complete"] = "Say whether the form is complete"
    _raise(errors)
    now = clock.now()
    with transaction.atomic():
        form = NotificationForm.objects.select_for_update().get(pk=form.pk)
        if form.returned_at is not None:  # answered meanwhile: the lock waited for it
            raise ValidationError({"signed_by_name": "This form has already been answered"})
        form.returned_at, form.answered_by = now, _user(actor)
        form.signed_by_name, form.signed_by_rank = signed_by_name, signed_by_rank
        form.warning_markers, form.community_tensions = warning_markers, community_tensions
        form.police_resources, form.complete = (police_resources or "").strip(), bool(complete)
        form.valid_until = rules.onf_valid_until(now)
        form.save()
        _audit(
            actor=actor,
            verb="operations.notification_answered",
            target=form,
            new={
                "signed_by_name": signed_by_name,
                "complete": form.complete,
                "valid_until": form.valid_until,
            },
        )
        _complete_tasks(actor=actor, key=f"ops-onf-{form.pk}", outcome="answered")
    return form


def police_phone_check_record(
    *,
    actor,
    visit: Visit,
    spoke_to: str,
    called_at: datetime | None,
    warning_markers: str,
    community_tensions: str,
    police_force: PoliceForce | None = None,
) -> PoliceIntelligenceCheck:
    """The recorded phone call with the police intelligence unit: the only alternative to a
    returned form when it has not come back in time."""
    _require(actor, PLAN, "record a police phone check")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    police_force = police_force or visit.premises.police_force
    errors: dict[str, str] = {}
    if police_force is None:
        errors["police_force"] = "Select the police force you called"
    spoke_to = _text(
        errors, "spoke_to", spoke_to, "Enter who you spoke to at the police intelligence unit"
    )
    warning_markers = _text(
        errors, "warning_markers", warning_markers, "Enter the warning markers, or “None”"
    )
    community_tensions = _text(
        errors, "community_tensions", community_tensions, "Enter the community tensions, or “None”"
    )
    if called_at is None:
        errors["called_at"] = "Enter when you called"
    elif called_at > clock.now():
        errors["called_at"] = "The call cannot be in the future"
    _raise(errors)
    assert police_force is not None and called_at is not None  # refused above when missing
    with transaction.atomic():
        _editable(visit)
        check = PoliceIntelligenceCheck.objects.create(
            visit=visit,
            police_force=police_force,
            spoke_to=spoke_to,
            called_at=called_at,
            warning_markers=warning_markers,
            community_tensions=community_tensions,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        _audit(
            actor=actor,
            verb="operations.police_phone_check",
            target=visit,
            new={"police_force": police_force.code, "spoke_to": spoke_to, "called_at": called_at},
        )
    return check


def reconnaissance_record(
    *,
    actor,
    visit: Visit,
    recon_type: str,
    entry_exit_points: str,
    imagery_date: date | None = None,
    ripa_considered: bool | None = None,
    ripa_rationale: str = "",
    occupants: str = "",
    changes_since_last_visit: str = "",
) -> Reconnaissance:
    _require(actor, PLAN, "record reconnaissance")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    if recon_type not in rules.RECONNAISSANCE_TYPES:
        errors["recon_type"] = "Select the type of reconnaissance"
    elif recon_type == "virtual":
        if imagery_date is None:
            errors["imagery_date"] = (
                "Enter the date of the imagery (shown on the map or street view)"
            )
        elif imagery_date > clock.today():
            errors["imagery_date"] = "The imagery date must be today or in the past"
    else:
        if ripa_considered is None:
            errors["ripa_considered"] = "Say whether RIPA authorisation was considered"
        _text(
            errors,
            "ripa_rationale",
            ripa_rationale,
            "Explain why RIPA authorisation is or is not needed",
        )
    entry_exit_points = _text(
        errors, "entry_exit_points", entry_exit_points, "Enter the entry and exit points"
    )
    _raise(errors)
    with transaction.atomic():
        _editable(visit)
        recon = Reconnaissance.objects.create(
            visit=visit,
            recon_type=recon_type,
            imagery_date=imagery_date if recon_type == "virtual" else None,
            ripa_considered=None if recon_type == "virtual" else ripa_considered,
            ripa_rationale=(ripa_rationale or "").strip(),
            occupants=(occupants or "").strip(),
            entry_exit_points=entry_exit_points,
            changes_since_last_visit=(changes_since_last_visit or "").strip(),
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        _audit(
            actor=actor,
            verb="operations.reconnaissance_recorded",
            target=visit,
            new={
                "recon_type": recon_type,
                "imagery_date": imagery_date,
                "ripa_considered": ripa_considered,
            },
        )
    return recon
