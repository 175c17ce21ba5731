import contextlib

from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "waymark.correspondence"
    label = "correspondence"
    verbose_name = "Correspondence intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.accounts.roles import ROLES, register_role_permissions
        from waymark.core.navigation import NavItem, register_nav

        register_nav(
            NavItem(
                "Correspondence",
                "correspondence:match-queue",
                "correspondence.view_correspondenceitem",
                50,
            )
        )
        # Whoever may read correspondence may also register a posted letter or an .eml file.
        for key, role in list(ROLES.items()):
            if "correspondence.view_correspondenceitem" in role.permissions:
                register_role_permissions(key, {"correspondence.add_correspondenceitem"})
        task_types_register()


def task_types_register() -> None:
    """Our task types and their deadline rules, in the work registry (platform contracts).

    The general enquiry and "match needed" task types are the platform's own (work.registry)."""
    from waymark.correspondence import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import CalendarHours, register_deadline_rule

    def _safely(register, *args) -> None:
        with contextlib.suppress(ValueError, KeyError):  # already registered (e.g. by the work app)
            register(*args)

    _safely(
        register_deadline_rule,
        rules.DEADLINE_RULE_PRE_ACTION,
        CalendarHours(rules.PRE_ACTION_RESPONSE_DAYS * 24),
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
        _safely(
            register_task_type, TaskType(key, label, "correspondence", queue_slug, deadline_rule)
        )
