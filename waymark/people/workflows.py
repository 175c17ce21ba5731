"""State machines of the person record (``waymark.core.workflows``).

``Vulnerability.status`` (states described on the model): a vulnerability is recorded in any of
its states (``services.vulnerability_record``); after that it may only be confirmed or stop
applying, and one that no longer applies stays so (if it returns, a new one is recorded). No
service changes a recorded vulnerability's status yet; a change must go through
``VULNERABILITY.move``.

    suspected ──► confirmed ──► no_longer_applies (final)
        └──────────────────────────►┘
"""

from __future__ import annotations

from waymark.core import workflows
from waymark.people.models import Vulnerability, VulnerabilityStatus

Status = VulnerabilityStatus
S = VulnerabilityStatus

VULNERABILITY_TRANSITIONS: dict[str, frozenset[str]] = workflows.table(
    [
        (S.SUSPECTED, {S.CONFIRMED, S.NO_LONGER_APPLIES}),
        (S.CONFIRMED, {S.NO_LONGER_APPLIES}),
        (S.NO_LONGER_APPLIES, set()),
    ]
)
TRANSITIONS = VULNERABILITY_TRANSITIONS

VULNERABILITY = workflows.Workflow(Vulnerability, VULNERABILITY_TRANSITIONS, label="vulnerability")
