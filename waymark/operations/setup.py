"""Registrations with the platform: task types, deadline rules, sweeps and visibility rules."""

from __future__ import annotations

import contextlib


def _safely(register, *args) -> None:
    with contextlib.suppress(ValueError):
        register(*args)


def task_types_register() -> None:
    """Task types and deadline rules for the planning steps (brief operations.md §1-§5, §7)."""
    from waymark.operations import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import CalendarHours, register_deadline_rule

    hours = int(rules.ONF_POLICE_RESPONSE.total_seconds() // 3600)
    _safely(register_deadline_rule, rules.DEADLINE_ONF_RESPONSE, CalendarHours(hours))
    _safely(
        register_deadline_rule,
        rules.DEADLINE_CLOSURE,
        CalendarHours(int(rules.CLOSURE_DUE.total_seconds() // 3600)),
    )
    _safely(register_deadline_rule, rules.DEADLINE_BEFORE_VISIT, CalendarHours(0))
    types = [
        (
            rules.TASK_AUTHORISE,
            "Authorise an enforcement visit",
            rules.QUEUE_AUTHORISATION,
            rules.DEADLINE_BEFORE_VISIT,
        ),
        (
            rules.TASK_ONF_CHASE,
            "Chase the police for the operational notification form (72 hours)",
            "",
            rules.DEADLINE_ONF_RESPONSE,
        ),
        (
            rules.TASK_BRIEFING,
            "Accept the briefing for an enforcement visit",
            "",
            rules.DEADLINE_BEFORE_VISIT,
        ),
        (rules.TASK_CLOSE, "Close the enforcement visit (48 hours)", "", rules.DEADLINE_CLOSURE),
        (rules.TASK_INTELLIGENCE, "Assess an intelligence package", "", ""),
        (
            rules.TASK_PLAN_CHANGED,
            "The plan changed materially: re-authorise and re-brief",
            "",
            rules.DEADLINE_BEFORE_VISIT,
        ),
    ]
    for key, label, queue_slug, deadline_rule in types:
        _safely(register_task_type, TaskType(key, label, "operations", queue_slug, deadline_rule))


def visibility_register() -> None:
    """Widen person visibility for officers who encountered someone on a visit (selectors)."""
