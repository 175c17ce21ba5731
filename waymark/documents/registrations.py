"""What documents tells the platform at start-up (called from ``DocumentsConfig.ready``): a
"Documents" tab on the person page, unless the people app already ships one (it does:
``people:documents``, built on our selectors, registered first because people is installed
before documents)."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "document.downloaded": AuditAction.CONSULTATION,
    "document.filed": AuditAction.ALTERATION,
    "document.stored": AuditAction.COLLECTION,
    "letter.generated": AuditAction.COLLECTION,
    "letter.served": AuditAction.COLLECTION,
    "letter_template.saved": AuditAction.ALTERATION,
}


def register() -> None:
    from waymark.people.tabs import PersonTab, register_person_tab, registered_tabs

    if all(tab.key != "documents" for tab in registered_tabs()):
        register_person_tab(
            PersonTab(
                "documents",
                "Documents",
                "documents:person-documents",
                "documents.view_document",
                40,
            )
        )
