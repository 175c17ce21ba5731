"""The API's numbered rules, each in one place (tests/test_rules.py pins them)."""

from datetime import timedelta

SCOPES = (
    "persons:read",
    "persons:write",
    "tasks:read",
    "tasks:write",
    "correspondence:read",
    "correspondence:write",
    "monitoring:read",
    # A police force's machine client answering operational notification forms (operations §3).
    "operations:notifications",
    # Incremental record matching: details in, the best-matching people out (linkage/api.py).
    "linkage:match",
    # The competent authority's referrals and decisions (nrm/api).
    "nrm:read",
    # A first responder organisation's system sending NRM referrals, and reading those it sent.
    "nrm:refer",
    # Reporting tools reading the recommendations tracker (oversight/api/tracker.py).
    "oversight:read",
)

# Idempotency-Key values are opaque to us; a UUID is 36 characters. Longer keys are refused (400).
IDEMPOTENCY_KEY_MAX_LENGTH = 100

# An in-flight record older than this is taken to belong to a request that died (a crashed
# worker); a retry may then take it over instead of getting 409 for ever.
IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = 300

# A create's first response is kept this long for a repeat of its Idempotency-Key, then deleted by
# the ``api.idempotency_records_expire`` sweep (the table grew by a row a create, for ever). A
# week covers a client that retries after a weekend's outage; the modules' own keys (a supplier's
# event id, a field entry's client_uuid, a referral's source key) still refuse a later repeat.
IDEMPOTENCY_RECORD_KEPT = timedelta(days=7)

# Pagination: a page holds PAGE_SIZE results unless the client asks for up to MAX_PAGE_SIZE.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# Attachments posted as base64 in JSON: at most this many per item (each is also held to the
# documents app's size and type rules).
MAX_ATTACHMENTS_PER_ITEM = 10

# Client secrets: 32 random bytes, URL-safe base64 (43 characters).
SECRET_BYTES = 32
