"""Barriers to removal (brief casework.md §4): recording, assigning and clearing a barrier, travel
documents (ETD), RED.0004 notices and further submissions (which open a barrier of their own)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import Barrier, Case, EtdApplication, FurtherSubmission, RedNotice
from waymark.casework.services._common import (
    _close_tasks,
    _owner_work,
    _raise,
    _record,
    _require,
    _text,
    _user,
)
from waymark.casework.services.referral import case_band_refresh
from waymark.casework.workflows import ETD, EtdStatus
from waymark.core import calendars, clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Person


def barrier_add(
    *,
    actor: Actor,
    person: Person,
    barrier_type: str,
    started_on: date | None,
    owner=None,
    detail: str = "",
    blocks_removal: bool = True,
    reopened_by=None,
) -> Barrier:
    _require(actor, perms.MANAGE_CASEWORK, "record barriers to removal")
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
    actor: Actor,
    person: Person,
    barrier_type: str,
    started_on: date | None,
    owner=None,
    detail: str = "",
    blocks_removal: bool = True,
    reopened_by=None,
) -> Barrier:
    """Open a barrier (no permission check: ``barrier_add`` checks the caseworker's, and a failed
    removal re-opens one under the removals officer's)."""
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
    assert started_on is not None  # refused above when missing
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


def barrier_assign(*, actor: Actor, barrier: Barrier, owner) -> Barrier:
    _require(actor, perms.MANAGE_CASEWORK, "assign barriers")
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


def barrier_clear(*, actor: Actor, barrier: Barrier, cleared_on: date | None, note: str) -> Barrier:
    _require(actor, perms.MANAGE_CASEWORK, "clear barriers")
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, "Enter how the barrier was cleared")
    if barrier.cleared_on:
        errors["cleared_on"] = f"This barrier was already cleared on {barrier.cleared_on:%d %B %Y}"
    elif cleared_on is None:
        errors["cleared_on"] = "Enter the date the barrier was cleared"
    elif cleared_on < barrier.started_on or cleared_on > clock.today():
        errors["cleared_on"] = "The date cleared must be between the start date and today"
    _raise(errors)
    assert cleared_on is not None  # refused above when missing
    with transaction.atomic():
        # Cleared once: a second clearing at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        already = Barrier.objects.select_for_update().get(pk=barrier.pk).cleared_on
        if already:
            raise ValidationError(
                {"cleared_on": f"This barrier was already cleared on {already:%d %B %Y}"}
            )
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
    actor: Actor,
    person: Person,
    country: str,
    status: str,
    applied_on: date | None = None,
    note: str = "",
    application: EtdApplication | None = None,
) -> EtdApplication:
    """Emergency travel document application. Progressed alongside appeals, not after (001 §7.10)."""
    _require(actor, perms.MANAGE_CASEWORK, "record travel-document applications")
    from waymark.people.countries import country_name, is_valid_country

    errors: dict[str, str] = {}
    country = (country or "").strip().upper()
    if not is_valid_country(country):
        errors["country"] = "Select the country issuing the travel document"
    if status not in dict(rules.ETD_STATUSES):
        errors["status"] = "Select the status of the application"
    if status not in (EtdStatus.NOT_STARTED,) and applied_on is None:
        errors["applied_on"] = "Enter the date the application was made"
    _raise(errors)
    with transaction.atomic():
        old: dict | None
        if application is None:
            application = EtdApplication(person=person)
            old = None
        else:
            old = {"status": application.status}
        ETD.move(application, status)
        application.country, application.applied_on = country, applied_on
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
    *, actor: Actor, person: Person, served_on: date | None, grounds: list[str]
) -> RedNotice:
    _require(actor, perms.MANAGE_CASEWORK, "record RED.0004 notices")
    errors: dict[str, str] = {}
    if served_on is None or served_on > clock.today():
        errors["served_on"] = "Enter the date the notice was served (today or earlier)"
    grounds = [g for g in grounds if g in dict(rules.GROUNDS)]
    if not grounds:
        errors["grounds"] = "Select the grounds already considered"
    _raise(errors)
    assert served_on is not None  # refused above when missing
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
    *, actor: Actor, person: Person, received_on: date | None, grounds: list[str], summary: str
) -> FurtherSubmission:
    """Due for decision in 5 working days (004 rec 4); shows which grounds a RED.0004 already covered."""
    _require(actor, perms.MANAGE_CASEWORK, "record further submissions")
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary, "Summarise the submission")
    grounds = [g for g in grounds if g in dict(rules.GROUNDS)]
    if not grounds:
        errors["grounds"] = "Select the grounds the submission raises"
    if received_on is None or received_on > clock.today():
        errors["received_on"] = "Enter the date received (today or earlier)"
    _raise(errors)
    assert received_on is not None  # refused above when missing
    team = person.owning_team
    nation = team.nation if team is not None else "england-and-wales"
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
    *, actor: Actor, submission: FurtherSubmission, decision: str
) -> FurtherSubmission:
    _require(actor, perms.MANAGE_CASEWORK, "decide further submissions")
    choices = dict(FurtherSubmission._meta.get_field("decision").choices or [])
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
        # Decided once: a second decision at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        if FurtherSubmission.objects.select_for_update().get(pk=submission.pk).decided_on:
            raise ValidationError({"decision": "This submission was already decided"})
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
