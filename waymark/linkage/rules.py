"""Record linkage and legacy import: every numbered rule, each in one place (brief linkage.md;
seed 001 §6.9-§6.23, §6.40-§6.48).

Figures the brief calls configuration read ``settings.WAYMARK_LINKAGE`` first, so a deployment can
change them without a code change. ``tests/test_rules.py`` pins every number.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _configured(name: str, default: Any) -> Any:
    return getattr(settings, "WAYMARK_LINKAGE", {}).get(name, default)


# --- §1 Imports ------------------------------------------------------------------------------------
# The largest file an import accepts. A national CID extract is split into files of this size.
MAX_FILE_BYTES_DEFAULT = 50 * 1024 * 1024
# The most rows one file may hold (a guard against a runaway spreadsheet export).
MAX_ROWS_DEFAULT = 1_000_000
# How many rejected rows the report page lists before it paginates.
REPORT_PAGE_SIZE = 50
# Progress is saved every this many rows, so the progress page moves without slowing the import.
PROGRESS_EVERY_ROWS = 500
# A spreadsheet's title lines above its header row ("CID extract, November 2026"; "Exported by …")
# hold one value each: they are skipped when a row with two or more values follows within this
# many rows of the first, which is then the header row.
HEADER_SEARCH_ROWS = 20
# A CSV's separator is the one most of its first this many lines hold the same number of times (a
# title line's own separator is outvoted by the header and the rows).
SEPARATOR_SNIFF_LINES = 50
# A date before the first of January of this year is refused (a typing error: no one on a record
# is that old).
EARLIEST_YEAR = 1900
# A cell holding only a whole number in this range (inclusive) is a year of birth alone ("1990"),
# not an Excel serial number (1990 would be 12 June 1905): refused as a date, with the reason.
YEAR_ONLY_FROM, YEAR_ONLY_TO = 1800, 2100
# Whether a file writes its dates day first (31/12/1990) or month first (12/31/1990) is read from
# its first this many rows (a date after the 12th of its month says which, in most rows).
DATE_ORDER_SAMPLE_ROWS = 10_000


def max_file_bytes() -> int:
    return int(_configured("MAX_FILE_BYTES", MAX_FILE_BYTES_DEFAULT))


def max_rows() -> int:
    return int(_configured("MAX_ROWS", MAX_ROWS_DEFAULT))


# --- §2 Linking: thresholds on the match probability ----------------------------------------------
# Chosen from measured precision and recall on generated data with known truth (docs/modules/
# linkage.md, "Choosing the thresholds"; `make bench` prints the figures at these values).
# At or above UPPER: linked automatically. Between LOWER and UPPER: clerical review. Below LOWER:
# kept apart.
UPPER_THRESHOLD_DEFAULT = 0.99
LOWER_THRESHOLD_DEFAULT = 0.80


def upper_threshold() -> float:
    return float(_configured("UPPER_THRESHOLD", UPPER_THRESHOLD_DEFAULT))


def lower_threshold() -> float:
    return float(_configured("LOWER_THRESHOLD", LOWER_THRESHOLD_DEFAULT))


def band_for(probability: float) -> str:
    """'auto', 'review' or 'apart' for a pair's match probability."""
    if probability >= upper_threshold():
        return "auto"
    if probability >= lower_threshold():
        return "review"
    return "apart"


# The calibration report's bands of match probability (each from its value up to the next; the
# last up to 1): the run page shows, for each, the pairs, the model's expected share of true
# matches (their mean probability), and the measured share where a truth or decisions are known.
CALIBRATION_BANDS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)

# Incremental linking (one new record against the population) returns at most this many candidates.
INCREMENTAL_MAX_CANDIDATES = 5
# Incremental linking looks up at most this many records a blocking rule (a common date of birth
# such as 01/01/1980 in a national population would bring a thousand) ...
INCREMENTAL_MAX_BLOCK = 200
# ... and scores at most this many candidates, those agreeing on the most blocking rules (then in
# the rarest block) first: scoring is most of a lookup's time (issue 18 item 7, p95 under 150 ms).
INCREMENTAL_MAX_SCORED = 40
# Records sampled for estimating u probabilities by random sampling when training the model.
TRAINING_MAX_PAIRS = 2_000_000
# Records the model trains on at most (a seeded random sample above that): a national run's m and
# u are proportions, and expectation maximisation over every record of millions spills to disk.
TRAINING_MAX_RECORDS = 250_000

# The prior (the chance two random records are the same person) when no pair of records agrees on
# a full name with a date of birth or a full address: training says so in the run's report
# (issue 18 item 1). One in 100,000 is the order of a migration's share of true pairs.
TRAINING_PRIOR_FALLBACK = 1e-5
# A training block with more pairs than this is skipped (a common date of birth or name in a
# national extract would make expectation maximisation spill to disk for no better estimate).
TRAINING_MAX_BLOCK_PAIRS = 20_000_000
# The least m probability a trained level keeps: a level expectation maximisation never saw among
# the matches of a small file (a move, a house number typed wrong) stays rare, not impossible.
TRAINING_M_FLOOR = 0.01
# The least u probability a level keeps once the matches are taken out of the random pairs'
# (one in a million: agreement by chance is rare, never impossible).
TRAINING_U_FLOOR = 1e-6

# The most memory DuckDB may take in each of a linkage run's sessions (training, scoring); beyond
# it DuckDB spills to its temporary directory instead of growing. Unset, DuckDB takes up to 80% of
# the machine's memory, and a national run (1M rows) peaked at 12.9 GB with the records, the scored
# pairs and the writing besides (issue 18: at most 6 GB). ``WAYMARK_LINKAGE["DUCKDB_MEMORY_LIMIT"]``
# (environment: WAYMARK_LINKAGE_DUCKDB_MEMORY_LIMIT) sets another, in DuckDB's units ("4GB").
# Not lower: at 2 GB a national run's scoring failed "Out of Memory" in two runs of three (what it
# holds while scoring cannot all be spilled); at 3 GB it completed.
DUCKDB_MEMORY_LIMIT_DEFAULT = "3GB"
# A run writes its people, their links and its records' people in chunks of this many, so the
# Python objects of one chunk are held at a time, not those of a national run's every person.
RUN_WRITE_CHUNK = 20_000


def duckdb_memory_limit() -> str:
    return str(_configured("DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT_DEFAULT))


# A name (both names' sounds) shared by at most this many records of a file is a blocking key on its
# own for records without a date of birth (engine.names_rare): the pairs it adds are at most this
# many a record, and a commoner name needs a date of birth or an address besides to be compared.
BLOCKING_RARE_NAME_MAX = 300

# --- §3 Bulk checks --------------------------------------------------------------------------------
# A potential match in a bulk check must be reviewed within this many UK working days; the count of
# unreviewed potential matches is shown until it is zero (001 §6.22-§6.23: 27,991 never analysed).
BULK_MATCH_REVIEW_WORKING_DAYS = 10

# --- Work ------------------------------------------------------------------------------------------
QUEUE_REVIEW = "linkage-review"
QUEUE_BULK_CHECK = "linkage-bulk-check"
TASK_REVIEW_PAIR = "linkage.review_pair"
TASK_REVIEW_BULK_MATCH = "linkage.review_bulk_match"
TASK_NEW_CRIMINALITY = "linkage.new_criminality"
# A clerical review pair is decided within this many UK working days.
REVIEW_PAIR_WORKING_DAYS = 5
DEADLINE_REVIEW_PAIR = "linkage_review_pair"
DEADLINE_BULK_MATCH = "linkage_bulk_match"
# The owner acts on criminality not previously known within this many UK working days.
NEW_CRIMINALITY_WORKING_DAYS = 5
DEADLINE_NEW_CRIMINALITY = "linkage_new_criminality"

# --- Review pages ---------------------------------------------------------------------------------
# The review queue filters its pairs by band of match probability, so a reviewer can take the
# near-certain ones first: (key, label, lowest probability in the band), highest band first.
REVIEW_BANDS: tuple[tuple[str, str, float], ...] = (
    ("high", "Likely: 95% or more", 0.95),
    ("middle", "Possible: 90% to 95%", 0.90),
    ("low", "Doubtful: below 90%", 0.0),
)
# Rows per page on the review queue and the run history.
REVIEW_QUEUE_PAGE_SIZE = 50
RUN_LIST_PAGE_SIZE = 25

# --- Long jobs: imports, linkage runs, bulk checks (issue 16, problem 13) --------------------------
# How often the page that follows a long job reloads itself while the job waits or runs (a
# <meta http-equiv="refresh">: no script); it stops once the job has finished or failed.
PROGRESS_REFRESH_SECONDS = 5
# A run's and a bulk check's progress is saved as parts of this many: the steps before the one it
# is on, each weighed by its share of the job, and the part of this step done.
PROGRESS_SCALE = 1000
# A linkage run's steps, in order: (its key in ``LinkageRun.timings``, what the page says the run
# is doing, its share of the run's time). The shares are used until a run completes; after that
# each run weighs its steps by the last completed run's timings, so the estimate of the time left
# follows how long this data takes.
RUN_STEPS: tuple[tuple[str, str, int], ...] = (
    ("read", "Reading the records", 5),
    ("train", "Training the model (m and u probabilities)", 30),
    ("predict", "Scoring the blocked pairs", 45),
    ("write", "Writing people and the review queue", 20),
)
# A bulk check's steps, the same way. Writing is the longest: every potential match gets its own
# review task, and the page counts them as they are written.
BULK_CHECK_STEPS: tuple[tuple[str, str, int], ...] = (
    ("read", "Reading the people and the police records", 10),
    ("score", "Scoring the people against the police records", 40),
    ("write", "Giving each potential match a review task", 50),
)

# --- Import pages ---------------------------------------------------------------------------------
# Import pages: imports listed per page, and how often the progress page reloads while an import
# runs (the same as every long job's page).
IMPORT_LIST_PAGE_SIZE = 25
IMPORT_PROGRESS_REFRESH_SECONDS = PROGRESS_REFRESH_SECONDS
# Example values shown under each column on the mapping page.
IMPORT_MAPPING_EXAMPLE_ROWS = 3
