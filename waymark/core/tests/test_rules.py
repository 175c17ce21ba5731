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


def test_every_committed_audit_entry_is_sealed_within_five_seconds():
    assert rules.AUDIT_SEALING_LAG_TARGET.total_seconds() == 5
    assert rules.AUDIT_SEAL_INTERVAL.total_seconds() == 1
    assert rules.AUDIT_SEAL_INTERVAL < rules.AUDIT_SEALING_LAG_TARGET


def test_the_health_check_fails_past_thirty_seconds_of_sealing_lag():
    assert rules.AUDIT_SEALING_LAG_ALARM.total_seconds() == 30
    assert rules.AUDIT_SEALING_LAG_ALARM > rules.AUDIT_SEALING_LAG_TARGET


def test_audit_batches_hold_five_thousand_entries_twenty_to_a_pass():
    assert rules.AUDIT_SEAL_BATCH_SIZE == 5000
    assert rules.AUDIT_SEAL_MAX_BATCHES_PER_PASS == 20
    assert rules.AUDIT_VERIFY_PAGE == 5000
