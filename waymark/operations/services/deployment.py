"""Command, officers, the operational order, briefing acceptance and deployment (brief
operations.md §5). Deployment locks the visit row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.operations import rules, selectors, workflows
from waymark.operations.models import (
    OperationalOrder,
    Visit,
    VisitOfficer,
    VisitStatus,
)
from waymark.operations.services._common import (
    COMMAND,
    PLAN,
    _audit,
    _complete_tasks,
    _editable,
    _fresh,
    _locked,
    _officer_task,
    _raise,
    _require,
    _require_visible,
    _timeline,
    _transition,
)

# The same question the pages ask before offering an officer as officer in charge.
officer_in_charge_problem = selectors.officer_in_charge_problem


def command_set(
    *, actor, visit: Visit, officer_in_charge, gold=None, silver=None, bronze=None
) -> Visit:
    """Name the single officer in charge (arrest-trained, IO grade or above) and gold, silver, bronze."""
    _require(actor, PLAN, "set the command structure")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    problem = officer_in_charge_problem(officer_in_charge)
    if problem:
        raise ValidationError({"officer_in_charge": problem})
    with transaction.atomic():
        visit = _locked(visit)
        _editable(visit)
        old = {
            "officer_in_charge": visit.officer_in_charge_id,
            "gold": visit.gold_commander_id,
            "silver": visit.silver_commander_id,
            "bronze": visit.bronze_commander_id,
        }
        visit.officer_in_charge, visit.gold_commander = officer_in_charge, gold
        visit.silver_commander, visit.bronze_commander = silver, bronze
        visit.updated_at = clock.now()
        visit.save()
        _assign(actor=actor, visit=visit, officer=officer_in_charge, role="Officer in charge")
        _audit(
            actor=actor,
            verb="operations.command_set",
            target=visit,
            old=old,
            new={
                "officer_in_charge": officer_in_charge,
                "gold": gold,
                "silver": silver,
                "bronze": bronze,
            },
            action=AuditAction.ALTERATION,
        )
    return visit


def _assign(*, actor, visit: Visit, officer, role: str) -> VisitOfficer:
    assignment, created = VisitOfficer.objects.get_or_create(
        visit=visit, officer=officer, defaults={"role": role}
    )
    if created:
        _officer_task(
            actor=actor,
            visit=visit,
            officer=officer,
            task_type=rules.TASK_BRIEFING,
            title=f"Accept the briefing for {visit.reference}",
            dedupe_key=f"ops-briefing-{visit.pk}-{officer.pk}-v{visit.plan_version}",
            start=visit.planned_start,
        )
    return assignment


def visit_officer_assign(*, actor, visit: Visit, officer, role: str = "") -> VisitOfficer:
    """Put an officer on the visit; they get a task to accept the briefing."""
    _require(actor, PLAN, "assign officers")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    if officer is None or not officer.is_active:
        raise ValidationError({"officer": "Select an active officer"})
    if visit.officers.filter(officer=officer).exists():
        raise ValidationError(
            {"officer": f"{officer.get_full_name() or officer.username} is already on this visit"}
        )
    with transaction.atomic():
        # Assigned once: a second assignment of the officer at the same moment waits for the first
        # (the visit's row lock) and is refused rather than auditing the assignment again.
        visit = _locked(visit)
        _editable(visit)
        if visit.officers.filter(officer=officer).exists():
            raise ValidationError(
                {
                    "officer": f"{officer.get_full_name() or officer.username} is already on "
                    "this visit"
                }
            )
        assignment = _assign(
            actor=actor, visit=visit, officer=officer, role=(role or "").strip()[:60]
        )
        _audit(
            actor=actor,
            verb="operations.officer_assigned",
            target=visit,
            new={"officer": officer.pk, "role": assignment.role},
        )
    return assignment


def order_record(*, actor, visit: Visit, sections: dict[str, str]) -> OperationalOrder:
    """The operational order for the current plan: IIMARCH for amber and red, the digital order for
    green (``rules.order_sections``); every section filled."""
    _require(actor, PLAN, "write the operational order")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    if not visit.risk_rating:
        raise ValidationError("Rate the visit first: the order's format depends on the rating")
    wanted = rules.order_sections(visit.risk_rating)
    errors = {
        key: f"Enter the {label.lower()} section"
        for key, label in wanted.items()
        if not (sections.get(key) or "").strip()
    }
    _raise(errors)
    order_format = "iimarch" if visit.risk_rating in rules.IIMARCH_RATINGS else "digital"
    with transaction.atomic():
        _editable(visit)
        order = OperationalOrder.objects.create(
            visit=visit,
            plan_version=visit.plan_version,
            order_format=order_format,
            sections={key: sections[key].strip() for key in wanted},
            written_by=actor,
            written_at=clock.now(),
        )
        _audit(
            actor=actor,
            verb="operations.order_written",
            target=visit,
            new={"order": order.pk, "format": order_format, "plan_version": visit.plan_version},
        )
    return order


def briefing_accept(*, actor, visit: Visit) -> VisitOfficer:
    """The officer has read, understood and accepted the briefing for the current plan version."""
    visit = _fresh(visit)
    assignment = visit.officers.filter(officer=actor).first()
    if assignment is None:
        raise PermissionDenied("You are not assigned to this visit")
    if visit.status not in workflows.EDITABLE:
        raise ValidationError("The briefing can only be accepted before deployment")
    with transaction.atomic():
        now = clock.now()
        assignment.briefing_accepted_at, assignment.briefing_plan_version = now, visit.plan_version
        assignment.save(update_fields=["briefing_accepted_at", "briefing_plan_version"])
        _audit(
            actor=actor,
            verb="operations.briefing_accepted",
            target=visit,
            new={"officer": actor.pk, "plan_version": visit.plan_version},
        )
        _complete_tasks(
            actor=actor, prefix=f"ops-briefing-{visit.pk}-{actor.pk}-", outcome="accepted"
        )
    return assignment


def visit_deploy(*, actor, visit: Visit) -> Visit:
    """Deploy an authorised visit whose every step is done (``selectors.visit_readiness``); refused
    with every missing item named. Sets ``closure_due_at`` and creates the close task (48 hours)."""
    _require(actor, COMMAND, "deploy visits")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    with transaction.atomic():
        visit = _locked(visit)
        missing = [
            f"{step.label}: {step.problem}"
            for step in selectors.visit_readiness(visit)
            if not step.done
        ]
        if missing:
            raise ValidationError({"__all__": missing})
        if not workflows.transition_allowed(visit.status, VisitStatus.DEPLOYED):
            raise ValidationError(
                f"A {visit.get_status_display().lower()} visit cannot be deployed"
            )
        now = clock.now()
        _transition(actor=actor, visit=visit, target=VisitStatus.DEPLOYED, why="All steps complete")
        visit.deployed_at, visit.deployed_by = now, actor
        visit.closure_due_at = rules.closure_due_at(visit.planned_start)
        visit.updated_at = now
        visit.save()
        _officer_task(
            actor=actor,
            visit=visit,
            officer=visit.officer_in_charge,
            task_type=rules.TASK_CLOSE,
            title=f"Debrief and close {visit.reference}",
            dedupe_key=f"ops-close-{visit.pk}",
            start=visit.planned_start,
        )
        _timeline(
            actor=actor,
            visit=visit,
            event_type="operations.visit_deployed",
            summary=f"Enforcement visit {visit.reference} deployed",
        )
    return visit
