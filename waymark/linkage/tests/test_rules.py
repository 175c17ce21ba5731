"""Every number of the linkage module, pinned: changing one is a deliberate act with this test to
update (brief linkage.md; docs/modules/linkage.md says why each is what it is)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from waymark.linkage import generator, rules


def test_the_thresholds_link_at_99_percent_and_review_from_80():
    assert rules.UPPER_THRESHOLD_DEFAULT == 0.99
    assert rules.LOWER_THRESHOLD_DEFAULT == 0.80
    assert rules.band_for(0.99) == "auto"
    assert rules.band_for(0.9899) == "review"
    assert rules.band_for(0.80) == "review"
    assert rules.band_for(0.7999) == "apart"


def test_the_thresholds_are_configuration():
    with override_settings(WAYMARK_LINKAGE={"UPPER_THRESHOLD": 0.95, "LOWER_THRESHOLD": 0.5}):
        assert rules.upper_threshold() == 0.95 and rules.lower_threshold() == 0.5
        assert rules.band_for(0.96) == "auto" and rules.band_for(0.6) == "review"


def test_an_upload_is_at_most_50_mb_and_a_million_rows():
    assert rules.MAX_FILE_BYTES_DEFAULT == 50 * 1024 * 1024
    assert rules.MAX_ROWS_DEFAULT == 1_000_000
    with override_settings(WAYMARK_LINKAGE={"MAX_FILE_BYTES": 100, "MAX_ROWS": 10}):
        assert rules.max_file_bytes() == 100 and rules.max_rows() == 10


def test_work_deadlines_in_uk_working_days():
    assert rules.REVIEW_PAIR_WORKING_DAYS == 5
    assert rules.BULK_MATCH_REVIEW_WORKING_DAYS == 10
    assert rules.NEW_CRIMINALITY_WORKING_DAYS == 5


def test_calibration_bands_from_50_percent_to_999_in_1000():
    assert rules.CALIBRATION_BANDS == (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


def test_incremental_matching_looks_up_200_a_rule_and_scores_the_best_40():
    assert rules.INCREMENTAL_MAX_BLOCK == 200
    assert rules.INCREMENTAL_MAX_SCORED == 40


def test_page_sizes_progress_and_candidates():
    assert rules.REPORT_PAGE_SIZE == 50
    assert rules.PROGRESS_EVERY_ROWS == 500
    assert rules.HEADER_SEARCH_ROWS == 20
    assert (rules.YEAR_ONLY_FROM, rules.YEAR_ONLY_TO, rules.EARLIEST_YEAR) == (1800, 2100, 1900)
    assert rules.DATE_ORDER_SAMPLE_ROWS == 10_000
    assert rules.SEPARATOR_SNIFF_LINES == 50
    assert rules.INCREMENTAL_MAX_CANDIDATES == 5
    assert rules.TRAINING_MAX_PAIRS == 2_000_000
    assert rules.TRAINING_MAX_RECORDS == 250_000
    assert (
        rules.REVIEW_QUEUE_PAGE_SIZE,
        rules.RUN_LIST_PAGE_SIZE,
        rules.IMPORT_LIST_PAGE_SIZE,
    ) == (50, 25, 25)
    assert rules.IMPORT_PROGRESS_REFRESH_SECONDS == 5
    assert rules.IMPORT_MAPPING_EXAMPLE_ROWS == 3


def test_long_jobs_pages_refresh_every_5_seconds_and_weigh_their_steps():
    assert rules.PROGRESS_REFRESH_SECONDS == 5 == rules.IMPORT_PROGRESS_REFRESH_SECONDS
    assert rules.PROGRESS_SCALE == 1000
    assert [(key, share) for key, _label, share in rules.RUN_STEPS] == [
        ("read", 5),
        ("train", 30),
        ("predict", 45),
        ("write", 20),
    ]
    assert [(key, share) for key, _label, share in rules.BULK_CHECK_STEPS] == [
        ("read", 10),
        ("score", 40),
        ("write", 50),
    ]
    # Every label fits LinkageRun.phase and BulkCheck.phase with a count after it.
    assert all(len(label) <= 60 for _k, label, _s in (*rules.RUN_STEPS, *rules.BULK_CHECK_STEPS))


def test_review_bands_lie_inside_the_review_range_highest_first():
    floors = [floor for _key, _label, floor in rules.REVIEW_BANDS]
    assert floors == [0.95, 0.90, 0.0]
    assert all(
        rules.LOWER_THRESHOLD_DEFAULT < f < rules.UPPER_THRESHOLD_DEFAULT for f in floors[:-1]
    )


@pytest.mark.parametrize(
    ("category", "count"),
    [
        ("lit", 25),
        ("removals_fru", 92),
        ("asylum", 24),
        ("border_force", 2),
        ("nrc_detained", 21),
        ("unidentified", 38),
        ("blank", 135),
    ],
)
def test_figure_3_of_seed_001(category, count):
    assert generator.FIGURE3_COUNTS[category] == count
    assert sum(generator.FIGURE3_COUNTS.values()) == 337


def test_the_engine_trains_its_prior_at_70_percent_recall_on_twenty_five_blocking_rules():
    from waymark.linkage import engine

    assert engine.PRIOR_RECALL == 0.7
    assert len(engine.BLOCKING_RULES) == 25 and len(engine.TRAINING_BLOCKS) == 3
    assert len(engine.TRAINING_BLOCKS_FALLBACK) == 7 and len(engine.PRIOR_RULES) == 2
    # Fifteen of the rules need no date of birth or year (issue 18 item 3): nine never read it
    # (the phone number among them), six (rare names, two of them swapped) are for records where
    # it is missing.
    assert sum("dob" not in r and "birth_year" not in r for r in engine.BLOCKING_RULES) == 9
    assert sum("dob IS NULL" in r for r in engine.BLOCKING_RULES) == 6
    assert engine.PHONE_SUFFIX_DIGITS == 9
    assert engine.NAME_TF_WEIGHT == 0.5
    # No prior rule needs an identifier (issue 18 item 1).
    assert not any("home_office_ref" in r or "pnc_id" in r for r in engine.PRIOR_RULES)


def test_a_name_shared_by_at_most_300_records_blocks_alone_where_a_date_of_birth_is_missing():
    from waymark.linkage import engine

    assert rules.BLOCKING_RARE_NAME_MAX == 300
    record = {"given_phonetic": "MRK", "family_phonetic": "SNTS"}
    assert engine.names_rare([record] * 300) == ["MRK SNTS"] * 300
    assert engine.names_rare([record] * 301) == [None] * 301


def test_training_falls_back_to_a_prior_of_1_in_100000_and_keeps_every_level_possible():
    assert rules.TRAINING_PRIOR_FALLBACK == 1e-5
    assert rules.TRAINING_MAX_BLOCK_PAIRS == 20_000_000
    assert rules.TRAINING_M_FLOOR == 0.01
    assert rules.TRAINING_U_FLOOR == 1e-6


def test_a_run_gives_duckdb_3_gb_a_session_and_writes_20000_at_a_time():
    from waymark.linkage import engine

    assert rules.DUCKDB_MEMORY_LIMIT_DEFAULT == "3GB"
    assert rules.RUN_WRITE_CHUNK == 20_000
    assert engine.CONTRIBUTIONS_CHUNK == 5_000
    with override_settings(WAYMARK_LINKAGE={}):
        assert rules.duckdb_memory_limit() == "3GB"
    with override_settings(WAYMARK_LINKAGE={"DUCKDB_MEMORY_LIMIT": "4GB"}):
        assert rules.duckdb_memory_limit() == "4GB"
