"""Measuring data quality (issue 20 item 4): every registered rule is checked, its score stored
for the day (for every team, and for each team), its failing records kept as a capped sample,
and each kept record with a team turned into a task on that team's data-quality queue, assigned
to its owner where the module names one. Run by the daily sweep (``actor=None``) or by someone
with ``oversight.measure_data_quality``; one audit entry per run."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.data_quality import DataQualityRule, data_quality_rule, data_quality_rules, score
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import DataQualityFailure, DataQualityScore


def _measure_rule(*, actor: Actor, rule: DataQualityRule, today, now) -> dict:
    from django.contrib.auth import get_user_model

    from waymark.accounts.models import Team
    from waymark.work import services as work

    check = rule.check_fn()
    failing_by_team: dict[int | None, int] = {}
    for record in check.failing:
        failing_by_team[record.team_id] = failing_by_team.get(record.team_id, 0) + 1
    DataQualityScore.objects.filter(rule_key=rule.key, measured_on=today).delete()
    DataQualityFailure.objects.filter(rule_key=rule.key, measured_on=today).delete()
    total_checked, total_failing = check.checked_total, len(check.failing)
    total_score = score(total_checked, total_failing)
    rows = [
        DataQualityScore(
            rule_key=rule.key,
            module=rule.module,
            dimension=rule.dimension,
            measured_on=today,
            measured_at=now,
            team=None,
            checked=total_checked,
            failing=total_failing,
            score=total_score,
            state=rule.state(total_score),
        )
    ]
    team_ids = {t for t in set(check.checked) | set(failing_by_team) if t is not None}
    teams = Team.objects.in_bulk(team_ids)
    for team_id in sorted(team_ids):
        checked = check.checked.get(team_id, 0)
        failing = failing_by_team.get(team_id, 0)
        team_score = score(max(checked, failing), failing)
        rows.append(
            DataQualityScore(
                rule_key=rule.key,
                module=rule.module,
                dimension=rule.dimension,
                measured_on=today,
                measured_at=now,
                team=teams.get(team_id),
                checked=checked,
                failing=failing,
                score=team_score,
                state=rule.state(team_score),
            )
        )
    DataQualityScore.objects.bulk_create(rows)
    sample = sorted(check.failing, key=lambda r: r.key)[: rules.DATA_QUALITY_SAMPLE_CAP]
    owners = get_user_model().objects.in_bulk({r.owner_id for r in sample if r.owner_id})
    kept, tasks = [], 0
    for record in sample:
        team = teams.get(record.team_id) if record.team_id else None
        task = None
        if team is not None:
            task = _task(work, actor, rule, record, team, owners)
            tasks += 1
        kept.append(
            DataQualityFailure(
                rule_key=rule.key,
                measured_on=today,
                record_key=record.key[:120],
                label=record.label[:300],
                person_id=record.person_id,
                team=team,
                owner=owners.get(record.owner_id) if record.owner_id else None,
                task=task,
            )
        )
    DataQualityFailure.objects.bulk_create(kept)
    resolved = _tasks_resolve(actor=actor, rule=rule, failing={r.key for r in check.failing})
    return {
        "checked": total_checked,
        "failing": total_failing,
        "state": rows[0].state,
        "tasks": tasks,
        "resolved": resolved,
    }


def _tasks_resolve(*, actor: Actor, rule: DataQualityRule, failing: set[str]) -> int:
    """Complete the rule's open tasks whose record no longer fails it."""
    from waymark.work import selectors as work_selectors
    from waymark.work import services as work

    prefix = f"oversight.dq:{rule.key}:"
    done = 0
    for task in work_selectors.tasks_for(
        dedupe_prefix=prefix, task_types=[rules.DATA_QUALITY_TASK_TYPE]
    ):
        if (task.dedupe_key or "").removeprefix(prefix) not in failing:
            work.task_complete(
                actor=actor,
                task=task,
                outcome="put right",
                note="The record passes the data-quality rule at the latest measurement",
            )
            done += 1
    return done


def _task(work, actor, rule, record, team, owners):
    from waymark.people.models import Person

    person = Person.objects.filter(pk=record.person_id).first() if record.person_id else None
    owner = owners.get(record.owner_id) if record.owner_id else None
    return work.task_create(
        actor=actor,
        task_type=rules.DATA_QUALITY_TASK_TYPE,
        title=f"Put right: {record.label}"[:200],
        person=person,
        queue=work.queue_for(team=team, kind=rules.DATA_QUALITY_QUEUE_KIND),
        description=f"Data-quality rule: {rule.label}. {rule.description}"[:2000],
        dedupe_key=f"oversight.dq:{rule.key}:{record.key}"[:200],
        assignee=owner,
    )


def data_quality_measure(*, actor: Actor, rule_keys: list[str] | None = None) -> dict[str, dict]:
    """Measure the named rules (every rule by default) for today; returns each rule's result."""
    if actor is not None and not actor.has_perm(perms.MEASURE_DATA_QUALITY):
        raise PermissionDenied("You do not have permission to measure data quality")
    chosen = data_quality_rules()
    if rule_keys:
        named = [data_quality_rule(k) for k in rule_keys]
        chosen = [r for r in named if r is not None]
        if len(chosen) != len(named):
            raise ValidationError({"rule": "There is no data-quality rule by that name"})
    today, now = clock.today(), clock.now()
    results = {}
    with transaction.atomic():
        for rule in chosen:
            results[rule.key] = _measure_rule(actor=actor, rule=rule, today=today, now=now)
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.data_quality_measured",
            payload={"measured_on": today.isoformat(), "rules": results},
        )
    return results


def data_quality_sweep() -> dict[str, dict]:
    """The daily sweep: every rule, by the system. Idempotent within a day (it replaces the day's
    measurement; a task already raised for a record is found by its dedupe key)."""
    return data_quality_measure(actor=None)
