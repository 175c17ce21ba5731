"""The EM Hub's data-quality rules (issue 20 item 4), the lists the Hub's data-quality page
already shows (``selectors.lists.data_quality``) measured across every record: registered in
``registrations.register_oversight_feeds``; oversight reads them through
``waymark.core.data_quality`` and never imports this module."""

from __future__ import annotations

from datetime import timedelta

from waymark.core import clock
from waymark.core.data_quality import DataQualityCheck, check_querysets
from waymark.monitoring import rules
from waymark.monitoring.models import Breach, Condition, ConditionStatus


def _active():
    return Condition.objects.filter(status=ConditionStatus.ACTIVE)


def no_issued_phone_check() -> DataQualityCheck:
    """Active EM conditions: the phone number issued at fitting is recorded (completeness)."""
    return check_querysets(
        _active(),
        _active().filter(issued_phone_number=""),
        kind="em-condition",
        label="No issued phone number on the EM condition",
    )


def no_device_serial_check() -> DataQualityCheck:
    """Active EM conditions: the fitted device's serial is recorded (completeness)."""
    return check_querysets(
        _active(),
        _active().filter(device_serial=""),
        kind="em-condition",
        label="No device serial on the EM condition",
    )


def breach_no_end_check() -> DataQualityCheck:
    """Breaches that started more than the flag period ago: an end time is recorded
    (timeliness)."""
    cutoff = clock.now() - timedelta(days=rules.BREACH_NO_END_FLAG_DAYS)
    older = Breach.objects.filter(started_at__lt=cutoff)
    return check_querysets(
        older,
        older.filter(ended_at__isnull=True),
        kind="em-breach",
        label="Breach with no end time",
    )
