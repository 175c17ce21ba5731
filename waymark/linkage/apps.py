from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "waymark.linkage"
    label = "linkage"
    verbose_name = "Record linkage and legacy import"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.linkage.registrations import register

        register()
