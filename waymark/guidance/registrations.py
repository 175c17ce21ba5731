"""What the guidance hub tells the platform at start-up (called from ``GuidanceConfig.ready``):
its navigation entry, who may publish, and the ``guidance.check_links`` sweep."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "guidance.approved": AuditAction.ALTERATION,
    "guidance.drafted": AuditAction.COLLECTION,
    "guidance.links_checked": AuditAction.ALTERATION,
    "guidance.published": AuditAction.COLLECTION,
    "guidance.revised": AuditAction.ALTERATION,
    "guidance.withdrawn": AuditAction.ALTERATION,
}


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.core.navigation import NavItem, register_nav
    from waymark.guidance.permissions import PUBLISH_GUIDANCE

    # Everyone signed in may read guidance (no permission on the link, which sits in the header
    # beside 'Your account'); assurance owns and publishes it (oversight.md §5: guidance has an
    # owner and is reviewed).
    register_nav(NavItem("Guidance", "guidance:index", None, 90, area="header"))
    register_role_permissions("assurance", {PUBLISH_GUIDANCE})

    # The nightly link check (oversight.md §5-§6: a broken link is found by a check, not a user).
    from waymark.guidance.services import guidance_links_check
    from waymark.work.sweeps import register_sweep

    register_sweep("guidance.check_links", guidance_links_check)
