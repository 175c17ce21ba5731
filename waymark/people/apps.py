from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "waymark.people"
    label = "people"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "People"

    def ready(self) -> None:
        from waymark.core.navigation import NavItem, register_nav
        from waymark.people import tabs  # noqa: F401 - registers the platform's person tabs

        register_nav(NavItem("People", "people:search", "people.view_person", 20))
