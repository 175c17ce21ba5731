from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "waymark.casework"
    label = "casework"
    verbose_name = "Criminal casework: ownership, reporting, progression and removals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.casework.registrations import register

        register()
