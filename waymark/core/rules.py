"""The core's numbered rules, each in one place (``waymark/core/tests/test_rules.py`` pins them)."""

from __future__ import annotations

# While the database cannot be reached (restarting, failing over) every request is answered 503
# with this many seconds in ``Retry-After``: long enough for a restart or a fail-over, short
# enough that a person retrying by hand is not kept waiting.
RETRY_AFTER_SECONDS = 30

# A caller's X-Request-Id is kept only if it is at most this long (and plain): it is stored with
# every audit entry (``AuditEvent.request_id``, 64 characters) and echoed in a header.
REQUEST_ID_MAX_LENGTH = 64
