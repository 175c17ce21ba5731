"""What accounts tells the platform at start-up (called from ``AccountsConfig.ready``): role
groups synced after every ``migrate``, and the locked-accounts page in the navigation."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "account.unlocked": AuditAction.ALTERATION,
}


def _roles_sync_after_migrate(sender, app_config, using, **kwargs):
    """Sync role groups once per ``migrate``: after the last app's permissions exist.

    ``post_migrate`` is sent once for each app that has models, in ``INSTALLED_APPS`` order, and
    Django's own handler creates that app's permissions first (it is connected before ours). So the
    signal for the last such app is the moment every permission exists.
    """
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if not with_models or app_config.label != with_models[-1].label:
        return
    from django.db import connections

    from waymark.accounts import services

    tables = connections[using].introspection.table_names()
    if "auth_group" not in tables or "auth_permission" not in tables:
        return  # auth migrated backwards; nothing to sync into
    services.roles_sync(using=using)


def register() -> None:
    from waymark.core.navigation import NavItem, register_nav

    post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="waymark.accounts.roles_sync")
    register_nav(NavItem("Locked accounts", "accounts:locked-accounts", "accounts.change_user", 95))
