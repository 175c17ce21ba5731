"""What the platform core tells the rest at start-up: the audit verbs it records itself (the
request ledger's consultations, exports) and those of the demo generator, which is not an app."""

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
