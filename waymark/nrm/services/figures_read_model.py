"""The figures page's read model (issue 17 item 4 applied to issue 19's figures page).

``figures_read_model_rebuild(as_of)`` recomputes every figure of every quarter the page offers
(``selectors.figures.quarter_options``: the current quarter and the seven before it) with the one
definition of each figure (``selectors.figures.FIGURES``), and the data-quality counts, and
rewrites ``FiguresSummary``. ``core.read_models.read_model_refresh`` runs it in one transaction,
so a reader sees the old rows or the new ones, and ``read_model_as_of`` rebuilds rows older than
a minute before they are read. A quarter outside the offered eight is computed live."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from waymark.core import clock
from waymark.nrm.models import FiguresSummary
from waymark.nrm.selectors import figures as fig

DATA_QUALITY = "data_quality"


def _value(value):
    """As the page shows it: a Decimal (a median on PostgreSQL) as a float, a date as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _jsonable(rows):
    return [[_value(v) for v in row] for row in rows]


def figures_read_model_rebuild(as_of: datetime) -> int:
    today = as_of.astimezone(clock.LONDON).date()
    summaries = [FiguresSummary(quarter="", figure=DATA_QUALITY, rows=fig.data_quality())]
    for label in fig.quarter_options(today):
        start, end, label = fig.quarter_bounds(label, today)
        for name, rows in fig.all_figures(start, end).items():
            summaries.append(FiguresSummary(quarter=label, figure=name, rows=_jsonable(rows)))
    FiguresSummary.objects.all().delete()
    FiguresSummary.objects.bulk_create(summaries)
    return len(summaries)
