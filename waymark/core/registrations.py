"""What the platform core tells the rest at start-up: the audit verbs it records itself (the
request ledger's consultations, exports) and those of the demo generator, which is not an app;
the audit log's sealing page in the navigation, and who may see it; the database roles' grants
after every migrate."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "demo.loaded": AuditAction.COLLECTION,
    "personal_data.consulted": AuditAction.CONSULTATION,
    "saved_view.created": AuditAction.COLLECTION,
    "saved_view.deleted": AuditAction.ERASURE,
}

VIEW_AUDIT_SEALING = "core.view_audit_sealing"
# Those who run the system and those who answer for the audit trail see its sealing status.
AUDIT_SEALING_ROLES = ("system_admin", "data_protection")


def register() -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from waymark.accounts.roles import register_role_permissions
    from waymark.core.audit_roles import grant_after_migrate
    from waymark.core.navigation import NavItem, register_nav

    register_nav(NavItem("Audit sealing", "core:audit-sealing", VIEW_AUDIT_SEALING, 96))
    for role in AUDIT_SEALING_ROLES:
        register_role_permissions(role, {VIEW_AUDIT_SEALING})
    # The application's database role gets its rights after every migrate (PostgreSQL, with
    # WAYMARK_DB_APP_ROLE set; docs/deployment.md "Database roles").
    post_migrate.connect(
        grant_after_migrate,
        sender=apps.get_app_config("core"),
        dispatch_uid="waymark.core.database_roles_grant",
    )
    # pgtrigger's ignore check without a subtransaction a row (waymark/core/pgtrigger_ignore.py).
    from waymark.core.pgtrigger_ignore import install_after_migrate

    post_migrate.connect(
        install_after_migrate,
        sender=apps.get_app_config("core"),
        dispatch_uid="waymark.core.pgtrigger_ignore",
    )
