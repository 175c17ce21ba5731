from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "waymark.documents"
    label = "documents"
    verbose_name = "Documents and letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.documents.registrations import register

        register()
