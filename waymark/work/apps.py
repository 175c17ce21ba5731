from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "waymark.work"
    label = "work"
    verbose_name = "Work management"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.core.navigation import NavItem, register_nav
        from waymark.work import sweeps  # noqa: F401 - registers the platform sweeps
        from waymark.work.registry import platform_task_types_register

        platform_task_types_register()
        register_nav(NavItem("My work", "work:home", None, 10))
        register_nav(NavItem("Queues", "work:queues", "work.view_task", 30))
        register_nav(NavItem("Workload", "work:workload", "work.view_workload", 40))
