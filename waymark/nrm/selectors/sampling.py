"""Reads for dip sampling, ratings and trend reviews (002 rec 5c, 6b-c)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from waymark.core import clock
from waymark.nrm import rules
from waymark.nrm.models import (
    Decision,
    DecisionStage,
    DecisionStatus,
    QualityRating,
    SampleRound,
    TrendReview,
)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.LONDON)


def _end(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=clock.LONDON)


def positive_cg_served_ids(period_start: date, period_end: date) -> list[int]:
    """The dip sample's population: positive conclusive grounds decisions served in the period."""
    return sorted(
        Decision.objects.filter(
            stage=DecisionStage.CG,
            outcome__in=rules.POSITIVE_OUTCOMES,
            status=DecisionStatus.SERVED,
            served_at__gte=_start(period_start),
            served_at__lte=_end(period_end),
        ).values_list("pk", flat=True)
    )


def round_red_share(sample_round: SampleRound) -> float | None:
    """The share of the round's rated decisions rated red; None while nothing is rated."""
    ratings = [r for r in sample_round.ratings.all() if r.rating]
    if not ratings:
        return None
    return sum(1 for r in ratings if r.rating == "red") / len(ratings)


def red_shares_by_round(before: date | None = None) -> list[tuple[SampleRound, float]]:
    """Each earlier round with at least one rating and its red share, oldest first."""
    rounds = SampleRound.objects.prefetch_related("ratings").order_by("period_end", "drawn_at")
    if before is not None:
        rounds = rounds.filter(period_end__lt=before)
    shares = []
    for sample_round in rounds:
        share = round_red_share(sample_round)
        if share is not None:
            shares.append((sample_round, share))
    return shares


def next_rate(before: date | None = None) -> tuple[float, str]:
    """The rate for the next round and why (rules.dip_sample_rate over earlier rounds)."""
    shares = red_shares_by_round(before)
    latest = (
        (SampleRound.objects.filter(period_end__lt=before) if before else SampleRound.objects.all())
        .order_by("-period_end", "-drawn_at")
        .first()
    )
    current = latest.rate if latest is not None else rules.DIP_SAMPLE_RATE
    red = [share for _, share in shares]
    rate = rules.dip_sample_rate(current_rate=current, red_share_by_round=red)
    if not red:
        reason = f"No earlier round has been rated: the standard rate of {rate:.0%}"
    elif red[-1] > rules.DIP_SAMPLE_RED_SHARE:
        reason = (
            f"The last round had {red[-1]:.0%} red, more than "
            f"{rules.DIP_SAMPLE_RED_SHARE:.0%}: the rate stays at {rate:.0%}"
        )
    elif rate == rules.DIP_SAMPLE_EASED_RATE:
        reason = (
            f"The last {rules.DIP_SAMPLE_EASE_AFTER_ROUNDS} rounds were at or under "
            f"{rules.DIP_SAMPLE_RED_SHARE:.0%} red: eased to {rate:.0%}"
        )
    else:
        reason = (
            f"The last round had {red[-1]:.0%} red; easing needs "
            f"{rules.DIP_SAMPLE_EASE_AFTER_ROUNDS} rounds at or under "
            f"{rules.DIP_SAMPLE_RED_SHARE:.0%}: the rate stays at {rate:.0%}"
        )
    return rate, reason


def rounds_list() -> QuerySet[SampleRound]:
    return SampleRound.objects.select_related("drawn_by").prefetch_related("ratings")


def round_ratings(sample_round: SampleRound) -> QuerySet[QualityRating]:
    return sample_round.ratings.select_related(
        "decision", "decision__decision_maker", "decision__referral", "rated_by"
    ).order_by("decision_id")


def rating_get(pk: int) -> QualityRating:
    return QualityRating.objects.select_related(
        "decision", "decision__decision_maker", "decision__referral", "sample_round", "rated_by"
    ).get(pk=pk)


def quarter_end(quarter_start: date) -> date:
    month = quarter_start.month + 3
    year = quarter_start.year + (month > 12)
    month = month - 12 if month > 12 else month
    return date(year, month, 1) - timedelta(days=1)


def is_quarter_start(day: date) -> bool:
    return day.day == 1 and day.month in (1, 4, 7, 10)


def quality_figures(quarter_start: date) -> dict[str, Any]:
    """Ratings made in the quarter, by decision maker and by priority cohort (the trend review's
    figures): counts of red, amber and green, and the red share."""
    end = quarter_end(quarter_start)
    ratings = (
        QualityRating.objects.exclude(rating="")
        .filter(rated_at__gte=_start(quarter_start), rated_at__lte=_end(end))
        .values_list(
            "rating",
            "decision__decision_maker__first_name",
            "decision__decision_maker__last_name",
            "decision__decision_maker__username",
            "decision__referral__priority_cohort",
        )
    )
    by_maker: dict[str, Counter] = defaultdict(Counter)
    by_cohort: dict[str, Counter] = defaultdict(Counter)
    for rating, first, last, username, cohort in ratings:
        name = f"{first} {last}".strip() or username
        by_maker[name][rating] += 1
        by_cohort[rules.PRIORITY_COHORTS.get(cohort, cohort)][rating] += 1

    def rows(groups: dict[str, Counter]) -> list[dict[str, Any]]:
        out = []
        for label in sorted(groups):
            counts = groups[label]
            total = sum(counts.values())
            out.append(
                {
                    "label": label,
                    "red": counts["red"],
                    "amber": counts["amber"],
                    "green": counts["green"],
                    "total": total,
                    "red_share": round(counts["red"] / total, 3) if total else 0.0,
                }
            )
        return out

    return {
        "quarter_start": quarter_start.isoformat(),
        "quarter_end": end.isoformat(),
        "by_decision_maker": rows(by_maker),
        "by_priority_cohort": rows(by_cohort),
    }


def trend_reviews() -> QuerySet[TrendReview]:
    return TrendReview.objects.select_related("reviewed_by")


def quarter_start_of(day: date) -> date:
    return date(day.year, ((day.month - 1) // 3) * 3 + 1, 1)
