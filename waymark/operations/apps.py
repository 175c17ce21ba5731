from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "waymark.operations"
    label = "operations"
    verbose_name = "Enforcement operations: the field notebook"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.operations.registrations import register

        register()
