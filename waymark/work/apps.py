from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "waymark.work"
    label = "work"
    verbose_name = "Work management"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.work.registrations import register

        register()
