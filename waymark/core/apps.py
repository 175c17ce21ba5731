from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "waymark.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from waymark.core.audit_roles import grant_after_migrate

        # The application's database role gets its rights after every migrate (PostgreSQL, with
        # WAYMARK_DB_APP_ROLE set; docs/deployment.md "Database roles").
        post_migrate.connect(grant_after_migrate, sender=self)
