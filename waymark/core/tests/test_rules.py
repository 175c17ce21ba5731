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
