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
    "oversight.metrics_snapshot_taken": AuditAction.COLLECTION,
    "oversight.metrics_exported": AuditAction.DISCLOSURE,
    "oversight.metric_snapshots_exported": AuditAction.DISCLOSURE,
    # --- fairness and data quality (items 4-5) ---
}


def _demo_load(**options):
    from waymark.oversight.demo import oversight_demo_load

    return oversight_demo_load(**options)


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
    # --- metrics (item 3) ---
    from waymark.oversight.services.metrics import metrics_snapshot_sweep
    from waymark.work.sweeps import register_sweep

    register_nav(
        NavItem(
            "Figures and definitions",
            "oversight:metrics",
            perms.VIEW_METRICS,
            85,
            group="figures",
            description="Every management figure, defined once, with the checks that totals agree.",
        )
    )
    register_sweep("oversight.metrics_snapshot", metrics_snapshot_sweep)
    # --- fairness and data quality (items 4-5) ---
    # After every other module's demo: the tracker reads nothing of theirs, but runs last.
    register_demo_loader(DemoLoader("oversight", _demo_load, order=90))
