"""Management information: the casework figures (from the read model's summary rows, with their
as-of time), and the same as CSV."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render

from waymark.casework import rules, selectors
from waymark.casework.permissions import VIEW_CASEWORK_MI
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.metrics import metrics_for_page
from waymark.core.permissions import no_personal_data, requires


@no_personal_data
@requires(VIEW_CASEWORK_MI)
def mi(request):
    return render(
        request,
        "casework/mi.html",
        {"f": selectors.mi_figures_summary(), "rules": rules, "bands": list(rules.BANDS)},
    )


@requires(VIEW_CASEWORK_MI)
@export_view
def mi_csv(request):
    """The figures as CSV through the export helper (issue 14 item 11); aggregate, naming nobody."""
    figures = selectors.mi_figures_summary()
    rows = [["as_of", "as_of", figures["as_of"].isoformat()], *_mi_rows(figures)]
    return export_csv(
        request,
        filename="casework-figures.csv",
        header=["figure", "key", "value"],
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="casework.mi_exported", query={}, purpose="Casework figures (MI), as CSV"
        ),
    )


def _mi_rows(figures: dict[str, Any]):
    """The rows of the figures CSV: figure, key, value."""
    # Each figure's definition, in the registry's words (core.metrics): one definition per figure.
    for m in metrics_for_page("casework:mi-csv"):
        yield ["definition", m.key.removeprefix("casework."), m.definition]
    for key in (
        "non_detained",
        "reporting_population",
        "absconders",
        "flagged",
        "reviews_due_14",
        "reviews_overdue",
        "prep_finalised",
        "prep_on_time",
        "further_decided",
        "further_on_time",
    ):
        yield ["headline", key, figures[key]]
    for row in figures["figure_1"]:
        for band, n in zip(rules.BANDS, row["bands"], strict=True):
            yield ["figure_1", f"{row['team']} band {band}", n]
    for row in figures["figure_6"]:
        for key in ("planned", "removed", "failed"):
            yield ["figure_6", f"{row['year']} {key}", row[key]]
    for _key, label, n in figures["figure_8"]:
        yield ["figure_8", label, n]
    for row in figures["figure_9"]:
        yield ["figure_9", f"{row['year']} referred", row["referred"]]
        yield ["figure_9", f"{row['year']} located", row["located"]]
    for label, n in figures["gatekeeping"]["by_reason"]:
        yield ["detention_rejected", label, n]
    for row in figures["reoffending"]:
        yield ["reoffending", row["label"], row["rate"]]
