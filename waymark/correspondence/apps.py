from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "waymark.correspondence"
    label = "correspondence"
    verbose_name = "Correspondence intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.correspondence.registrations import register

        register()
