import contextlib

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "waymark.monitoring"
    label = "monitoring"
    verbose_name = "Electronic monitoring (EM Hub)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.accounts.roles import register_role_permissions
        from waymark.core.navigation import NavItem, register_nav
        from waymark.monitoring import sweeps
        from waymark.people.tabs import PersonTab, register_person_tab
        from waymark.work.sweeps import register_sweep

        register_nav(NavItem("Monitoring", "monitoring:home", "monitoring.manage_em", 30))
        register_nav(NavItem("EM figures", "monitoring:mi", "monitoring.view_em_mi", 80))
        register_person_tab(
            PersonTab("monitoring", "Monitoring", "monitoring:person", "monitoring.manage_em", 40)
        )
        em_work = {"monitoring.manage_em", "monitoring.view_em_mi"}
        register_role_permissions("em_caseworker", em_work)
        register_role_permissions(
            "line_manager",
            em_work
            | {
                "monitoring.approve_trail_request",
                "monitoring.view_trail_data",
                "monitoring.manage_supplier",
            },
        )
        register_role_permissions("performance_analyst", {"monitoring.view_em_mi"})
        register_role_permissions(
            "service_delivery", {"monitoring.view_em_mi", "monitoring.manage_supplier"}
        )
        register_role_permissions(
            "data_protection",
            {
                "monitoring.approve_trail_request",
                "monitoring.view_trail_data",
                "monitoring.manage_em",
            },
        )
        register_role_permissions("supplier", {"monitoring.supplier_notify"})
        task_types_register()
        from waymark.monitoring.selectors import em_visibility
        from waymark.people.selectors import register_visibility_rule

        register_visibility_rule("monitoring", em_visibility)
        for name, fn in sweeps.SWEEPS.items():
            with contextlib.suppress(ValueError):
                register_sweep(name, fn)


def task_types_register() -> None:
    from waymark.monitoring import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import CalendarHours, WorkingDays, register_deadline_rule

    def _safely(register, *args) -> None:
        with contextlib.suppress(ValueError):
            register(*args)

    _safely(
        register_deadline_rule,
        rules.DEADLINE_JUDGE_FITTING,
        CalendarHours(rules.JUDGE_FITTING_HOURS),
    )
    _safely(
        register_deadline_rule,
        rules.DEADLINE_SOS_FITTING,
        CalendarHours(rules.sos_fitting_target_hours()),
    )
    _safely(register_deadline_rule, rules.DEADLINE_AT_START, CalendarHours(0))
    _safely(
        register_deadline_rule, rules.DEADLINE_PRE_ACTION, CalendarHours(rules.PRE_ACTION_DAYS * 24)
    )
    _safely(register_deadline_rule, "em_next_working_day", WorkingDays(1))
    types = [
        (
            rules.TASK_FITTING_JUDGE,
            "Arrange tag fitting (judge's bail, 72 hours)",
            rules.QUEUE_FITTING,
            rules.DEADLINE_JUDGE_FITTING,
        ),
        (
            rules.TASK_FITTING_SOS,
            "Arrange tag fitting (Secretary of State bail)",
            rules.QUEUE_FITTING,
            rules.DEADLINE_SOS_FITTING,
        ),
        (
            rules.TASK_SLOT_SILENCE,
            "Chase the supplier: no answer to a slot request",
            rules.QUEUE_FITTING,
            "em_next_working_day",
        ),
        (
            rules.TASK_SEND_FAILED,
            "An order could not be sent to the supplier",
            rules.QUEUE_FITTING,
            "em_next_working_day",
        ),
        (rules.TASK_BREACH, "Act on a breach", rules.QUEUE_BREACHES, "em_next_working_day"),
        (
            rules.TASK_ACCUMULATED_BATTERY,
            "Act on an accumulated battery violation",
            rules.QUEUE_BREACHES,
            "em_next_working_day",
        ),
        (
            rules.TASK_FIRST_BREACH_CONTACT,
            "Phone a newly tagged person about their first breach",
            rules.QUEUE_BREACHES,
            "em_next_working_day",
        ),
        (
            rules.TASK_REVIEW,
            "Three-monthly EM review",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_AT_START,
        ),
        (
            rules.TASK_REVIEW_SIGN_OFF,
            "Sign off an EM review (HEO)",
            rules.QUEUE_REVIEWS,
            "em_next_working_day",
        ),
        (
            rules.TASK_REPRESENTATIONS,
            "Respond to representations against EM",
            rules.QUEUE_REVIEWS,
            "general_enquiry",
        ),
        (
            rules.TASK_PRE_ACTION,
            "Respond to a pre-action letter about EM",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_PRE_ACTION,
        ),
        (
            rules.TASK_JUDICIAL_REVIEW,
            "Respond to a judicial review about EM",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_AT_START,
        ),
        (
            rules.TASK_TRAIL_APPROVAL,
            "Decide a trail-data request",
            rules.QUEUE_TRAIL,
            "em_next_working_day",
        ),
    ]
    for key, label, queue_slug, deadline_rule in types:
        _safely(register_task_type, TaskType(key, label, "monitoring", queue_slug, deadline_rule))
