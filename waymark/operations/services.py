"""Writes for enforcement operations planning, from intelligence to deployment (brief
operations.md §1-§5). Each service checks permission, validates (a ``ValidationError`` naming the
field; nothing saved), writes in one transaction, audits, and puts the visit on each subject's
timeline. Numbers come from ``operations.rules``; states move only through
``workflows.transition_allowed``. Authorise and deploy lock the visit row (``select_for_update``)
so two officers acting at once cannot both succeed on a stale plan.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import rules, selectors, workflows
from waymark.operations.models import (
    Authorisation,
    IdentifiedRisk,
    ImpactAssessment,
    IntelligencePackage,
    IntelligenceStatus,
    MandatoryCheck,
    NotificationForm,
    OperationalOrder,
    PlanAssessment,
    PoliceForce,
    PoliceIntelligenceCheck,
    Premises,
    Reconnaissance,
    RiskAssessment,
    Sector,
    Visit,
    VisitOfficer,
    VisitStatus,
)
from waymark.people.services import timeline_event_record
from waymark.work import services as work
from waymark.work.models import Queue, Task

MODULE = "operations"
PLAN = "operations.plan_visits"
AUTHORISE = "operations.authorise_visits"
COMMAND = "operations.command_visits"
ANSWER = "operations.answer_notifications"
FIELD_LABELS = {
    "planned_start": "date and time",
    "premises": "premises",
    "subjects": "subjects",
    "risk_rating": "risk rating",
}


# ------------------------------------------------------------------------------------------------
# Helpers


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _require_visible(actor, visit: Visit) -> None:
    if (
        actor is not None
        and not selectors.visit_visible_queryset(actor).filter(pk=visit.pk).exists()
    ):
        raise PermissionDenied("This visit belongs to a team you are not in")


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Team):
        return value.slug
    if isinstance(value, (list, tuple, set)):
        return [_json(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def _audit(
    *,
    actor,
    verb: str,
    target,
    new: dict | None = None,
    old: dict | None = None,
    action: str = AuditAction.COLLECTION,
) -> None:
    payload: dict[str, Any] = {}
    if new is not None:
        payload["new"] = {k: _json(v) for k, v in new.items()}
    if old is not None:
        payload["old"] = {k: _json(v) for k, v in old.items()}
    audit_record(actor=_user(actor), action=action, verb=verb, target=target, payload=payload)


def _timeline(*, actor, visit: Visit, verb: str, summary: str) -> None:
    """Put a visit event on each named subject's timeline."""
    for person in visit.subjects.all():
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type=verb,
            summary=summary[:500],
            actor=_user(actor),
            related=visit,
            detail={"visit": visit.reference},
        )


def _text(errors: dict, field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _transition(*, actor, visit: Visit, target: str, why: str) -> None:
    if not workflows.transition_allowed(visit.status, target):
        raise ValidationError(
            f"A {visit.get_status_display().lower()} visit cannot become {target}"
        )
    old = visit.status
    visit.status = target
    _audit(
        actor=actor,
        verb=f"operations.visit_{target}",
        target=visit,
        old={"status": old},
        new={"status": target, "why": why},
        action=AuditAction.ALTERATION,
    )


def _fresh(visit: Visit) -> Visit:
    """The visit as stored now (a caller's copy may predate another service's change)."""
    return Visit.objects.select_related("team", "premises", "premises__police_force").get(
        pk=visit.pk
    )


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _editable(visit: Visit) -> None:
    if visit.status not in workflows.EDITABLE:
        raise ValidationError(
            f"The visit is {visit.get_status_display().lower()}: the plan can no longer change"
        )


def team_queue(team: Team) -> Queue:
    """The team's operations queue (tasks for named officers), created the first time it is needed."""
    queue, _ = Queue.objects.get_or_create(
        slug=f"{team.slug}-operations"[:80],
        defaults={"name": f"{team.name}: enforcement visits", "team": team},
    )
    return queue


def _authorisation_queue(team: Team) -> Queue:
    """The owning team's authorisation queue, so the team's own authorising officers see the task
    (queues are team-scoped); created the first time the team asks for an authorisation."""
    queue, _ = Queue.objects.get_or_create(
        slug=f"{rules.QUEUE_AUTHORISATION}-{team.slug}"[:80],
        defaults={"name": f"{team.name}: visits awaiting authorisation", "team": team},
    )
    return queue


def _officer_task(
    *,
    actor,
    visit: Visit,
    officer,
    task_type: str,
    title: str,
    dedupe_key: str,
    start: datetime | None = None,
) -> Task:
    task = work.task_create(
        actor=_user(actor),
        task_type=task_type,
        title=title,
        subject=visit,
        queue=team_queue(visit.team),
        start=start,
        dedupe_key=dedupe_key,
    )
    if officer is not None and task.is_active and task.assignee_id is None:
        # An officer from another team: the task stays unassigned in the team's queue.
        with contextlib.suppress(ValidationError):
            work.task_assign(actor=None, task=task, assignee=officer)
    return task


def _complete_tasks(*, actor, prefix: str, outcome: str) -> None:
    for task in Task.objects.filter(dedupe_key__startswith=prefix):
        if task.is_active:
            work.task_complete(actor=_user(actor), task=task, outcome=outcome)


def _subjects_check(actor, subjects: Iterable) -> list:
    subjects = list(subjects or [])
    if actor is not None:
        from waymark.people.selectors import person_visible_queryset

        visible = set(
            person_visible_queryset(actor)
            .filter(pk__in=[p.pk for p in subjects])
            .values_list("pk", flat=True)
        )
        if any(p.pk not in visible for p in subjects):
            raise ValidationError(
                {"subjects": "You may only name people whose records you can see"}
            )
    return subjects


def _reference(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


# ------------------------------------------------------------------------------------------------
# §1 Premises and intelligence


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
        package.status = IntelligenceStatus.ACCEPTED if accept else IntelligenceStatus.REJECTED
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


# ------------------------------------------------------------------------------------------------
# §1 Visits: plan, change, cancel


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
            verb="operations.visit_planned",
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
        actor=actor, prefix=f"ops-authorise-{visit.pk}-v{old_version}", outcome="plan changed"
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
        verb="operations.plan_changed",
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
        current = {
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
            verb="operations.visit_cancelled",
            summary=f"Enforcement visit {visit.reference} cancelled: {reason}",
        )
    return visit


# ------------------------------------------------------------------------------------------------
# §2 Risk assessment, ECIA, PLAN, authorisation


def risk_assessment_record(
    *, actor, visit: Visit, rating: str, rationale: str, risks: Iterable[tuple[str, str]]
) -> RiskAssessment:
    """The enforcement planning assessment: a rating, and at least one risk with its mitigation,
    for every rating (green included). A changed rating is a material change."""
    _require(actor, PLAN, "record a risk assessment")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    if rating not in rules.RATINGS:
        errors["rating"] = "Select the risk rating: green, amber or red"
    rationale = _text(errors, "rationale", rationale, "Enter the reasons for the rating")
    rows = [
        ((r or "").strip(), (m or "").strip())
        for r, m in risks
        if (r or "").strip() or (m or "").strip()
    ]
    if not rows:
        errors["risks"] = (
            "Record at least one identified risk and its mitigation, whatever the rating"
        )
    for risk, mitigation in rows:
        if len(risk) < rules.RISK_MIN_CHARACTERS:
            errors["risks"] = (
                f"Describe each risk in at least {rules.RISK_MIN_CHARACTERS} characters"
            )
        elif len(mitigation) < rules.RISK_MIN_CHARACTERS:
            errors["risks"] = (
                f"Every risk needs a mitigation of at least {rules.RISK_MIN_CHARACTERS} "
                f"characters: “{risk[:40]}” has none"
            )
    _raise(errors)
    with transaction.atomic():
        visit = _locked(visit)
        _editable(visit)
        old_rating = visit.risk_rating
        if old_rating and old_rating != rating:
            _material_change(actor=actor, visit=visit, changed=["risk_rating"])
        assessment = RiskAssessment.objects.create(
            visit=visit,
            plan_version=visit.plan_version,
            rating=rating,
            rationale=rationale,
            assessed_by=actor,
            assessed_at=clock.now(),
        )
        IdentifiedRisk.objects.bulk_create(
            [IdentifiedRisk(assessment=assessment, risk=r, mitigation=m) for r, m in rows]
        )
        visit.risk_rating, visit.updated_at = rating, clock.now()
        visit.save()
        _audit(
            actor=actor,
            verb="operations.risk_assessed",
            target=visit,
            old={"risk_rating": old_rating},
            new={"risk_rating": rating, "risks": len(rows), "assessment": assessment.pk},
        )
    return assessment


def impact_assessment_record(
    *,
    actor,
    visit: Visit,
    groups_affected: str,
    community_tensions: str,
    equality_considerations: str,
    mitigations: str,
) -> ImpactAssessment:
    """The equality and community impact assessment (ECIA), required before a red visit is authorised."""
    _require(actor, PLAN, "record an impact assessment")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    values = {
        "groups_affected": _text(
            errors, "groups_affected", groups_affected, "Enter the groups affected"
        ),
        "community_tensions": _text(
            errors,
            "community_tensions",
            community_tensions,
            "Enter the community tensions considered",
        ),
        "equality_considerations": _text(
            errors,
            "equality_considerations",
            equality_considerations,
            "Enter the equality considerations",
        ),
        "mitigations": _text(errors, "mitigations", mitigations, "Enter the mitigations"),
    }
    _raise(errors)
    with transaction.atomic():
        _editable(visit)
        ecia = ImpactAssessment.objects.create(
            visit=visit, completed_by=actor, completed_at=clock.now(), **values
        )
        _audit(actor=actor, verb="operations.ecia_completed", target=visit, new={"ecia": ecia.pk})
    return ecia


def plan_assessment_record(
    *, actor, visit: Visit, proportionate: str, legal: str, accountable: str, necessary: str
) -> PlanAssessment:
    """The PLAN assessment, a rationale for each letter, for the current plan version."""
    _require(actor, PLAN, "record a PLAN assessment")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    given = {
        "proportionate": proportionate,
        "legal": legal,
        "accountable": accountable,
        "necessary": necessary,
    }
    values = {
        key: _text(errors, key, value, f"Enter why the visit is {label.lower()}")
        for (key, label), value in zip(rules.PLAN_LETTERS.items(), given.values(), strict=True)
    }
    _raise(errors)
    with transaction.atomic():
        _editable(visit)
        plan = PlanAssessment.objects.create(
            visit=visit,
            plan_version=visit.plan_version,
            recorded_by=actor,
            recorded_at=clock.now(),
            **values,
        )
        _audit(
            actor=actor,
            verb="operations.plan_assessed",
            target=visit,
            new={"plan_assessment": plan.pk, "plan_version": visit.plan_version},
        )
    return plan


def authorisation_request(*, actor, visit: Visit) -> Task:
    """Ask for authorisation: a task on the authorisation queue, due at the planned start."""
    _require(actor, PLAN, "ask for authorisation")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    if visit.status != VisitStatus.PLANNING:
        raise ValidationError(
            f"The visit is {visit.get_status_display().lower()}; it cannot be put up for "
            "authorisation"
        )
    if not visit.risk_rating:
        raise ValidationError(
            {"rating": "Complete the enforcement planning assessment (a rating) first"}
        )
    task = work.task_create(
        actor=_user(actor),
        task_type=rules.TASK_AUTHORISE,
        subject=visit,
        title=f"Authorise {visit.reference} ({visit.get_risk_rating_display()}, {visit.premises.business_name})",
        queue=_authorisation_queue(visit.team),
        start=visit.planned_start,
        dedupe_key=f"ops-authorise-{visit.pk}-v{visit.plan_version}",
    )
    _audit(
        actor=actor,
        verb="operations.authorisation_requested",
        target=visit,
        new={"task": task.pk, "plan_version": visit.plan_version},
    )
    return task


def authorisation_problems(visit: Visit, *, grade: str) -> list[str]:
    """Everything that stops a grant at this grade (empty when it may be granted)."""
    problems = []
    problem = rules.authorisation_problem(
        grade=grade,
        rating=visit.risk_rating or None,
        ecia_completed=visit.impact_assessments.exists(),
    )
    if problem:
        problems.append(problem)
    if not visit.plan_assessments.filter(plan_version=visit.plan_version).exists():
        problems.append("The PLAN assessment for the current plan is missing")
    if not visit.community_impact.strip():
        problems.append("The community impact has not been recorded")
    current = visit.risk_assessments.first()
    if visit.risk_rating and (current is None or not current.risks.exists()):
        problems.append("The risk assessment has no identified risks and mitigations")
    return problems


def visit_authorise(*, actor, visit: Visit, granted: bool, reason: str) -> Authorisation:
    """Grant or refuse authorisation for the current plan version. A grant the rules forbid (no
    rating, above one's grade, red without an ECIA, no PLAN assessment, no community impact) raises
    ``ValidationError`` and saves nothing; a refusal is the authoriser's decision, with a reason."""
    _require(actor, AUTHORISE, "authorise visits")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    reason = (reason or "").strip()
    with transaction.atomic():
        visit = _locked(visit)
        if visit.status != VisitStatus.PLANNING:
            raise ValidationError(
                f"The visit is {visit.get_status_display().lower()}: there is nothing to authorise"
            )
        if not reason:
            raise ValidationError({"reason": "Enter the reasons for your decision"})
        if granted:
            problems = authorisation_problems(visit, grade=actor.grade)
            if problems:
                raise ValidationError({"granted": problems})
        elif visit.risk_rating and not rules.may_authorise(
            grade=actor.grade, rating=visit.risk_rating
        ):
            raise ValidationError(
                {
                    "granted": rules.authorisation_problem(
                        grade=actor.grade, rating=visit.risk_rating, ecia_completed=True
                    )
                }
            )
        now = clock.now()
        authorisation = Authorisation.objects.create(
            visit=visit,
            plan_version=visit.plan_version,
            rating=visit.risk_rating or "",
            granted=granted,
            reason=reason,
            decided_by=actor,
            decided_grade=actor.grade,
            decided_at=now,
        )
        if granted:
            _transition(actor=actor, visit=visit, target=VisitStatus.AUTHORISED, why=reason)
            visit.updated_at = now
            visit.save(update_fields=["status", "updated_at"])
        _audit(
            actor=actor,
            verb="operations.visit_authorised" if granted else "operations.authorisation_refused",
            target=authorisation,
            new={
                "visit": visit.reference,
                "granted": granted,
                "reason": reason,
                "grade": actor.grade,
                "rating": visit.risk_rating,
                "plan_version": visit.plan_version,
            },
        )
        _complete_tasks(
            actor=actor,
            prefix=f"ops-authorise-{visit.pk}-v{visit.plan_version}",
            outcome="granted" if granted else "refused",
        )
        _timeline(
            actor=actor,
            visit=visit,
            verb="operations.authorisation",
            summary=f"Enforcement visit {visit.reference} {'authorised' if granted else 'refused'}",
        )
    return authorisation


# ------------------------------------------------------------------------------------------------
# §3 Mandatory checks and police notification


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
        _complete_tasks(actor=actor, prefix=f"ops-onf-{form.pk}", outcome="answered")
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


# ------------------------------------------------------------------------------------------------
# §4 Reconnaissance


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


# ------------------------------------------------------------------------------------------------
# §5 Command, order, briefing


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
        _editable(visit)
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


# ------------------------------------------------------------------------------------------------
# Deployment


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
            verb="operations.visit_deployed",
            summary=f"Enforcement visit {visit.reference} deployed",
        )
    return visit
