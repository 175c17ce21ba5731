"""Reads for the run history: one run, the run waiting or running, and a run's measured accuracy,
phase timings, trained model (m and u per comparison level) and the spread of its pairs' scores."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Count, F, Max, Min, QuerySet
from django.db.models.functions import Floor
from django.http import Http404

from waymark.core.charts import nice_step, tick_label
from waymark.linkage.engine import COMPARISON_LABELS
from waymark.linkage.models import DECIDED, CandidatePair, LinkageRun, PairStatus, RunStatus
from waymark.linkage.selectors._common import signed


def run_get(pk: int) -> LinkageRun:
    run = LinkageRun.objects.select_related("created_by").filter(pk=pk).first()
    if run is None:
        raise Http404("No such linkage run")
    return run


def run_completed_exists() -> bool:
    return LinkageRun.objects.filter(status=RunStatus.COMPLETED).exists()


def run_active() -> LinkageRun | None:
    """The run waiting to start or running, if any (only one at a time)."""
    return LinkageRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).first()


def run_list() -> QuerySet[LinkageRun]:
    return LinkageRun.objects.select_related("created_by").order_by("-created_at", "-pk")


ACCURACY_LABELS = {
    "pairwise": "Pairwise links",
    "clusters": "Final clusters",
    "cluster": "Final clusters",
    "pairs": "Pairwise links",
}


def run_accuracy_rows(run: LinkageRun) -> list[dict[str, Any]]:
    """Precision, recall and F1 rows from ``run.accuracy`` (one per measure: pairwise, clusters);
    a flat dict of figures is shown as one row."""
    accuracy = run.accuracy or {}
    if not accuracy:
        return []
    if "precision" in accuracy:
        groups = [("Links", accuracy)]
    else:
        groups = [
            (ACCURACY_LABELS.get(k, k.replace("_", " ").capitalize()), v)
            for k, v in accuracy.items()
            if isinstance(v, dict) and "precision" in v
        ]
    return [
        {
            "label": label,
            "precision": _pct(v.get("precision")),
            "recall": _pct(v.get("recall")),
            "f1": _fixed(v.get("f1")),
            "true_pairs": v.get("true_pairs"),
            "predicted_pairs": v.get("predicted_pairs"),
        }
        for label, v in groups
    ]


def run_blocking(run: LinkageRun) -> dict[str, Any] | None:
    """Blocking recall where a truth is known: the true pairs the blocking rules compared (a pair
    never compared can never be linked), and the comparisons per record the rules cost."""
    blocking = (run.accuracy or {}).get("blocking")
    if not isinstance(blocking, dict) or "recall" not in blocking:
        return None
    return {
        "recall": _pct(blocking["recall"]),
        "true_pairs": blocking.get("true_pairs"),
        "compared": blocking.get("compared"),
        "per_record": f"{float(blocking.get('comparisons_per_record') or 0):.1f}",
    }


def run_calibration(run: LinkageRun) -> dict[str, Any] | None:
    """The run's calibration for its page: per band of match probability the pairs, the model's
    expected share of true matches, the measured share where a truth is known, and the clerical
    decisions so far on the pairs this run scored (the share decided "the same person"); then the
    expected precision and recall at the run's thresholds."""
    calibration = run.calibration or {}
    if not calibration.get("bands"):
        return None
    decided = list(
        CandidatePair.objects.filter(run=run, status__in=DECIDED).values_list(
            "match_probability", "status"
        )
    )
    rows = []
    for band in calibration["bands"]:
        if band["to"] <= run.lower_threshold and not band["pairs"]:
            continue  # below the lower threshold: never scored into the run
        inside = [s for p, s in decided if band["from"] <= p < band["to"] or p == band["to"] == 1]
        rows.append(
            {
                "label": f"{_pct(band['from'])} to {'under ' if band['to'] < 1 else ''}"
                f"{_pct(band['to'])}",
                "pairs": band["pairs"],
                "expected": _pct(band["expected_share"]),
                "measured": _pct(band["measured_share"])
                if band.get("measured_share") is not None
                else "No truth",
                "decided": len(inside),
                "decided_same": _pct(
                    sum(s == PairStatus.MATCH for s in inside) / len(inside) if inside else None
                ),
            }
        )
    return {
        "bands": rows,
        "expected_precision": _pct(calibration.get("expected_precision")),
        "expected_recall": _pct(calibration.get("expected_recall")),
        "expected_recall_reviewed": _pct(calibration.get("expected_recall_reviewed")),
        "expected_review_share": _pct(calibration.get("expected_review_share")),
        "measured_precision": _pct(calibration.get("measured_precision"))
        if calibration.get("measured_precision") is not None
        else None,
        "auto_pairs": calibration.get("auto_pairs"),
        "review_pairs": calibration.get("review_pairs"),
    }


def _pct(value: Any) -> str:
    return f"{100 * float(value):.2f}%" if isinstance(value, int | float) else "Not measured"


def _fixed(value: Any) -> str:
    return f"{float(value):.4f}" if isinstance(value, int | float) else "Not measured"


def run_timings(run: LinkageRun) -> list[dict[str, Any]]:
    rows = [
        {"phase": str(k).replace("_", " ").capitalize(), "seconds": f"{float(v):.2f}"}
        for k, v in (run.timings or {}).items()
        if isinstance(v, int | float)
    ]
    return rows


def run_model_levels(run: LinkageRun) -> list[dict[str, Any]]:
    """The trained model per comparison: each level's m and u and the weight they give."""
    out = []
    for comparison in (run.model or {}).get("comparisons", []):
        levels = []
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = None
            if isinstance(m, int | float) and isinstance(u, int | float) and m > 0 and u > 0:
                weight = math.log2(m / u)
            levels.append(
                {
                    "label": level.get("label_for_charts", ""),
                    "m": _prob(m),
                    "u": _prob(u),
                    "weight": signed(weight) if weight is not None else "Not trained",
                }
            )
        name = comparison.get("output_column_name", "")
        out.append(
            {
                "name": name,
                "levels": levels,
                "description": COMPARISON_LABELS.get(name)
                or comparison.get("comparison_description", ""),
            }
        )
    return out


def _prob(value: Any) -> str:
    if not isinstance(value, int | float):
        return "Not trained"
    if value and value < 0.0001:
        return f"{value:.2e}"
    return f"{value:.4f}"


def run_prior(run: LinkageRun) -> str:
    value = (run.model or {}).get("probability_two_random_records_match")
    return f"{value:.2e}" if isinstance(value, int | float) else ""


SCORE_BINS = 10  # about this many bins of a round width (1, 2 or 5 times a power of ten)


def run_score_bins(run: LinkageRun) -> dict[str, Any]:
    """The match weights of the pairs this run scored (and no later run re-scored), counted in
    equal bins of a round width, for the run page's histogram; counted by the database.

    Returns ``total``, ``auto`` (at or above the run's upper threshold), ``edges`` and ``bins``
    (``label``, ``count``), each bin from its lower edge up to, not including, its upper one."""
    pairs = CandidatePair.objects.filter(run=run)
    span = pairs.aggregate(low=Min("match_weight"), high=Max("match_weight"), n=Count("pk"))
    total = span["n"] or 0
    if not total:
        return {"total": 0, "auto": 0, "edges": [], "bins": []}
    low, high = float(span["low"]), float(span["high"])
    step = nice_step((high - low) / SCORE_BINS) if high > low else 1.0
    start = math.floor(low / step) * step
    count = math.floor((high - start) / step) + 1
    counted = dict(
        pairs.annotate(bin=Floor((F("match_weight") - start) / step))
        .values_list("bin")
        .annotate(n=Count("pk"))
        .values_list("bin", "n")
    )
    edges = [round(start + i * step, 10) for i in range(count + 1)]
    bins = [
        {
            "label": f"{tick_label(edges[i], step)} to under {tick_label(edges[i + 1], step)}",
            "count": int(counted.get(i, 0)) + (int(counted.get(count, 0)) if i == count - 1 else 0),
        }
        for i in range(count)
    ]
    return {
        "total": total,
        "auto": pairs.filter(match_probability__gte=run.upper_threshold).count(),
        "edges": edges,
        "bins": bins,
    }
