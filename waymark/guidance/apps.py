from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "waymark.guidance"
    label = "guidance"
    verbose_name = "Guidance hub: searchable, versioned guidance readable on a phone"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.guidance.registrations import register

        register()
