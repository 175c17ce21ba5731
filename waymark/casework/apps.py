import contextlib

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "waymark.casework"
    label = "casework"
    verbose_name = "Criminal casework: ownership, reporting, progression and removals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.accounts.roles import register_role_permissions
        from waymark.casework import sweeps
        from waymark.casework.selectors import intake_visibility, reporting_centre_visibility
        from waymark.core.navigation import NavItem, register_nav
        from waymark.people.selectors import register_visibility_rule
        from waymark.people.tabs import PersonTab, register_person_tab
        from waymark.work.sweeps import register_sweep

        register_nav(NavItem("Casework", "casework:home", "casework.manage_casework", 20))
        register_nav(
            NavItem("Reporting centre", "casework:centre", "casework.run_reporting_centre", 25)
        )
        register_nav(NavItem("Removals", "casework:removals", "casework.manage_removals", 35))
        register_nav(NavItem("Casework figures", "casework:mi", "casework.view_casework_mi", 81))
        register_person_tab(
            PersonTab("casework", "Casework", "casework:person", "casework.view_case", 30)
        )
        owner = {"casework.view_case", "casework.manage_casework", "casework.manage_intake"}
        register_role_permissions("case_owner", owner)
        register_role_permissions(
            "line_manager",
            owner
            | {"casework.override_band", "casework.view_casework_mi", "casework.manage_removals"},
        )
        register_role_permissions(
            "reporting_centre", {"casework.view_case", "casework.run_reporting_centre"}
        )
        register_role_permissions(
            "removals",
            {
                "casework.view_case",
                "casework.manage_removals",
                "casework.decide_detention",
                "casework.view_casework_mi",
            },
        )
        register_role_permissions("performance_analyst", {"casework.view_casework_mi"})
        register_role_permissions("assurance", {"casework.view_case", "casework.view_casework_mi"})
        register_visibility_rule("reporting_centre", reporting_centre_visibility)
        register_visibility_rule("casework_intake", intake_visibility)
        task_types_register()
        for name, fn in sweeps.SWEEPS.items():
            with contextlib.suppress(ValueError):
                register_sweep(name, fn)


def task_types_register() -> None:
    from waymark.casework import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import CalendarHours, WorkingDays, register_deadline_rule

    def _safely(register, *args) -> None:
        with contextlib.suppress(ValueError):
            register(*args)

    _safely(register_deadline_rule, rules.DEADLINE_INTAKE, CalendarHours(rules.INTAKE_DAYS * 24))
    _safely(
        register_deadline_rule,
        rules.DEADLINE_REVIEW,
        CalendarHours(rules.REVIEW_TASK_LEAD_DAYS * 24),
    )
    _safely(
        register_deadline_rule,
        rules.DEADLINE_PREPARATION,
        CalendarHours(rules.CASE_PREP_TOTAL_WEEKS * 7 * 24),
    )
    _safely(
        register_deadline_rule,
        rules.DEADLINE_FURTHER_SUBMISSIONS,
        WorkingDays(rules.FURTHER_SUBMISSIONS_WORKING_DAYS),
    )
    _safely(register_deadline_rule, rules.DEADLINE_AT_START, CalendarHours(0))
    _safely(register_deadline_rule, "casework_next_working_day", WorkingDays(1))
    types = [
        (rules.TASK_MISSED_EVENT, "Missed reporting event", "", "general_enquiry"),
        (
            rules.TASK_REFERRAL_INTAKE,
            "New referral: intake checks (28 days)",
            rules.QUEUE_INTAKE,
            rules.DEADLINE_INTAKE,
        ),
        (rules.TASK_NEW_CASE, "New case allocated to you", "", "casework_next_working_day"),
        (rules.TASK_CASE_REVIEW, "Three-monthly case review", "", rules.DEADLINE_REVIEW),
        (
            rules.TASK_CASE_PREPARATION,
            "Prepare case for removal (8 weeks)",
            "",
            rules.DEADLINE_PREPARATION,
        ),
        (
            rules.TASK_FURTHER_SUBMISSIONS,
            "Decide further submissions (5 working days)",
            "",
            rules.DEADLINE_FURTHER_SUBMISSIONS,
        ),
        (
            rules.TASK_COMMISSION,
            "Commissioned at the next reporting event",
            "",
            "casework_next_working_day",
        ),
        (
            rules.TASK_COMMISSION_RESULT,
            "Result of a commission from the reporting centre",
            "",
            "casework_next_working_day",
        ),
        (
            rules.TASK_OUTCOMES_MISSING,
            "Record outcomes for past reporting events",
            "",
            "casework_next_working_day",
        ),
        (
            rules.TASK_GATEKEEPING,
            "Decide a request to detain (gatekeeping)",
            rules.QUEUE_REMOVALS,
            "casework_next_working_day",
        ),
        (rules.TASK_TRACE, "Trace and locate an absconder", rules.QUEUE_TRACE, ""),
    ]
    for band in rules.BANDS:
        rule_name = f"casework_contact_band_{band}"
        first_step = rules.CONTACT_STEPS[0][0]
        _safely(
            register_deadline_rule,
            rule_name,
            CalendarHours(rules.contact_step_hours()[band][first_step]),
        )
        types.append(
            (
                f"{rules.TASK_MISSED_EVENT}_band_{band}",
                f"Missed reporting event (band {band})",
                "",
                rule_name,
            )
        )
    for key, label, queue_slug, deadline_rule in types:
        _safely(register_task_type, TaskType(key, label, "casework", queue_slug, deadline_rule))
