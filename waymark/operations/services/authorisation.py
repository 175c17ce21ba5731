"""Asking for and deciding authorisation. The decision locks the visit row, so two officers
acting at once cannot both succeed on a stale plan (brief operations.md §4)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from waymark.core import clock
from waymark.core.notifications import notify
from waymark.operations import rules
from waymark.operations.models import (
    Authorisation,
    Visit,
    VisitStatus,
)
from waymark.operations.services._common import (
    AUTHORISE,
    PLAN,
    _audit,
    _authorisation_queue,
    _complete_tasks,
    _fresh,
    _locked,
    _require,
    _require_visible,
    _timeline,
    _transition,
    _user,
)
from waymark.work import services as work
from waymark.work.models import Task


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
            verb="operations.authorisation_granted"
            if granted
            else "operations.authorisation_refused",
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
        decision = "granted" if granted else "refused"
        for person in {visit.created_by, visit.officer_in_charge} - {None, actor}:
            notify(
                user=person,
                text=f"Authorisation {decision} for visit {visit.reference} by {actor.display_name}",
                url=reverse("operations:visit", args=[visit.pk]),
                kind="decision",
            )
        _complete_tasks(
            actor=actor,
            key=f"ops-authorise-{visit.pk}-v{visit.plan_version}",
            outcome="granted" if granted else "refused",
        )
        _timeline(
            actor=actor,
            visit=visit,
            event_type="operations.authorisation",
            summary=f"Enforcement visit {visit.reference} {'authorised' if granted else 'refused'}",
        )
    return authorisation
