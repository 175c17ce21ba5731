"""Everything oversight tells the platform at start-up (docs/platform-contracts.md): role
permissions, navigation, the demo loader, and ``AUDIT_VERBS``. ``OversightConfig.ready()`` calls
``register()``. Registering a different definition under a name already taken raises."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category.
AUDIT_VERBS: dict[str, str] = {
    # --- governance: recommendations and actions tracker (issue 20 item 6) ---
    "oversight.recommendations_seeded": AuditAction.COLLECTION,
    "oversight.action_added": AuditAction.COLLECTION,
    "oversight.action_updated": AuditAction.ALTERATION,
    "oversight.action_closed": AuditAction.ALTERATION,
    "oversight.action_reopened": AuditAction.ALTERATION,
    "oversight.tracker_exported": AuditAction.DISCLOSURE,
    # --- quality assurance (item 1) ---
    # --- competence (item 2) ---
    # --- metrics (item 3) ---
    # --- fairness and data quality (items 4-5) ---
}


def _demo_load(**options):
    from waymark.oversight.demo import oversight_demo_load

    return oversight_demo_load(**options)


def _competence_register() -> None:
    """Competence (issue 20 item 2): grants are in permissions.py; the pages' navigation entry, and
    the demo's sign-offs, after every module's demo (order 95: modules add users and queues), so
    the demo's decision makers hold the competences their work needs and "get next" gives it."""
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms

    register_nav(
        NavItem(
            "Competence",
            "oversight:competence-list",
            perms.COMPETENCE_VIEW,
            87,
            group="figures",
            description="Who is signed off for which work, what expires soon, per team.",
        )
    )

    def _load(**options):
        from waymark.oversight.competence_demo import competence_demo_load

        return competence_demo_load(**options)

    register_demo_loader(DemoLoader("competence", _load, order=95))


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms

    for role_key, codenames in perms.ROLE_PERMISSIONS.items():
        register_role_permissions(role_key, set(codenames))
    # In the figures hub with the other oversight pages: the bar holds at most eight entries.
    register_nav(
        NavItem(
            "Recommendations",
            "oversight:tracker",
            perms.VIEW,
            84,
            group="figures",
            description="The inspectorates' recommendations, the actions taken and their evidence.",
        )
    )
    # --- quality assurance (item 1): register_nav / tasks here ---
    # --- competence (item 2) ---
    _competence_register()
    # --- metrics (item 3) ---
    # --- fairness and data quality (items 4-5) ---
    # After every other module's demo: the tracker reads nothing of theirs, but runs last.
    register_demo_loader(DemoLoader("oversight", _demo_load, order=90))
