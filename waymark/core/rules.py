"""The core's numbered rules, each in one place (``waymark/core/tests/test_rules.py`` pins them)."""

from __future__ import annotations

from datetime import timedelta

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

# The audit trail's sequencer (decision 0015; issue 17 "sealing lag is bounded: every committed
# entry sealed within 5 seconds"). The target is the bound the health check and the benchmarks hold
# the sealing lag to; past the alarm the health check reports the audit trail unhealthy (a
# sequencer stopped, or a transaction held open for that long holding the horizon back).
AUDIT_SEALING_LAG_TARGET = timedelta(seconds=5)
AUDIT_SEALING_LAG_ALARM = timedelta(seconds=30)
# How long the sequencer sleeps between passes when it found nothing to seal: well inside the
# target, so an entry waits at most about this long plus one pass.
AUDIT_SEAL_INTERVAL = timedelta(seconds=1)
# A pass that finds entries numbered since its last look looks again after this long, by when
# their transactions (appends commit within milliseconds) have ended: then they are sealed in this
# pass, not the next, and the lag is about one interval rather than two.
AUDIT_SEAL_SETTLE = timedelta(milliseconds=50)
# Entries in one batch (one Merkle tree): big enough that a busy second is a few batches, small
# enough that a batch's leaves fit in memory and an inclusion proof is short (log2 5000 ~ 13).
AUDIT_SEAL_BATCH_SIZE = 5000
# Batches sealed in one pass (one transaction) before a checkpoint is published: a sequencer
# catching up after a stop publishes at least every 100,000 entries.
AUDIT_SEAL_MAX_BATCHES_PER_PASS = 20
# The looping sequencer retries a database that went away after one interval, then twice as long
# each time, up to this: back within 10 seconds of the database, well inside the lag's alarm.
AUDIT_SEAL_RETRY_MAX = timedelta(seconds=10)
# "The audit log verifies" (the sealing page, the oversight evidence check) means a verification
# run passed within a day (the guide schedules `audit_verify --since` daily: 26 hours allows for a
# late run) and a whole run passed within a month (scheduled monthly: 32 days).
AUDIT_VERIFIED_WITHIN = timedelta(hours=26)
AUDIT_WHOLE_VERIFIED_WITHIN = timedelta(days=32)
# Entries read at a time when verifying.
AUDIT_VERIFY_PAGE = 5000
# PostgreSQL: the audit entries table has a partition a month (migration 0005). The sequencer keeps
# this month's and the next three in place, checking once an hour: three months of slack for a
# stopped sequencer before entries fall into the default partition. Making a partition waits at
# most this long for the table's lock (appends in flight hold it), so it never queues appends
# behind it for long; it is tried again at the next check.
AUDIT_PARTITION_MONTHS_AHEAD = 3
AUDIT_PARTITION_CHECK_INTERVAL = timedelta(hours=1)
AUDIT_PARTITION_LOCK_TIMEOUT = timedelta(seconds=2)

# Read models for the figures pages (issue 17 item 4: "refreshed at most every 60 seconds"): a
# figures page never shows rows older than this; past it the page rebuilds them before it reads.
READ_MODEL_MAX_AGE = timedelta(seconds=60)
# How often ``manage.py read_models_refresh --loop`` rebuilds every read model: half the maximum
# age, so a page normally finds them fresh and pays nothing for the rebuild.
READ_MODEL_REFRESH_INTERVAL = timedelta(seconds=30)
# A read model whose last rebuild took long starts its next one sooner: when its rows are
# ``READ_MODEL_MAX_AGE - last rebuild - this margin`` old, so the new rows land before the old
# ones pass the maximum age even if the rebuild takes a few seconds longer than last time.
READ_MODEL_REFRESH_MARGIN = timedelta(seconds=5)
# How often the refresh loop looks at each read model's age (one small read each time).
READ_MODEL_REFRESH_POLL = timedelta(seconds=1)
# A read model that can rewrite only what changed (``ReadModel.update``) is still rebuilt whole this
# often: a safety net for anything its change tracking cannot see (rows altered by hand, records
# restored from a backup). Its due time then counts the whole rebuild's length, so the rows it
# replaces stay under ``READ_MODEL_MAX_AGE``.
READ_MODEL_FULL_REBUILD_EVERY = timedelta(hours=1)
# /health/background/ alarm: well past the 60 s target plus the longest whole rebuild (50 s, x100).
READ_MODEL_REFRESHER_ALARM = timedelta(minutes=5)
# The memory a read model's rebuild may group and sort in (PostgreSQL ``work_mem`` for that
# transaction only): its GROUP BYs over a national table's rows then stay off the disk.
READ_MODEL_WORK_MEM = "128MB"
# A whole rebuild that deleted and inserted at least this share of a summary table's rows has the
# table analysed before it commits: a first build left the planner no statistics (it estimated 110
# rows for 140,000 and sorted them on disk: the measures page at x10 took 173 ms, 102 ms analysed),
# and autovacuum comes later than the next page.
READ_MODEL_ANALYZE_AFTER = 0.1
# ... or when the planner's count of the table's rows is off by this factor either way (statistics
# made when the table was empty: a bulk load analysed before the first build).
READ_MODEL_ROW_ESTIMATE_FACTOR = 2
# ``core.bulk_insert``: fewer rows than this go in with one INSERT (one round trip, no key
# reservation); from this many, with COPY on PostgreSQL.
BULK_INSERT_COPY_FROM = 20

# /health/background/ alarm: a worker claims a due task in seconds; this leaves room for long jobs.
TASK_QUEUE_WAIT_ALARM = timedelta(minutes=10)
# /health/background/ counts due ready tasks up to this many (a LIMIT): past it the report says
# "or more", and the check never counts through a queue that has grown without bound.
TASK_QUEUE_COUNT_CAP = 10_000

# A page's form sent twice is acted on once (``core.submissions``). Each form shown carries a random
# token this long at most (the one made is 22 characters).
FORM_SUBMISSION_TOKEN_MAX_LENGTH = 64
# A second sending that arrives while the first is still being saved waits for it this long (a
# double click arrives within a second; a save takes well under one), then is sent where the
# first went. Past it the person is told the form is still being saved.
FORM_SUBMISSION_WAIT = timedelta(seconds=10)
FORM_SUBMISSION_POLL = timedelta(milliseconds=100)
# A first sending that has not finished after this long died with its worker (the web server's
# timeout is 60 seconds): the next sending of its token is acted on.
FORM_SUBMISSION_IN_FLIGHT_TIMEOUT = timedelta(seconds=90)
# A form sent again this long after the first sending is acted on again: a double click or a
# retry on a slow network comes within minutes; a page kept open for longer and its button pressed
# on purpose is meant.
FORM_SUBMISSION_REPLAY_FOR = timedelta(minutes=10)
# The sweep deletes sendings older than this.
FORM_SUBMISSION_KEPT = timedelta(days=1)
