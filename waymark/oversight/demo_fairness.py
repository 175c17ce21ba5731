"""Fairness and data-quality demo data (issue 20 items 4-5): explain-or-reform items for the
disparities the modules' demo decisions flag, at every state (some open, some answered and
awaiting acceptance, some closed), and data-quality measurements over the past weeks so the
dashboard shows each rule's trend.

Everything goes through the services, so it is audited, and nothing is invented: an item is opened
only for a group the figures flag (the service recomputes and refuses anything else), looking at
every decision point by every breakdown that is not a protected characteristic over each period
the page offers, longest first. With no flagged disparity in the modules' demo data there are no
items, and the loader says so in its counts. Measurements are taken as the daily sweep takes them,
once a week back from the anchor (``MEASURE_WEEKS``): each measures the records as they stand, so
the trend moves with what the earlier loaders dated in the past.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection

from waymark.core import clock

MAX_ITEMS = 6  # at most this many items, across decision points
MEASURE_WEEKS = 8  # weekly data-quality measurements before the anchor's own
ANSWERS = {
    "explain": "The difference follows the mix of cases each team holds: the group's decisions "
    "were mostly made on referral from the prisons, where the outcome is more often reached. "
    "Checked against the case files of a sample of 20 decisions.",
    "reform": "The second check will be applied to every decision in this group for the next "
    "quarter, and the guidance on the decision rewritten with the team by the end of the month.",
}


def _user(username: str):
    from waymark.accounts.models import User

    return User.objects.filter(username=username, is_active=True).first()


def _flagged(analyst) -> list[tuple[str, str, str, int]]:
    """(point, dimension, group, months) of every flagged disparity, one per point, dimension and
    group (its longest period first), deterministic order."""
    from waymark.oversight import rules
    from waymark.oversight.selectors import fairness as sel

    found: dict[tuple[str, str, str], int] = {}
    for point in sel.fairness_points():
        for dimension in sel.fairness_dimensions_of(point):
            if dimension.protected:
                continue
            for months in sorted(rules.FAIRNESS_PERIOD_MONTHS, reverse=True):
                start, end = sel.period_for(months)
                table = sel.fairness_table(
                    actor=analyst,
                    point_key=point.key,
                    dimension_key=dimension.key,
                    start=start,
                    end=end,
                )
                for g in table.flagged:
                    found.setdefault((point.key, dimension.key, g.key), months)
    return [(*key, months) for key, months in found.items()]


def _refresh_planner_statistics() -> None:
    """On PostgreSQL, ``ANALYZE`` the freshly loaded tables before the figures read them. Without
    it the planner still counts the empty tables of before the load: at x10 it read a person's
    first nationality by walking the whole nationality table's key for every breach, and one
    fairness query ran for minutes instead of well under a second."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def fairness_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.oversight.models import DataQualityScore, DisparityReview
    from waymark.oversight.selectors.fairness import period_for
    from waymark.oversight.services import data_quality as dq
    from waymark.oversight.services import fairness as services

    counts = {"fairness_items": 0, "fairness_flagged": 0, "data_quality_measurements": 0}
    analyst, owner = _user("performance-analyst"), _user("data-protection")
    _refresh_planner_statistics()
    # Data quality first: weekly measurements back from the anchor, then the anchor's own.
    if not DataQualityScore.objects.filter(measured_on__lt=anchor.date()).exists():
        for weeks in range(MEASURE_WEEKS, -1, -1):
            with clock.frozen(anchor - timedelta(weeks=weeks)):
                dq.data_quality_measure(actor=None)
            counts["data_quality_measurements"] += 1
        if progress:
            progress(f"data quality measured {counts['data_quality_measurements']} times")
    if analyst is None or owner is None or DisparityReview.objects.exists():
        counts["fairness_items"] = DisparityReview.objects.count()
        return counts
    with clock.frozen(anchor):
        flagged = _flagged(analyst)
        counts["fairness_flagged"] = len(flagged)
        opened = []
        for point_key, dimension, group, months in flagged[:MAX_ITEMS]:
            start, end = period_for(months)
            try:
                opened.append(
                    services.disparity_review_open(
                        actor=analyst,
                        point_key=point_key,
                        dimension_key=dimension,
                        group=group,
                        start=start,
                        end=end,
                        owner=owner,
                        note=f"Flagged over the last {months} months: what explains it?",
                    )
                )
            except ValidationError:
                continue
        # Of the items: the first third stays open, the rest are answered by their owner (explain
        # and reform in turn), and every other answered item is accepted by the analyst.
        for i, item in enumerate(opened[len(opened) // 3 :]):
            kind = "explain" if i % 2 == 0 else "reform"
            item = services.disparity_review_answer(
                actor=owner, review=item, answer_kind=kind, answer=ANSWERS[kind]
            )
            if i % 2 == 0:
                services.disparity_review_close(actor=analyst, review=item)
        counts["fairness_items"] = len(opened)
    if progress:
        progress(f"{counts['fairness_items']} explain-or-reform items")
    return counts
