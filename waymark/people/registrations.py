"""What the people app tells the platform at start-up (called from ``PeopleConfig.ready``): its
navigation entry and the platform's own tabs on the person page. Modules add their tabs and
visibility rules from their own ``registrations.py``."""

from __future__ import annotations

from waymark.core.models import AuditAction
from waymark.people.tabs import PersonTab

# The platform's own tabs on the person page.
PLATFORM_TABS = (
    PersonTab("summary", "Summary", "people:detail", "people.view_person", 10),
    PersonTab("timeline", "Timeline", "people:timeline", "people.view_person", 20),
    PersonTab("tasks", "Tasks", "people:tasks", "people.view_person", 30),
    PersonTab("documents", "Documents", "people:documents", "people.view_person", 40),
    PersonTab(
        "access-history", "Access history", "people:access-history", "core.view_access_history", 900
    ),
)


# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "person.access_history_exported": AuditAction.DISCLOSURE,
    "person.search_exported": AuditAction.DISCLOSURE,
    "person.address_added": AuditAction.COLLECTION,
    "person.alias_added": AuditAction.COLLECTION,
    "person.conviction_added": AuditAction.COLLECTION,
    "person.created": AuditAction.COLLECTION,
    "person.date_of_birth_added": AuditAction.COLLECTION,
    "person.flag_ended": AuditAction.ALTERATION,
    "person.flag_set": AuditAction.COLLECTION,
    "person.merged": AuditAction.COMBINATION,
    "person.nationality_added": AuditAction.COLLECTION,
    "person.no_fixed_abode_changed": AuditAction.ALTERATION,
    "person.note_added": AuditAction.COLLECTION,
    "person.note_corrected": AuditAction.ALTERATION,
    "person.ownership_changed": AuditAction.ALTERATION,
    "person.phone_added": AuditAction.COLLECTION,
    "person.protected_characteristics_recorded": AuditAction.ALTERATION,
    "person.protected_characteristics_viewed": AuditAction.CONSULTATION,
    "person.protected_characteristics_monitored": AuditAction.CONSULTATION,
    "person.reference_added": AuditAction.COLLECTION,
    "person.unmerged": AuditAction.COMBINATION,
    "person.updated": AuditAction.ALTERATION,
    "person.viewed": AuditAction.CONSULTATION,
    "person.vulnerability_assessed": AuditAction.ALTERATION,
    "person.vulnerability_recorded": AuditAction.COLLECTION,
}


def register() -> None:
    from waymark.core.navigation import NavItem, register_nav
    from waymark.core.saved_views import FilterPage, register_filter_page
    from waymark.people.tabs import register_person_tab

    register_nav(NavItem("People", "people:search", "people.view_person", 20))
    # A person search may be saved, and the last one is remembered (core.saved_views).
    register_filter_page(
        FilterPage(
            "people:search",
            (
                "reference",
                "name",
                "date_of_birth_0",
                "date_of_birth_1",
                "date_of_birth_2",
                "nationality",
            ),
        )
    )
    for tab in PLATFORM_TABS:
        register_person_tab(tab)
