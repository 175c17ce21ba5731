"""The audit log's numbered rules added with the partitions and the sequencer's second look
(issue 17): these tests fail if a number changes (change them together)."""

from waymark.core import rules


def test_partitions_are_kept_three_months_ahead_checked_hourly():
    assert rules.AUDIT_PARTITION_MONTHS_AHEAD == 3
    assert rules.AUDIT_PARTITION_CHECK_INTERVAL.total_seconds() == 3600


def test_making_a_partition_waits_at_most_two_seconds_for_the_table_s_lock():
    assert rules.AUDIT_PARTITION_LOCK_TIMEOUT.total_seconds() == 2
    assert rules.AUDIT_PARTITION_LOCK_TIMEOUT < rules.AUDIT_SEALING_LAG_TARGET


def test_the_sequencer_looks_again_after_fifty_milliseconds():
    assert rules.AUDIT_SEAL_SETTLE.total_seconds() == 0.05
    assert rules.AUDIT_SEAL_SETTLE < rules.AUDIT_SEAL_INTERVAL


def test_the_sequencer_retries_a_lost_database_at_most_ten_seconds_apart():
    assert rules.AUDIT_SEAL_RETRY_MAX.total_seconds() == 10
    assert rules.AUDIT_SEAL_RETRY_MAX < rules.AUDIT_SEALING_LAG_ALARM


def test_the_log_counts_as_verified_for_a_day_and_a_whole_run_for_a_month():
    assert rules.AUDIT_VERIFIED_WITHIN.total_seconds() == 26 * 3600
    assert rules.AUDIT_WHOLE_VERIFIED_WITHIN.days == 32
