from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "waymark.correspondence"
    label = "correspondence"
    default_auto_field = "django.db.models.BigAutoField"
