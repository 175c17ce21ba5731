"""The casework figures' read model (issue 17 item 4): rebuild ``CaseworkFigureFact``.

One GROUP BY per figure, over the definitions of ``selectors.figures.mi_figures`` (the live
computation, which the tests hold these rows to). Only the figures that are plain counts of
records are here so far; the rest of the page is still computed live.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F

from waymark.casework.models import (
    Case,
    CaseworkFigureFact,
    DetentionRequest,
    EtdApplication,
    RemovalDirection,
    VoluntaryReturnOffer,
)
from waymark.casework.selectors.access import cases_with_band
from waymark.casework.workflows import CaseStatus, RemovalStatus
from waymark.core.read_models import facts_grouped, facts_replace

READ_MODEL = "casework.figures"


def figures_read_model_rebuild(as_of: datetime) -> int:
    """Rewrite every summary row of the casework figures (in the caller's transaction:
    ``core.read_models.read_model_refresh``)."""
    rows: list[dict[str, Any]] = facts_grouped(
        cases_with_band(Case.objects.filter(status=CaseStatus.OPEN)),
        measure="open_case",
        k1=F("person__owning_team__name"),
        k2=F("effective_band"),
    )
    rows += facts_grouped(
        RemovalDirection.objects.exclude(status=RemovalStatus.CANCELLED),
        measure="removal",
        day=F("planned_for"),
        k1=F("status"),
        k2=F("failure_reason"),
    )
    rows += facts_grouped(
        DetentionRequest.objects.all(),
        measure="detention_request",
        k1=F("decision"),
        k2=F("rejection_reason"),
    )
    rows += facts_grouped(
        EtdApplication.objects.all(), measure="etd", k1=F("country"), k2=F("status")
    )
    rows += facts_grouped(
        VoluntaryReturnOffer.objects.all(), measure="voluntary_return", k1=F("outcome")
    )
    return facts_replace(CaseworkFigureFact, rows)
