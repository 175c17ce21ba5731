"""The core's numbered rules: these tests fail if a number changes (change them together)."""

from waymark.core import rules
from waymark.core.middleware import REQUEST_ID
from waymark.core.models import AuditEvent


def test_retry_after_is_thirty_seconds():
    assert rules.RETRY_AFTER_SECONDS == 30


def test_a_request_id_fits_the_audit_trail():
    assert rules.REQUEST_ID_MAX_LENGTH == 64
    assert AuditEvent._meta.get_field("request_id").max_length == rules.REQUEST_ID_MAX_LENGTH
    assert REQUEST_ID.fullmatch("a" * 64)
    assert not REQUEST_ID.fullmatch("a" * 65)


def test_the_notifications_page_lists_fifty_a_page():
    assert rules.NOTIFICATIONS_PAGE_SIZE == 50


def test_a_job_s_time_left_is_estimated_from_two_percent_done():
    from datetime import datetime, timedelta

    from waymark.core.progress import time_left

    assert rules.ESTIMATE_AFTER_FRACTION == 0.02
    started = datetime(2026, 1, 1, 9, 0)
    now = started + timedelta(minutes=1)
    assert time_left(1, 100, started, now) == "Working out how long it will take"
    assert time_left(2, 100, started, now) == "About 49 minutes left"


def test_every_committed_audit_entry_is_sealed_within_five_seconds():
    assert rules.AUDIT_SEALING_LAG_TARGET.total_seconds() == 5
    assert rules.AUDIT_SEAL_INTERVAL.total_seconds() == 1
    assert rules.AUDIT_SEAL_INTERVAL < rules.AUDIT_SEALING_LAG_TARGET


def test_the_health_check_fails_past_thirty_seconds_of_sealing_lag():
    assert rules.AUDIT_SEALING_LAG_ALARM.total_seconds() == 30
    assert rules.AUDIT_SEALING_LAG_ALARM > rules.AUDIT_SEALING_LAG_TARGET


def test_the_background_health_check_fails_past_five_minutes_without_a_figures_refresh():
    assert rules.READ_MODEL_REFRESHER_ALARM.total_seconds() == 5 * 60
    assert rules.READ_MODEL_REFRESHER_ALARM > 2 * rules.READ_MODEL_MAX_AGE


def test_the_background_health_check_fails_past_ten_minutes_of_a_due_task_waiting():
    assert rules.TASK_QUEUE_WAIT_ALARM.total_seconds() == 10 * 60


def test_the_background_health_check_counts_due_tasks_up_to_ten_thousand():
    assert rules.TASK_QUEUE_COUNT_CAP == 10_000


def test_audit_batches_hold_five_thousand_entries_twenty_to_a_pass():
    assert rules.AUDIT_SEAL_BATCH_SIZE == 5000
    assert rules.AUDIT_SEAL_MAX_BATCHES_PER_PASS == 20
    assert rules.AUDIT_VERIFY_PAGE == 5000


def test_bulk_inserts_copy_from_twenty_rows():
    assert rules.BULK_INSERT_COPY_FROM == 20


def test_a_form_sent_twice_is_acted_on_once_within_ten_minutes():
    from waymark.core.models import FormSubmission

    assert rules.FORM_SUBMISSION_WAIT.total_seconds() == 10
    assert rules.FORM_SUBMISSION_POLL.total_seconds() == 0.1
    assert rules.FORM_SUBMISSION_IN_FLIGHT_TIMEOUT.total_seconds() == 90
    assert rules.FORM_SUBMISSION_REPLAY_FOR.total_seconds() == 600
    assert rules.FORM_SUBMISSION_KEPT.total_seconds() == 86400
    assert rules.FORM_SUBMISSION_TOKEN_MAX_LENGTH == 64
    assert FormSubmission._meta.get_field("token").max_length == 64
