"""Registrations with the platform: role permissions, navigation, task types and deadlines."""

from __future__ import annotations

import contextlib


def _safely(register, *args) -> None:
    with contextlib.suppress(ValueError):
        register(*args)


def roles_register() -> None:
    from waymark.accounts.roles import register_role_permissions

    everything = {"linkage.import_records", "linkage.link_records", "linkage.review_links"}
    register_role_permissions("records_manager", everything)
    # Assurance sees the runs and their measured accuracy, and the review queue, but decides nothing.
    register_role_permissions("assurance", {"linkage.link_records"})
    # Not the system administrator: linkage pages show police and legacy records (names, dates of
    # birth, nationalities, postcodes) that only the people doing linkage need (issue 14 item 10).


def nav_register() -> None:
    from waymark.core.navigation import NavItem, register_nav

    register_nav(NavItem("Record linkage", "linkage:home", "linkage.link_records", 70))
    from waymark.people.tabs import PersonTab, register_person_tab

    register_person_tab(
        PersonTab("linkage", "Linked records", "linkage:person", "linkage.link_records", 60)
    )


def task_types_register() -> None:
    from waymark.linkage import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import WorkingDays, register_deadline_rule

    _safely(
        register_deadline_rule,
        rules.DEADLINE_REVIEW_PAIR,
        WorkingDays(rules.REVIEW_PAIR_WORKING_DAYS),
    )
    _safely(
        register_deadline_rule,
        rules.DEADLINE_BULK_MATCH,
        WorkingDays(rules.BULK_MATCH_REVIEW_WORKING_DAYS),
    )
    _safely(
        register_deadline_rule,
        rules.DEADLINE_NEW_CRIMINALITY,
        WorkingDays(rules.NEW_CRIMINALITY_WORKING_DAYS),
    )
    for key, label, queue, deadline in [
        (
            rules.TASK_REVIEW_PAIR,
            "Decide whether two records are the same person",
            rules.QUEUE_REVIEW,
            rules.DEADLINE_REVIEW_PAIR,
        ),
        (
            rules.TASK_REVIEW_BULK_MATCH,
            "Review a possible police record match",
            rules.QUEUE_BULK_CHECK,
            rules.DEADLINE_BULK_MATCH,
        ),
        (
            rules.TASK_NEW_CRIMINALITY,
            "Act on criminality not previously known",
            "",
            rules.DEADLINE_NEW_CRIMINALITY,
        ),
    ]:
        _safely(register_task_type, TaskType(key, label, "linkage", queue, deadline))
