"""Objectives linked to service priorities (issue 20 item 2; 000 §3.10, §5.76; 002 rec 3b):
set and edit (a manager of the team, or a performance analyst), measured against the figure's one
definition in the metric registry (``core.metrics``) or as the owner reports it, red/amber/green
by ``rules.objective_rag``, a history of one measurement a month, and the owner's updates; at the
period's end, closed with its outcome and what was achieved, or carried over into a new objective
for the next period (``objective_close``, ``objective_carry_over``). A closed objective is
history: it is not edited, measured or updated.

Every refusal is a ``ValidationError`` naming the field, with nothing saved; every write audited.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.metrics import metric, metrics
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    MetricSnapshot,
    Objective,
    ObjectiveMeasurement,
    ObjectiveOutcome,
    ObjectiveStatus,
    ObjectiveUpdate,
    ServicePriority,
)
from waymark.oversight.objective_priorities import PRIORITIES
from waymark.oversight.services.qa_common import TEXT_MAX, _audit
from waymark.oversight.workflows import OBJECTIVE_WORKFLOW

logger = logging.getLogger(__name__)

FIELDS = (
    "priority",
    "title",
    "team",
    "person",
    "owner",
    "period_start",
    "period_end",
    "metric_key",
    "measure_label",
    "target",
    "higher_is_better",
)


def priorities_seed() -> int:
    """Add the service priorities not yet present (idempotent); how many were added."""
    added = 0
    for key, title, description, source, metric_key in PRIORITIES:
        _, made = ServicePriority.objects.get_or_create(
            key=key,
            defaults={
                "title": title,
                "description": description,
                "source": source,
                "metric_key": metric_key,
            },
        )
        added += made
    return added


def _snapshot(objective: Objective) -> dict[str, Any]:
    return {
        "priority": objective.priority_id,
        "title": objective.title,
        "team": objective.team_id,
        "person": objective.person_id,
        "owner": objective.owner_id,
        "period_start": objective.period_start.isoformat(),
        "period_end": objective.period_end.isoformat(),
        "metric_key": objective.metric_key,
        "measure_label": objective.measure_label,
        "target": objective.target,
        "higher_is_better": objective.higher_is_better,
    }


def _clean(*, actor, data: dict[str, Any]) -> dict[str, Any]:
    """Check what an objective is set to; raise a ValidationError per field, or return it."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    users = get_user_model().objects.filter(is_active=True, is_machine=False)
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "Enter the objective"
    out["title"] = title[:200]
    priority = data.get("priority")
    if not isinstance(priority, ServicePriority):
        priority = (
            ServicePriority.objects.filter(pk=priority, is_active=True).first()
            if isinstance(priority, int)
            else None
        )
    if priority is None:
        errors["priority"] = "Select the service priority it serves"
    out["priority"] = priority
    team = data.get("team")
    if team is not None and not isinstance(team, Team):
        team = Team.objects.filter(pk=team).first()
    if team is None:
        errors["team"] = "Select the team"
    elif not perms.may_manage_team_objectives(actor, team.pk):
        errors["team"] = f"You can only set objectives for a team you manage, not {team.name}"
    out["team"] = team
    person = data.get("person")
    if person is not None and not hasattr(person, "pk"):
        person = users.filter(pk=person).first() if person else None
    if person is not None and team is not None and not person.teams.filter(pk=team.pk).exists():
        errors["person"] = f"{person.display_name} is not a member of {team.name}"
    out["person"] = person
    owner = data.get("owner")
    if owner is not None and not hasattr(owner, "pk"):
        owner = users.filter(pk=owner).first() if owner else None
    out["owner"] = owner or person or actor
    start, end = data.get("period_start"), data.get("period_end")
    if not isinstance(start, date):
        errors["period_start"] = "Enter the date the period starts"
    if not isinstance(end, date):
        errors["period_end"] = "Enter the date the period ends"
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors["period_end"] = "The period must end on or after the day it starts"
        elif (end - start).days + 1 > rules.OBJECTIVE_MAX_PERIOD_DAYS:
            errors["period_end"] = (
                f"An objective covers at most {rules.OBJECTIVE_MAX_PERIOD_DAYS} days"
            )
    out["period_start"], out["period_end"] = start, end
    target = data.get("target")
    if target is None or isinstance(target, bool) or not isinstance(target, int | float):
        errors["target"] = "Enter the target as a number"
    out["target"] = float(target) if isinstance(target, int | float) else None
    key = (data.get("metric_key") or "").strip()
    label = (data.get("measure_label") or "").strip()[:200]
    higher = data.get("higher_is_better")
    if key:
        if key not in metrics():
            errors["metric_key"] = "Select a figure from the list"
        else:
            figure = metric(key)
            if figure.higher_is_better is None:
                errors["metric_key"] = (
                    f"'{figure.name}' is a workload count with no better direction: "
                    "choose a figure that has one"
                )
            else:
                higher = figure.higher_is_better
                label = ""
    elif not label:
        errors["measure_label"] = "Select a figure, or say what is measured"
    elif higher is None:
        errors["higher_is_better"] = "Say whether a higher value is better"
    out["metric_key"], out["measure_label"] = key, label
    out["higher_is_better"] = bool(higher)
    if errors:
        raise ValidationError(errors)
    return out


def objective_create(*, actor, **data) -> Objective:
    """Set an objective for a team, or a person in it, that the actor manages."""
    if actor is None or not actor.has_perm(perms.OBJECTIVES_MANAGE):
        raise PermissionDenied("Your role does not allow you to set objectives")
    values = _clean(actor=actor, data=data)
    with transaction.atomic():
        objective = Objective.objects.create(**values, created_at=clock.now(), created_by=actor)
        _audit(
            actor=actor,
            verb="oversight.objective_set",
            target=objective,
            payload={"new": _snapshot(objective)},
        )
        objective_backfill(actor=actor, objective=objective)
    return objective


def objective_backfill(*, actor, objective: Objective) -> int:
    """Fill the past months of the objective's period that have no measurement from the registered
    figure's daily snapshots (``MetricSnapshot``: the last one taken in each month, the team's
    where the figure splits by team), so an objective set part-way through a year shows its
    history at once. A personal objective on a figure split by person has no snapshots of its own
    and is not backfilled; neither is the current month (the sweep measures it). Returns the
    months filled."""
    if not objective.metric_key or objective.metric_key not in metrics():
        return 0
    figure = metric(objective.metric_key)
    if objective.person_id is not None and figure.by_person:
        return 0
    this_month = clock.today().replace(day=1)
    end = min(objective.period_end, this_month - timedelta(days=1))
    if end < objective.period_start:
        return 0
    team = objective.team if figure.by_team else None
    snapshots = MetricSnapshot.objects.filter(
        metric_key=objective.metric_key,
        team=team,
        day__gte=objective.period_start,
        day__lte=end,
        value__isnull=False,
    ).order_by("day")
    last_of_month: dict[date, MetricSnapshot] = {}
    for snap in snapshots:
        last_of_month[snap.day.replace(day=1)] = snap  # ordered by day: the month's last wins
    done = set(objective.measurements.values_list("month", flat=True))
    filled = 0
    for month, snap in sorted(last_of_month.items()):
        if month in done or snap.value is None:
            continue
        _record(actor=actor, objective=objective, actual=snap.value, source="snapshot", on=snap.day)
        filled += 1
    return filled


def objective_edit(*, actor, objective: Objective, **data) -> Objective:
    """Change an objective; the actor must manage its team (and the team it moves to). The RAG
    history keeps the target each month was measured against."""
    if not perms.may_manage_team_objectives(actor, objective.team_id):
        raise PermissionDenied("You can only edit objectives for a team you manage")
    _refuse_closed(objective, "changed")
    values = _clean(actor=actor, data=data)
    with transaction.atomic():
        locked = Objective.objects.select_for_update().get(pk=objective.pk)
        _refuse_closed(locked, "changed")
        old = _snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.updated_at = clock.now()
        locked.save()
        _audit(
            actor=actor,
            verb="oversight.objective_edited",
            target=locked,
            payload={"old": old, "new": _snapshot(locked)},
        )
    return locked


def _record(
    *, actor, objective: Objective, actual: float, source: str, on: date
) -> ObjectiveMeasurement:
    month = on.replace(day=1)
    rag = rules.objective_rag(
        actual=actual, target=objective.target, higher_is_better=objective.higher_is_better
    )
    row, _ = ObjectiveMeasurement.objects.update_or_create(
        objective=objective,
        month=month,
        defaults={
            "measured_at": clock.now(),
            "actual": actual,
            "target": objective.target,
            "rag": rag,
            "source": source,
            "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    _audit(
        actor=actor,
        verb="oversight.objective_measured",
        target=objective,
        payload={"month": month.isoformat(), "actual": actual, "rag": rag, "source": source},
    )
    return row


def objective_figure_value(objective: Objective) -> float | None:
    """The registered figure's value now: for a personal objective the person's own share where
    the figure splits by person (within the team where it also splits by team), else the team's
    where it splits by team, else the whole service's; None when it has nothing to count or the
    objective has no figure."""
    if not objective.metric_key or objective.metric_key not in metrics():
        return None
    figure = metric(objective.metric_key)
    team = objective.team if figure.by_team else None
    if objective.person_id is not None and figure.by_person:
        value = figure.value(team, person=objective.person)
    else:
        value = figure.value(team)
    return None if value is None else float(value)


def objective_measure(
    *, actor, objective: Objective, on: date | None = None
) -> ObjectiveMeasurement | None:
    """Record this month's actual value and RAG from the registered figure (again this month
    replaces the month). None when the objective has no figure, is outside its period, or the
    figure has nothing to count."""
    if actor is not None and not perms.may_manage_team_objectives(actor, objective.team_id):
        raise PermissionDenied("You can only measure objectives for a team you manage")
    on = on or clock.today()
    if objective.status == ObjectiveStatus.CLOSED:
        return None
    if not (objective.period_start <= on <= objective.period_end):
        return None
    value = objective_figure_value(objective)
    if value is None:
        return None
    with transaction.atomic():
        return _record(actor=actor, objective=objective, actual=value, source="metric", on=on)


def objective_update_post(
    *, actor, objective: Objective, text: str, actual: float | None = None
) -> ObjectiveUpdate:
    """A dated comment by the owner (or the person, or a manager of the team). For a measure that
    is not a registered figure, ``actual`` reports this month's value and records its RAG."""
    if not perms.may_post_objective_update(actor, objective):
        raise PermissionDenied("Only the objective's owner or a manager of its team may update it")
    _refuse_closed(objective, "updated", field="text")
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = "Enter the update"
    elif len(text) > TEXT_MAX:
        errors["text"] = f"The update must be {TEXT_MAX:,} characters or fewer"
    if actual is not None and objective.metric_key:
        errors["actual"] = (
            "This objective is measured by a registered figure: its value is not reported by hand"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        update = ObjectiveUpdate.objects.create(
            objective=objective, author=actor, posted_at=clock.now(), text=text, actual=actual
        )
        _audit(
            actor=actor,
            verb="oversight.objective_update_posted",
            target=objective,
            payload={"update": update.pk, "actual": actual},
        )
        if actual is not None:
            _record(
                actor=actor, objective=objective, actual=actual, source="owner", on=clock.today()
            )
    return update


def objectives_measure_sweep() -> int:
    """The ``oversight.objectives_measure`` sweep: every objective in its period with a
    registered figure gets this month's measurement (replaced on each run, so the month's row is
    its latest value). A figure that fails is logged and left for the next run."""
    today = clock.today()
    done = 0
    for objective in (
        Objective.objects.filter(
            period_start__lte=today, period_end__gte=today, status=ObjectiveStatus.OPEN
        )
        .exclude(metric_key="")
        .select_related("team")
    ):
        try:
            with transaction.atomic():
                done += objective_measure(actor=None, objective=objective, on=today) is not None
        except Exception:  # one figure's failure must not stop the others
            logger.exception("Objective %s could not be measured", objective.pk)
    return done


# ------------------------------------------------------------------------------------------------
# Closing and carrying over


def _refuse_closed(objective: Objective, doing: str, field: str = "__all__") -> None:
    if objective.status == ObjectiveStatus.CLOSED:
        raise ValidationError(
            {
                field: f"This objective was closed ({objective.get_outcome_display().lower()}): "
                f"it cannot be {doing}"
            }
        )


def _note(text: str | None, field: str, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: missing})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: f"It must be {TEXT_MAX:,} characters or fewer"})
    return text


def _close(*, actor, locked: Objective, outcome: str, note: str) -> None:
    """Move ``locked`` (an open objective, row-locked) to closed with its final measurement."""
    latest = locked.measurements.order_by("-month").first()
    OBJECTIVE_WORKFLOW.move(locked, ObjectiveStatus.CLOSED)
    locked.outcome = outcome
    locked.closing_note = note
    locked.closed_at = clock.now()
    locked.closed_by = actor
    locked.final_actual = latest.actual if latest else None
    locked.final_rag = latest.rag if latest else ""
    locked.save()


CLOSING_OUTCOMES = (
    ObjectiveOutcome.MET,
    ObjectiveOutcome.PARTLY_MET,
    ObjectiveOutcome.NOT_MET,
    ObjectiveOutcome.WITHDRAWN,
)


def objective_close(*, actor, objective: Objective, outcome: str, note: str) -> Objective:
    """Close an open objective with its outcome (met, partly met, not met) and what was achieved,
    from the last day of its period; or withdraw it at any time, saying why. Its last measurement
    is kept as its final value and rating. A manager of its team only."""
    if not perms.may_manage_team_objectives(actor, objective.team_id):
        raise PermissionDenied("You can only close objectives for a team you manage")
    _refuse_closed(objective, "closed again", field="outcome")
    if outcome not in CLOSING_OUTCOMES:
        raise ValidationError({"outcome": "Select the outcome"})
    note = _note(
        note,
        "note",
        "Say why it is withdrawn"
        if outcome == ObjectiveOutcome.WITHDRAWN
        else "Say what was achieved",
    )
    today = clock.today()
    if outcome != ObjectiveOutcome.WITHDRAWN and today < objective.period_end:
        raise ValidationError(
            {
                "outcome": "Its period has not ended: record the outcome from "
                f"{objective.period_end:%-d %B %Y}, or withdraw it now"
            }
        )
    with transaction.atomic():
        locked = Objective.objects.select_for_update().get(pk=objective.pk)
        _refuse_closed(locked, "closed again", field="outcome")
        _close(actor=actor, locked=locked, outcome=outcome, note=note)
        _audit(
            actor=actor,
            verb="oversight.objective_closed",
            target=locked,
            payload={
                "outcome": outcome,
                "final_actual": locked.final_actual,
                "final_rag": locked.final_rag,
            },
        )
    return locked


def objective_carry_over(
    *,
    actor,
    objective: Objective,
    period_end: date | None,
    target: float | None,
    reason: str,
) -> Objective:
    """Carry an open objective into the next period: a new objective with the same priority,
    team, person, owner and measure, starting the day after this one ends, to ``period_end``
    with ``target``; this one is closed as carried over, with the reason. Allowed from
    ``rules.OBJECTIVE_CARRY_OVER_WINDOW_DAYS`` before its period ends. A manager of its team."""
    if not perms.may_manage_team_objectives(actor, objective.team_id):
        raise PermissionDenied("You can only carry over objectives for a team you manage")
    _refuse_closed(objective, "carried over", field="period_end")
    window = rules.OBJECTIVE_CARRY_OVER_WINDOW_DAYS
    opens = objective.period_end - timedelta(days=window)
    errors: dict[str, str] = {}
    if clock.today() < opens:
        errors["period_end"] = (
            f"It can be carried over from {opens:%-d %B %Y}, {window} days before its period ends"
        )
    try:
        reason = _note(reason, "reason", "Say why it is carried over")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if isinstance(target, bool) or not isinstance(target, int | float):
        errors["target"] = "Enter the target as a number"
        target = 0.0
    if not isinstance(period_end, date):
        errors["period_end"] = errors.get("period_end") or "Enter the date the new period ends"
    if errors:
        raise ValidationError(errors)
    data = {name: getattr(objective, name) for name in FIELDS}
    data.update(
        period_start=objective.period_end + timedelta(days=1),
        period_end=period_end,
        target=float(target),
    )
    if objective.metric_key:
        data["measure_label"] = ""
    values = _clean(actor=actor, data=data)
    with transaction.atomic():
        locked = Objective.objects.select_for_update().get(pk=objective.pk)
        _refuse_closed(locked, "carried over", field="period_end")
        successor = Objective.objects.create(
            **values, created_at=clock.now(), created_by=actor, carried_from=locked
        )
        _close(actor=actor, locked=locked, outcome=ObjectiveOutcome.CARRIED_OVER, note=reason)
        _audit(
            actor=actor,
            verb="oversight.objective_carried_over",
            target=locked,
            payload={"successor": successor.pk, "final_rag": locked.final_rag},
        )
        _audit(
            actor=actor,
            verb="oversight.objective_set",
            target=successor,
            payload={"new": _snapshot(successor), "carried_from": locked.pk},
        )
    return successor
