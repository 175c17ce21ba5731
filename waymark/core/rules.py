"""The core's numbered rules, each in one place (``waymark/core/tests/test_rules.py`` pins them)."""

from __future__ import annotations

# While the database cannot be reached (restarting, failing over) every request is answered 503
# with this many seconds in ``Retry-After``: long enough for a restart or a fail-over, short
# enough that a person retrying by hand is not kept waiting.
RETRY_AFTER_SECONDS = 30

# A caller's X-Request-Id is kept only if it is at most this long (and plain): it is stored with
# every audit entry (``AuditEvent.request_id``, 64 characters) and echoed in a header.
REQUEST_ID_MAX_LENGTH = 64

# Saved filters on a list page (``core.saved_views``): a name a person can read in a list of links,
# and a query string long enough for every filter a page has (the columns are this long).
SAVED_VIEW_NAME_MAX_LENGTH = 100
SAVED_VIEW_QUERY_MAX_LENGTH = 1000

# The notifications page lists this many a page, newest first: a day's worth for a busy caseworker.
NOTIFICATIONS_PAGE_SIZE = 50

# A long job's time left is estimated only once this share of it is done (``core.progress``):
# below it the rate is a guess and the page says it is still working it out.
ESTIMATE_AFTER_FRACTION = 0.02
