"""The figures page and its CSV read the summary rows (``services.figures_read_model``) for the
eight quarters the page offers, with the rows' as-of time; an older quarter (asked for by URL) is
computed live from the same definitions, and says so (``as_of`` None)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from waymark.core.read_models import read_model_as_of
from waymark.nrm.models import FiguresSummary
from waymark.nrm.selectors import figures as fig

READ_MODEL = "nrm.figures"
DATA_QUALITY = "data_quality"


@dataclass(frozen=True)
class QuarterFigures:
    start: date
    end: date
    label: str
    rows: dict[str, list[Any]]
    quality: dict[str, int]
    as_of: datetime | None  # None: computed live from the records just now


def quarter_figures(quarter: str | None) -> QuarterFigures:
    start, end, label = fig.quarter_bounds(quarter)
    if label not in fig.quarter_options():
        return QuarterFigures(
            start, end, label, fig.all_figures(start, end), fig.data_quality(), None
        )
    as_of = read_model_as_of(READ_MODEL)
    stored = {
        (q, name): rows
        for q, name, rows in FiguresSummary.objects.filter(quarter__in=[label, ""]).values_list(
            "quarter", "figure", "rows"
        )
    }
    rows = {name: [tuple(r) for r in stored.get((label, name), [])] for name in fig.FIGURES}
    quality = stored.get(("", DATA_QUALITY)) or dict.fromkeys(fig.DATA_QUALITY_LABELS, 0)
    return QuarterFigures(start, end, label, rows, quality, as_of)
