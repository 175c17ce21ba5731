"""The audit log's sealing page: is the sequencer keeping up, and is what it sealed anchored by a
signed checkpoint (issue 17; decision 0015). Numbers, times and hashes only: no personal data, so
viewing it is not itself audited."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from waymark.core import rules
from waymark.core.audit_status import audit_sealing_status
from waymark.core.permissions import no_personal_data, requires
from waymark.core.registrations import VIEW_AUDIT_SEALING


@requires(VIEW_AUDIT_SEALING)
@no_personal_data
@never_cache
def audit_sealing(request):
    return render(
        request,
        "pages/audit_sealing.html",
        {
            "status": audit_sealing_status(),
            "target_seconds": int(rules.AUDIT_SEALING_LAG_TARGET.total_seconds()),
            "alarm_seconds": int(rules.AUDIT_SEALING_LAG_ALARM.total_seconds()),
        },
    )
