"""Planning a visit: the plan, a material change (which lapses the authorisation) and
cancellation (brief operations.md §2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.operations import rules, workflows
from waymark.operations.models import (
    Authorisation,
    IntelligencePackage,
    IntelligenceStatus,
    Premises,
    Visit,
    VisitStatus,
)
from waymark.operations.services._common import (
    FIELD_LABELS,
    PLAN,
    _audit,
    _complete_tasks,
    _editable,
    _fresh,
    _locked,
    _officer_task,
    _raise,
    _reference,
    _require,
    _require_visible,
    _subjects_check,
    _text,
    _timeline,
    _transition,
    _user,
)
from waymark.work import services as work
from waymark.work.models import Task


def _plan_errors(
    *,
    visit_type: str,
    partner_agencies,
    planned_start,
    premises: Premises | None,
    intended_power: str,
    community_impact: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if visit_type not in rules.VISIT_TYPES:
        errors["visit_type"] = "Select the type of visit"
    elif visit_type == "joint_operation" and not partner_agencies:
        errors["partner_agencies"] = "A joint operation needs at least one partner agency"
    unknown = [a for a in partner_agencies if a not in rules.PARTNER_AGENCIES]
    if unknown:
        errors["partner_agencies"] = f"Unknown partner agency: {', '.join(unknown)}"
    if planned_start is None:
        errors["planned_start"] = "Enter the planned date and time"
    elif planned_start <= clock.now():
        errors["planned_start"] = "The planned date and time must be in the future"
    if intended_power and intended_power not in rules.POWERS_OF_ENTRY:
        errors["intended_power"] = "Select the intended power of entry"
    elif intended_power == "licensing_s179" and premises is not None and not premises.licensed:
        errors["intended_power"] = (
            "Section 179 of the Licensing Act 2003 applies only to licensed premises; "
            "these premises are not licensed"
        )
    if not (community_impact or "").strip():
        errors["community_impact"] = (
            "Enter the community impact considered for this visit (needed for every visit)"
        )
    return errors


def visit_plan(
    *,
    actor,
    team: Team,
    region: str,
    visit_type: str,
    planned_start: datetime,
    premises: Premises,
    intended_power: str,
    community_impact: str,
    subjects: Iterable = (),
    partner_agencies: Iterable[str] = (),
    intelligence: IntelligencePackage | None = None,
) -> Visit:
    """Plan a visit (status planning, plan version 1); the intelligence package becomes actioned."""
    _require(actor, PLAN, "plan visits")
    partner_agencies = list(partner_agencies or [])
    errors = _plan_errors(
        visit_type=visit_type,
        partner_agencies=partner_agencies,
        planned_start=planned_start,
        premises=premises,
        intended_power=intended_power,
        community_impact=community_impact,
    )
    if (
        actor is not None
        and not actor.has_perm("operations.view_all_operations")
        and not actor.teams.filter(pk=team.pk).exists()
    ):
        errors["team"] = "Choose one of your own teams"
    region = _text(errors, "region", region or team.name, "Enter the region")
    if intelligence is not None and intelligence.status not in (
        IntelligenceStatus.ACCEPTED,
        IntelligenceStatus.ACTIONED,
    ):
        errors["intelligence"] = "Only accepted intelligence can be actioned by a visit"
    _raise(errors)
    people = _subjects_check(actor, subjects)
    now = clock.now()
    with transaction.atomic():
        visit = Visit.objects.create(
            reference=_reference("OP"),
            intelligence=intelligence,
            team=team,
            region=region,
            visit_type=visit_type,
            partner_agencies=partner_agencies,
            planned_start=planned_start,
            premises=premises,
            intended_power=intended_power or "",
            community_impact=community_impact.strip(),
            created_by=_user(actor),
            created_at=now,
            updated_at=now,
        )
        visit.subjects.set(people)
        if intelligence is not None and intelligence.status == IntelligenceStatus.ACCEPTED:
            workflows.INTELLIGENCE.check(intelligence, IntelligenceStatus.ACTIONED)
            IntelligencePackage.objects.filter(pk=intelligence.pk).update(
                status=IntelligenceStatus.ACTIONED
            )
            _audit(
                actor=actor,
                verb="operations.intelligence_actioned",
                target=intelligence,
                old={"status": IntelligenceStatus.ACCEPTED},
                new={"status": IntelligenceStatus.ACTIONED, "visit": visit.reference},
                action=AuditAction.ALTERATION,
            )
        _audit(
            actor=actor,
            verb="operations.visit_planned",
            target=visit,
            new={
                "reference": visit.reference,
                "team": team,
                "visit_type": visit_type,
                "planned_start": planned_start,
                "premises": premises,
                "subjects": [p.pk for p in people],
                "partner_agencies": partner_agencies,
                "intended_power": intended_power,
            },
        )
        _timeline(
            actor=actor,
            visit=visit,
            event_type="operations.visit_planned",
            summary=f"Named as a subject of enforcement visit {visit.reference} to {premises.business_name}",
        )
    return visit


def _material_change(*, actor, visit: Visit, changed: list[str]) -> None:
    """Bump the plan version; lapse the current authorisation; send the visit back to planning;
    new briefing acceptances are needed; tell the officer in charge. Inside the caller's transaction."""
    now = clock.now()
    what = ", ".join(FIELD_LABELS[f] for f in changed)
    old_version = visit.plan_version
    visit.plan_version = old_version + 1
    lapsed = Authorisation.objects.filter(visit=visit, granted=True, lapsed_at__isnull=True)
    for authorisation in lapsed:
        authorisation.lapsed_at = now
        authorisation.lapse_reason = f"The plan changed materially: {what}"[:300]
        authorisation.save(update_fields=["lapsed_at", "lapse_reason"])
        _audit(
            actor=actor,
            verb="operations.authorisation_lapsed",
            target=authorisation,
            new={"lapse_reason": authorisation.lapse_reason},
            action=AuditAction.ALTERATION,
        )
    if visit.status == VisitStatus.AUTHORISED:
        _transition(
            actor=actor, visit=visit, target=VisitStatus.PLANNING, why=f"Material change: {what}"
        )
    accepted = list(
        visit.officers.filter(briefing_plan_version=old_version).select_related("officer")
    )
    for assignment in visit.officers.select_related("officer"):
        _officer_task(
            actor=actor,
            visit=visit,
            officer=assignment.officer,
            task_type=rules.TASK_BRIEFING,
            title=f"Accept the changed briefing for {visit.reference}",
            dedupe_key=f"ops-briefing-{visit.pk}-{assignment.officer_id}-v{visit.plan_version}",
            start=visit.planned_start,
        )
    _complete_tasks(
        actor=actor, key=f"ops-authorise-{visit.pk}-v{old_version}", outcome="plan changed"
    )
    if visit.officer_in_charge_id:
        _officer_task(
            actor=actor,
            visit=visit,
            officer=visit.officer_in_charge,
            task_type=rules.TASK_PLAN_CHANGED,
            title=f"{visit.reference}: the plan changed ({what}); re-authorise and re-brief",
            dedupe_key=f"ops-plan-changed-{visit.pk}-v{visit.plan_version}",
            start=visit.planned_start,
        )
    _audit(
        actor=actor,
        verb="operations.plan_changed",
        target=visit,
        old={"plan_version": old_version},
        new={
            "plan_version": visit.plan_version,
            "changed": changed,
            "authorisations_lapsed": len(lapsed),
            "briefing_acceptances_invalidated": [a.officer_id for a in accepted],
        },
        action=AuditAction.ALTERATION,
    )
    _timeline(
        actor=actor,
        visit=visit,
        event_type="operations.plan_changed",
        summary=f"Enforcement visit {visit.reference}: plan changed ({what})",
    )


def visit_update(*, actor, visit: Visit, **changes) -> Visit:
    """Change the plan. A change to any of ``rules.MATERIAL_FIELDS`` is material (see above)."""
    _require(actor, PLAN, "change a visit's plan")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    allowed = {
        "region",
        "visit_type",
        "partner_agencies",
        "planned_start",
        "premises",
        "subjects",
        "intended_power",
        "community_impact",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"visit_update cannot change {sorted(unknown)}")
    with transaction.atomic():
        visit = _locked(visit)
        _editable(visit)
        current: dict[str, Any] = {
            "region": visit.region,
            "visit_type": visit.visit_type,
            "partner_agencies": list(visit.partner_agencies),
            "planned_start": visit.planned_start,
            "premises": visit.premises,
            "intended_power": visit.intended_power,
            "community_impact": visit.community_impact,
            "subjects": list(visit.subjects.all()),
        }
        new = {**current, **changes}
        new["partner_agencies"] = list(new["partner_agencies"] or [])
        errors = _plan_errors(
            visit_type=new["visit_type"],
            partner_agencies=new["partner_agencies"],
            planned_start=new["planned_start"],
            premises=new["premises"],
            intended_power=new["intended_power"],
            community_impact=new["community_impact"],
        )
        if (
            "planned_start" in errors
            and new["planned_start"] == current["planned_start"]
            and new["planned_start"] is not None
        ):
            errors.pop("planned_start")  # an unchanged start is not re-judged
        _text(errors, "region", new["region"], "Enter the region")
        _raise(errors)
        people = _subjects_check(actor, new["subjects"])
        changed = [key for key in allowed if key != "subjects" and new[key] != current[key]]
        if {p.pk for p in people} != {p.pk for p in current["subjects"]}:
            changed.append("subjects")
        if not changed:
            return visit
        for key in changed:
            if key != "subjects":
                setattr(visit, key, new[key].strip() if isinstance(new[key], str) else new[key])
        if "subjects" in changed:
            visit.subjects.set(people)
        material = [f for f in rules.MATERIAL_FIELDS if f in changed]
        if material:
            _material_change(actor=actor, visit=visit, changed=material)
        visit.updated_at = clock.now()
        visit.save()
        _audit(
            actor=actor,
            verb="operations.visit_updated",
            target=visit,
            old={k: current[k] for k in changed},
            new={k: new[k] for k in changed},
            action=AuditAction.ALTERATION,
        )
    return visit


def visit_cancel(*, actor, visit: Visit, reason: str) -> Visit:
    _require(actor, PLAN, "cancel a visit")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the visit is cancelled"})
    with transaction.atomic():
        visit = _locked(visit)
        _transition(actor=actor, visit=visit, target=VisitStatus.CANCELLED, why=reason)
        visit.cancelled_reason, visit.updated_at = reason, clock.now()
        visit.save(update_fields=["status", "cancelled_reason", "updated_at"])
        for task in Task.objects.filter(
            dedupe_key__startswith="ops-", subject_id=str(visit.pk), subject_type="operations.visit"
        ):
            if task.is_active:
                work.task_cancel(actor=_user(actor), task=task, reason="Visit cancelled")
        _timeline(
            actor=actor,
            visit=visit,
            event_type="operations.visit_cancelled",
            summary=f"Enforcement visit {visit.reference} cancelled: {reason}",
        )
    return visit
