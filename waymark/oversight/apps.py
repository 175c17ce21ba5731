from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "waymark.oversight"
    label = "oversight"
    verbose_name = "Oversight: assurance, insight and governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.oversight.registrations import register

        register()
