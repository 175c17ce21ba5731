"""Waymark's own health checks (``/health/``, django-health-check)."""

from __future__ import annotations

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from waymark.core import rules
from waymark.core.audit_sequencer import audit_sealing_lag


@dataclasses.dataclass
class AuditSealing(HealthCheck):
    """The audit log's sealing lag: how long the oldest committed entry not yet sealed has waited
    (decision 0015), shown with the check (``AuditSealing(lag_seconds=0.4)``). The target is
    ``AUDIT_SEALING_LAG_TARGET``; past ``AUDIT_SEALING_LAG_ALARM`` the check fails: the sequencer
    has stopped, or a transaction held open that long holds it back."""

    lag_seconds: float | None = None

    def run(self) -> None:
        from django.db import connection

        try:
            lag = audit_sealing_lag()
        finally:
            connection.close()  # this runs in the check's own thread: leave no connection open
        self.lag_seconds = round(lag.total_seconds(), 1)
        if lag > rules.AUDIT_SEALING_LAG_ALARM:
            raise ServiceUnavailable(
                f"Audit sealing lag {self.lag_seconds:.0f} s (target "
                f"{rules.AUDIT_SEALING_LAG_TARGET.total_seconds():.0f} s, unhealthy past "
                f"{rules.AUDIT_SEALING_LAG_ALARM.total_seconds():.0f} s): is audit_seal running?"
            )
