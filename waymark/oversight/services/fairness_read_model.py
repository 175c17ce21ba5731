"""The read model ``oversight.fairness`` (``core.read_models``; issue 20 item 5, "Benchmarks"):
the fairness page reads summary rows, not the decisions.

``fairness_read_model_rebuild(as_of)`` rewrites ``FairnessCount`` set-based: for every registered
decision point, one GROUP BY over the period band and the group of every dimension it can be
broken down by, over the point's QuerySet (``selectors.fairness_bands.fairness_band_counts``), added up
per dimension, and each band's count of people. The page's "last N months" is then the sum of a
few rows per group; suppression, reference group, Katz interval and flag are computed from those
sums exactly as from live counts.

A point with no decisions in the longest period writes nothing. Protected characteristics are
read as the system, one consultation entry per point and characteristic per rebuild; the rows are
aggregates, read only behind the restricted permission, and each page read is one consultation
entry for the reader.
"""

from __future__ import annotations

from datetime import datetime

from waymark.core import clock
from waymark.core.fairness import decision_points
from waymark.oversight.models import FairnessCount
from waymark.oversight.selectors.fairness_bands import fairness_band_counts, fairness_band_people
from waymark.oversight.selectors.fairness_sums import PEOPLE, forget_band_sums


def fairness_read_model_rebuild(as_of: datetime) -> int:
    """Delete and rewrite every summary row for the periods ending on ``as_of``'s London date
    (called inside ``core.read_models.read_model_refresh``'s transaction); returns the rows."""
    today = as_of.astimezone(clock.LONDON).date()
    rows: list[FairnessCount] = []
    for point in decision_points():
        counted = fairness_band_counts(point, today=today)
        if not any(counted.values()):
            continue
        for key, groups in counted.items():
            rows += [
                FairnessCount(
                    decision_point=point.key,
                    months=band,
                    dimension=key,
                    group=group[:200],
                    decisions=n,
                    outcomes=a,
                )
                for (band, group), (n, a) in groups.items()
            ]
        rows += [
            FairnessCount(
                decision_point=point.key,
                months=months,
                dimension=PEOPLE,
                group="",
                decisions=people,
                outcomes=0,
            )
            for months, people in fairness_band_people(point, today=today).items()
        ]
    FairnessCount.objects.all().delete()
    forget_band_sums()  # this process's sums of the old rows (a frozen clock can repeat an as-of)
    FairnessCount.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
