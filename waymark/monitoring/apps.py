from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "waymark.monitoring"
    label = "monitoring"
    verbose_name = "Electronic monitoring (EM Hub)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.monitoring.registrations import register

        register()
