"""What correspondence tells the platform at start-up (called from
``CorrespondenceConfig.ready``): its navigation entry, the permission to register correspondence
for every role that may read it, and its task types with the pre-action deadline rule. The general
enquiry and "match needed" task types are the platform's own (``waymark.work.registry``)."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "correspondence.category_changed": AuditAction.ALTERATION,
    "correspondence.copy_received": AuditAction.COLLECTION,
    "correspondence.matched": AuditAction.ALTERATION,
    "correspondence.no_person_needed": AuditAction.ALTERATION,
    "correspondence.registered": AuditAction.COLLECTION,
}


def register() -> None:
    from waymark.accounts.roles import ROLES, register_role_permissions
    from waymark.core.navigation import NavItem, register_nav
    from waymark.correspondence.permissions import ADD_CORRESPONDENCE, VIEW_CORRESPONDENCE

    register_nav(
        NavItem(
            "Correspondence",
            "correspondence:match-queue",
            VIEW_CORRESPONDENCE,
            50,
        )
    )
    # Whoever may read correspondence may also register a posted letter or an .eml file.
    for key, role in list(ROLES.items()):
        if VIEW_CORRESPONDENCE in role.permissions:
            register_role_permissions(key, {ADD_CORRESPONDENCE})
    task_types_register()


def task_types_register() -> None:
    """Our task types and their deadline rules, in the work registry (platform contracts)."""
    from waymark.correspondence import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import CalendarHours, register_deadline_rule

    register_deadline_rule(
        rules.DEADLINE_RULE_PRE_ACTION, CalendarHours(rules.PRE_ACTION_RESPONSE_DAYS * 24)
    )
    types = [
        (
            rules.TASK_LEGAL_REPRESENTATIONS,
            "Respond to legal representations",
            rules.CORRESPONDENCE_QUEUE_SLUG,
            rules.DEADLINE_RULE_GENERAL_ENQUIRY,
        ),
        (
            rules.TASK_PRE_ACTION,
            "Respond to a pre-action protocol letter",
            rules.CORRESPONDENCE_QUEUE_SLUG,
            rules.DEADLINE_RULE_PRE_ACTION,
        ),
        (
            rules.TASK_COMPLAINT,
            "Respond to a complaint",
            rules.CORRESPONDENCE_QUEUE_SLUG,
            rules.DEADLINE_RULE_GENERAL_ENQUIRY,
        ),
    ]
    for key, label, queue_slug, deadline_rule in types:
        register_task_type(TaskType(key, label, "correspondence", queue_slug, deadline_rule))
