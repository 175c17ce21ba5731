"""The figures computed in the database (medians, exploitation counts, ratings by month, advice
turnaround) equal their definitions, computed here the plain way in Python over the same rows, on
whichever database the tests run (SQLite or PostgreSQL); the portable median and JSON paths equal
PostgreSQL's own functions there."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from statistics import median

import pytest
from django.db import connection
from django.db.models import Count, F

from waymark.core.clock import LONDON
from waymark.nrm import rules
from waymark.nrm.models import Decision, QualityRating, Referral, SafeguardingAdvice
from waymark.nrm.selectors import _sql
from waymark.nrm.selectors import figures as fig
from waymark.nrm.tests.quality_factories import decision_make, referral_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

Q3 = (date(2026, 7, 1), date(2026, 9, 30))
AT = datetime(2026, 8, 3, 10, 0, tzinfo=LONDON)  # a Monday
# Hours from referral to service: uneven, so that the median is not the mean.
RG_HOURS = [20, 50, 51, 130, 200, 49, 75]  # odd count
CG_HOURS = [24 * 31, 24 * 40, 24 * 33 + 7, 24 * 50 + 5]  # even count, all served in Q3
TYPES = [
    ["forced_labour"],
    ["forced_labour", "sexual_exploitation"],
    [],
    ["criminal_exploitation", "forced_labour"],
    ["domestic_servitude"],
    [],
    ["sexual_exploitation"],
]


@pytest.fixture
def world(person, form_version, guidance_edition, decision_maker, specialist):
    for i, hours in enumerate(RG_HOURS):
        received = AT + timedelta(hours=3 * i)
        referral = referral_make(
            person, form_version, received_at=received, exploitation_types=TYPES[i]
        )
        rg = decision_make(
            referral,
            guidance_edition,
            decision_maker,
            stage="rg",
            outcome="positive",
            made_at=received,
            served_at=received + timedelta(hours=hours),
        )
        if i < len(CG_HOURS):
            decision_make(
                referral,
                guidance_edition,
                decision_maker,
                stage="cg",
                outcome="negative" if i % 2 else "positive_trafficking",
                made_at=received + timedelta(hours=CG_HOURS[i] - 1),
                served_at=received + timedelta(hours=CG_HOURS[i]),
            )
        # Advice: level 1 and 2, some given (turnaround in hours), one not given.
        for level, hours_to_give in ((1, 5 * i + 3), (2, None if i == 3 else 30 * i + 1)):
            SafeguardingAdvice.objects.create(
                decision=rg,
                level=level,
                requested_at=received,
                requested_by=decision_maker,
                given_at=None
                if hours_to_give is None
                else received + timedelta(hours=hours_to_give),
            )
        for n, rating in enumerate(("red", "green", "amber")[: 1 + i % 3]):
            QualityRating.objects.create(
                decision=rg,
                rating=rating,
                rated_at=datetime(2026, 7 + (i + n) % 3, 28, 23, 30, tzinfo=LONDON),
                rated_by=specialist,
            )


# The definitions, the plain way ------------------------------------------------------------------


def _time_to_decision_definition():
    out = []
    for stage, label in (("rg", "Reasonable grounds"), ("cg", "Conclusive grounds")):
        rows = Decision.objects.filter(
            stage=stage,
            status="served",
            served_at__gte=datetime(2026, 7, 1, tzinfo=LONDON),
            served_at__lt=datetime(2026, 10, 1, tzinfo=LONDON),
        ).select_related("referral")
        days = [(d.served_at - d.referral.received_at).total_seconds() / 86400 for d in rows]
        within = sum(
            1 for d in rows if d.served_at.astimezone(LONDON).date() <= d.referral.rg_due_on
        )
        share = round(within / len(days), 3) if stage == "rg" else None
        out.append((label, len(days), round(median(days), 1), share))
    return out


def _exploitation_definition():
    counts: Counter[str] = Counter()
    for types in Referral.objects.values_list("exploitation_types", flat=True):
        for code in types or ["not_specified"]:
            counts[code] += 1
    return [
        (rules.EXPLOITATION_TYPES.get(c, c), n)
        for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _advice_definition():
    by_level = defaultdict(list)
    for a in SafeguardingAdvice.objects.all():
        by_level[a.level].append((a.requested_at, a.given_at))
    target = rules.SAFEGUARDING_ADVICE_TARGET_WORKING_DAYS
    out = []
    for level in sorted(by_level):
        items = by_level[level]
        given = [(g - r).total_seconds() / 86400 for r, g in items if g is not None]
        within = sum(
            1
            for r, g in items
            if g is not None
            and g.astimezone(LONDON).date()
            <= rules.working_days_after(r.astimezone(LONDON).date(), target)
        )
        out.append(
            (
                rules.SAFEGUARDING_LEVELS.get(level, str(level)),
                len(items),
                len(given),
                round(median(given), 1) if given else None,
                round(within / len(items), 3),
            )
        )
    return out


def _quality_by_month_definition():
    counts = defaultdict(Counter)
    for r in QualityRating.objects.exclude(rating=""):
        counts[r.rated_at.astimezone(LONDON).strftime("%Y-%m")][r.rating] += 1
    return [
        (m, c["red"], c["amber"], c["green"], round(c["red"] / sum(c.values()), 3))
        for m, c in sorted(counts.items())
    ]


# The figures equal them --------------------------------------------------------------------------


def test_time_to_decision_medians_equal_the_definition(world):
    rows = fig.time_to_decision(*Q3)
    assert rows == _time_to_decision_definition()
    # Odd count: the middle value; even count: the mean of the two middle values.
    assert rows[0][2] == round(sorted(RG_HOURS)[3] / 24, 1)
    assert rows[1][2] == round((sorted(CG_HOURS)[1] + sorted(CG_HOURS)[2]) / 2 / 24, 1)


def test_exploitation_counts_equal_the_definition(world):
    rows = fig.referrals_by_exploitation_type(*Q3)
    assert rows == _exploitation_definition()
    assert dict(rows)[rules.EXPLOITATION_TYPES["forced_labour"]] == 3
    assert dict(rows)[rules.EXPLOITATION_TYPES.get("not_specified", "not_specified")] == 2


def test_safeguarding_advice_equals_the_definition(world):
    rows = fig.safeguarding_advice(*Q3)
    assert rows == _advice_definition()
    assert rows[1][1:3] == (len(RG_HOURS), len(RG_HOURS) - 1)  # level 2: one not given


def test_quality_by_month_equals_the_definition(world):
    # 23:30 in London on 28 July... is still July in London (22:30 UTC): months are London's.
    assert fig.quality_by_month(*Q3) == _quality_by_month_definition()


def test_portable_paths_equal_the_databases_own(world):
    """The window-function median equals the statistics median; on PostgreSQL it also equals
    percentile_cont, and the jsonb element counts are the ones held."""
    qs = Decision.objects.filter(status="served")
    value = F("served_at") - F("referral__received_at")
    portable = _sql.grouped_median(qs, "stage", value, method=_sql.PORTABLE, n=Count("pk"))
    assert round(portable["rg"]["median"], 6) == round(median(h / 24 for h in RG_HOURS), 6)
    assert round(portable["cg"]["median"], 6) == round(median(h / 24 for h in CG_HOURS), 6)
    assert portable["rg"]["n"] == len(RG_HOURS) and portable["cg"]["n"] == len(CG_HOURS)
    native = _sql.grouped_median(qs, "stage", value, n=Count("pk"))
    assert {k: (round(v["median"], 6), v["n"]) for k, v in native.items()} == {
        k: (round(v["median"], 6), v["n"]) for k, v in portable.items()
    }
    if connection.vendor == "postgresql":
        assert _sql.json_array_counts(Referral.objects.all(), "exploitation_types")[0] == {
            "forced_labour": 3,
            "sexual_exploitation": 2,
            "criminal_exploitation": 1,
            "domestic_servitude": 1,
        }


def test_an_empty_period_gives_empty_figures(world):
    empty = (date(2025, 1, 1), date(2025, 3, 31))
    assert fig.time_to_decision(*empty) == [
        ("Reasonable grounds", 0, None, None),
        ("Conclusive grounds", 0, None, None),
    ]
    assert fig.referrals_by_exploitation_type(*empty) == []
    assert fig.safeguarding_advice(*empty) == []
    assert fig.quality_by_month(*empty) == []
