from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "waymark.people"
    label = "people"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "People"

    def ready(self) -> None:
        from waymark.people.registrations import register

        register()
