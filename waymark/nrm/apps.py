from django.apps import AppConfig


class NrmConfig(AppConfig):
    name = "waymark.nrm"
    label = "nrm"
    verbose_name = "Modern-slavery referral decisions (competent authority)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.nrm.registrations import register

        register()
