"""Commissions (brief casework.md §2): the case owner asks the reporting centre to use the next
event for something; the centre records the result and the owner is told (001 §5.6, §7.10)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import User
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import Commission, ReportingEvent
from waymark.casework.services._common import (
    _close_tasks,
    _owner_work,
    _raise,
    _record,
    _require,
    _text,
    _user,
    team_queue,
)
from waymark.casework.services.restrictions import restriction_in_force
from waymark.casework.workflows import COMMISSION, CommissionStatus
from waymark.core import clock
from waymark.core.types import Actor
from waymark.people.models import Person
from waymark.work import services as work


def commission_request(*, actor: User, person: Person, kind: str, instructions: str) -> Commission:
    _require(actor, perms.MANAGE_CASEWORK, "commission work from a reporting centre")
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
    assert restriction is not None  # refused above when there is none
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
    *,
    actor: Actor,
    commission: Commission,
    done: bool,
    result: str,
    event: ReportingEvent | None = None,
) -> Commission:
    """The centre records the result; the case owner is told (001 §6.60-6.62: it was one way)."""
    _require(actor, perms.RUN_REPORTING_CENTRE, "record commission results")
    errors: dict[str, str] = {}
    result = _text(errors, "result", result, "Enter the result for the case owner")
    if commission.status != CommissionStatus.REQUESTED:
        errors["result"] = f"This commission is already {commission.get_status_display().lower()}"
    _raise(errors)
    with transaction.atomic():
        # Recorded once: a second result at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        if Commission.objects.select_for_update().get(pk=commission.pk).status != (
            CommissionStatus.REQUESTED
        ):
            commission.refresh_from_db()
            raise ValidationError(
                {"result": f"This commission is already {commission.get_status_display().lower()}"}
            )
        COMMISSION.move(commission, CommissionStatus.DONE if done else CommissionStatus.NOT_DONE)
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


def commission_result_seen(*, actor: Actor, commission: Commission) -> Commission:
    if commission.owner_seen_at is None and commission.status != CommissionStatus.REQUESTED:
        commission.owner_seen_at = clock.now()
        commission.save(update_fields=["owner_seen_at"])
        _close_tasks(
            actor=actor, prefix=f"casework.commission_result:{commission.pk}", outcome="read"
        )
    return commission
