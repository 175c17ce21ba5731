"""The task-type registry: every kind of work, which queue it lands in and how it is timed.

Modules add their own types from ``registrations.py`` with ``register_task_type``. A type names
its default queue (by slug), its deadline rule (a name in ``waymark.work.rules``, or "" for none),
the permission needed to take it with "get next", and optionally a priority rule: a callable that
receives the unsaved task and returns ``(priority, reason)``; higher is more urgent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from waymark.work import rules

PriorityRule = Callable[[Any], tuple[int, str]]


@dataclass(frozen=True)
class TaskType:
    key: str
    label: str
    module: str
    queue_slug: str  # "" means the caller always names the queue
    deadline_rule: str = ""  # "" means no deadline unless the caller sets one
    take_permission: str = "work.take_tasks"
    priority: PriorityRule | None = None
    # The step key of the type's guidance page (``waymark.guidance``), e.g. "operations.debrief";
    # the guidance hub's link check reports one that leads to a missing or withdrawn page.
    guidance: str = ""


_TYPES: dict[str, TaskType] = {}


def register_task_type(task_type: TaskType) -> TaskType:
    """Add a type. The same definition again is harmless; a different one under a key already
    taken raises ``ValueError``."""
    existing = _TYPES.get(task_type.key)
    if existing is not None and existing != task_type:
        raise ValueError(f"Task type {task_type.key!r} is already registered by {existing.module}")
    _TYPES[task_type.key] = task_type
    return task_type


def get_task_type(key: str) -> TaskType:
    try:
        return _TYPES[key]
    except KeyError:
        raise KeyError(f"No task type {key!r} is registered") from None


def task_type_label(key: str) -> str:
    found = _TYPES.get(key)
    return found.label if found else key.replace("_", " ").replace(".", ": ").capitalize()


def task_types() -> list[TaskType]:
    return sorted(_TYPES.values(), key=lambda t: t.label)


# ------------------------------------------------------------------------------------------------
# Competence that gates work (issue 20 item 2; docs/decisions/0016-competence-gate.md)


@dataclass(frozen=True)
class CompetenceKind:
    """A competence a person may be signed off for, e.g. ``nrm_decision_maker``."""

    key: str
    label: str
    description: str = ""


_COMPETENCES: dict[str, CompetenceKind] = {}
_REQUIRED: dict[str, str] = {}  # task type key -> competence key


def register_competence(kind: CompetenceKind) -> CompetenceKind:
    """Add a competence. The same again is harmless; a different one under a key taken raises."""
    existing = _COMPETENCES.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"Competence {kind.key!r} is already registered differently")
    _COMPETENCES[kind.key] = kind
    return kind


def require_competence(task_type_key: str, competence_key: str) -> None:
    """Declare that ``task_type_key``'s tasks need ``competence_key``: get next and allocation
    never give one to a person without a valid record of it. The same again is harmless; a
    different competence for a type already gated raises ``ValueError``."""
    if competence_key not in _COMPETENCES:
        raise ValueError(f"No competence {competence_key!r} is registered")
    existing = _REQUIRED.get(task_type_key)
    if existing is not None and existing != competence_key:
        raise ValueError(f"Task type {task_type_key!r} already needs competence {existing!r}")
    _REQUIRED[task_type_key] = competence_key


def competence_required(task_type_key: str) -> str:
    """The competence ``task_type_key`` needs, or "" when it needs none."""
    return _REQUIRED.get(task_type_key, "")


def competence_requirements() -> dict[str, str]:
    """Every gated task type and the competence it needs."""
    return dict(_REQUIRED)


def competences() -> list[CompetenceKind]:
    return sorted(_COMPETENCES.values(), key=lambda k: k.label)


def competence_label(key: str) -> str:
    found = _COMPETENCES.get(key)
    return found.label if found else key.replace("_", " ").capitalize()


def platform_competences_register() -> None:
    register_competence(
        CompetenceKind(
            rules.COMPETENCE_ASSESSOR,
            "Competence assessor (trainer)",
            "Trained to train and assess, and signed off to sign off others (002 rec 2a)",
        )
    )


# ------------------------------------------------------------------------------------------------
# The platform's own task types


def _ownership_priority(task: Any) -> tuple[int, str]:
    return (
        OWNERSHIP_TO_DECIDE_PRIORITY,
        "A person with no clear owner is a data-quality failure (001 §3.11, §6.10)",
    )


# Ownership gaps outrank routine correspondence (priority 0): nobody is acting on the person.
OWNERSHIP_TO_DECIDE_PRIORITY = 50

GENERAL_ENQUIRY = TaskType(
    "general.enquiry",
    "Reply to a general enquiry",
    "work",
    "correspondence",
    rules.DEADLINE_RULE_GENERAL_ENQUIRY,
)
MATCH_NEEDED = TaskType(
    "correspondence.match_needed",
    "Match correspondence to a person",
    "work",
    "correspondence-match-needed",
    rules.DEADLINE_RULE_GENERAL_ENQUIRY,
)
OWNERSHIP_TO_DECIDE = TaskType(
    "person.ownership_to_decide",
    "Decide who owns this person's case",
    "work",
    "ownership-to-decide",
    "",
    priority=_ownership_priority,
)
FOLLOW_UP = TaskType("general.follow_up", "Follow up", "work", "")


def platform_task_types_register() -> None:
    for task_type in (GENERAL_ENQUIRY, MATCH_NEEDED, OWNERSHIP_TO_DECIDE, FOLLOW_UP):
        register_task_type(task_type)


# ------------------------------------------------------------------------------------------------
# What a task is about: the page of its subject


@dataclass(frozen=True)
class SubjectLink:
    """Where a task's subject lives: ``url_name`` reversed with the subject's id. Modules register
    one per kind of subject in ``registrations.py``; the task page links "Open the breach"."""

    subject_type: str  # the model's label_lower, e.g. "monitoring.breach"
    label: str  # what the link says, e.g. "Open the breach"
    url_name: str


_SUBJECT_LINKS: dict[str, SubjectLink] = {}


def register_subject_link(link: SubjectLink) -> SubjectLink:
    """Add a subject's page. The same again is harmless; a different one for a subject type
    already registered raises ``ValueError``."""
    existing = _SUBJECT_LINKS.get(link.subject_type)
    if existing is not None and existing != link:
        raise ValueError(f"A page for {link.subject_type!r} is already registered")
    _SUBJECT_LINKS[link.subject_type] = link
    return link


def subject_link(subject_type: str, subject_id: str) -> tuple[str, str] | None:
    """(label, url) of a task's subject page, or None when no module registered one."""
    from django.urls import NoReverseMatch, reverse

    link = _SUBJECT_LINKS.get(subject_type)
    if link is None or not subject_id:
        return None
    try:
        return link.label, reverse(link.url_name, args=[subject_id])
    except NoReverseMatch:
        return None
