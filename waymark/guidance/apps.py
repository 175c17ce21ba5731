from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "waymark.guidance"
    label = "guidance"
    verbose_name = "Guidance hub: searchable, versioned guidance readable on a phone"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from waymark.accounts.roles import register_role_permissions
        from waymark.core.navigation import NavItem, register_nav

        # Everyone signed in may read guidance (no permission on the nav item); assurance owns and
        # publishes it (oversight.md §5: guidance has an owner and is reviewed).
        register_nav(NavItem("Guidance", "guidance:index", None, 90))
        register_role_permissions("assurance", {"guidance.publish_guidance"})
