from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "waymark.operations"
    label = "operations"
    verbose_name = "Enforcement operations: the field notebook"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.accounts.roles import register_role_permissions

        field = {
            "operations.view_operations",
            "operations.record_field_entries",
            "operations.plan_visits",
        }
        register_role_permissions("field_officer", field)
        register_role_permissions("officer_in_charge", field | {"operations.command_visits"})
        register_role_permissions(
            "authorising_officer",
            {
                "operations.view_operations",
                "operations.plan_visits",
                "operations.authorise_visits",
                "operations.view_operations_measures",
                "operations.manage_objectives",
            },
        )
        register_role_permissions(
            "assurance",
            {
                "operations.view_operations",
                "operations.view_all_operations",
                "operations.view_operations_measures",
            },
        )
        register_role_permissions("performance_analyst", {"operations.view_operations_measures"})
        register_role_permissions("line_manager", {"operations.view_operations_measures"})
        register_role_permissions("police_partner", {"operations.answer_notifications"})

        # --- planning and authorisation (views.py) ---
        from waymark.core.navigation import NavItem, register_nav

        register_nav(
            NavItem("Enforcement visits", "operations:home", "operations.view_operations", 40)
        )
        register_nav(
            NavItem(
                "Authorisations", "operations:authorisations", "operations.authorise_visits", 41
            )
        )
        register_nav(
            NavItem(
                "Notification forms",
                "operations:partner-home",
                "operations.answer_notifications",
                42,
            )
        )
        # --- field (field_views.py) ---
        from waymark.core.navigation import NavItem as FieldNavItem
        from waymark.core.navigation import register_nav as field_register_nav

        field_register_nav(
            FieldNavItem(
                "In the field", "operations:field-visits", "operations.record_field_entries", 43
            )
        )
        # --- measures (measures_views.py) ---
        from waymark.core.navigation import NavItem as MeasuresNavItem
        from waymark.core.navigation import register_nav as measures_register_nav

        measures_register_nav(
            MeasuresNavItem(
                "Enforcement measures",
                "operations:measures",
                "operations.view_operations_measures",
                82,
            )
        )
        # --- end ---
        from waymark.operations import setup

        setup.task_types_register()
        setup.visibility_register()
