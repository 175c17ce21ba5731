"""The operations demo reproduces seed 003's figures: Figure 3's ratings (exactly at x1), Figure 6's
powers of entry, the 15% joint share, 24 NRM referrals, 6 critical incidents per 4,000 visits, and
effect figures drawn from criminal casework's own records.

The platform demo is loaded once at x0.1 (as the casework demo test does); the x1 counts are
checked on the demo's visit plan, which decides every visit's rating, power and joint flag before a
row is written, so the suite stays fast."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

import pytest

from waymark.core import clock
from waymark.demo.generator import demo_load
from waymark.operations import demo, rules, selectors
from waymark.operations import models as m
from waymark.operations import selectors as measures
from waymark.work.models import ACTIVE_STATUSES, Task

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds the demo
ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
SCALE = 0.1


def _left_before_encounter() -> int:
    """Encounters of removed or returned people on a visit on or after the day they left."""
    from waymark.casework import selectors as casework_selectors

    encounters = list(
        m.Encounter.objects.filter(person__isnull=False).values_list(
            "person_id", "visit__planned_start"
        )
    )
    left = casework_selectors.removal_outcome_dates_for_people({pid for pid, _at in encounters})
    return sum(
        1
        for pid, at in encounters
        if pid in left and at.astimezone(clock.LONDON).date() >= left[pid]
    )


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            counts = demo_load(scale=SCALE, seed=2026, anchor=ANCHOR, correspondence=False).counts
            with clock.frozen(ANCHOR):
                period = measures.period_default()
                figures = measures.measures_all(period)
                extra = {
                    "counts": counts,
                    "objectives": measures.objectives_with_status(period),
                    "objectives_from_figures": measures.objectives_with_status(
                        period, figures=figures
                    ),
                    "data_quality": measures.data_quality_counts(),
                    "s179_unlicensed": m.Visit.objects.filter(
                        intended_power="licensing_s179", premises__licensed=False
                    ).count(),
                    "s179_entries_unlicensed": m.EntryRecord.objects.filter(
                        power="licensing_s179", visit__premises__licensed=False
                    ).count(),
                    "officers": Counter(
                        m.VisitOfficer.objects.filter(visit__status="closed").values_list(
                            "visit_id", flat=True
                        )
                    ),
                    "legacy_rated": m.Visit.objects.filter(source="legacy")
                    .exclude(risk_rating="")
                    .count(),
                    "legacy": m.Visit.objects.filter(source="legacy").count(),
                    "central": Counter(
                        m.Visit.objects.filter(team__slug="ice-central-london").values_list(
                            "status", flat=True
                        )
                    ),
                    "demo_oic_visits": m.Visit.objects.filter(
                        officer_in_charge__username="officer-in-charge", status="deployed"
                    ).count(),
                    "field_officer_on": m.VisitOfficer.objects.filter(
                        officer__username="field-officer",
                        visit__status__in=["authorised", "deployed"],
                    ).count(),
                    "teams": m.Visit.objects.values("team").distinct().count(),
                    "overdue_closure_tasks": Task.objects.filter(
                        task_type=rules.TASK_CLOSE,
                        status__in=ACTIVE_STATUSES,
                        due_at__lt=clock.now(),
                    ).count(),
                    "left_before_encounter": _left_before_encounter(),
                    "ready_missing": [
                        [step.key for step in selectors.visit_readiness(v) if not step.done]
                        for v in m.Visit.objects.filter(
                            status="authorised",
                            team__slug="ice-central-london",
                            checks__check_type="final_status",
                        ).distinct()
                    ],
                }
            transaction.set_rollback(True)
    return figures, extra


def test_figure_3_exactly_at_x1_in_the_visit_plan():
    plan = demo._plan_visits(random.Random(1), 1.0, ANCHOR.date())
    ratings = Counter(v["rating"] or None for v in plan)
    assert len(plan) == rules.DEMO_VISITS_PER_YEAR == 3_796
    assert ratings == {"green": 3_312, "amber": 35, None: 449}
    assert all(
        v["legacy"] for v in plan if not v["rating"]
    )  # the 449 are imported notebook records
    powers = Counter(v["power"] for v in plan)
    assert {k: round(100 * n / len(plan), 1) for k, n in powers.items()} == {
        "informed_consent": 59.0,
        "licensing_s179": 22.6,
        "warrant": 16.9,
        "ad_letter_s28ca": 0.1,
        "other": 1.4,
    }
    assert round(100 * sum(v["joint"] for v in plan) / len(plan), 1) == 15.0
    assert len({v["team"] for v in plan}) == 15


def test_the_visit_plan_is_the_same_for_the_same_seed():
    first = demo._plan_visits(random.Random(7), SCALE, ANCHOR.date())
    again = demo._plan_visits(random.Random(7), SCALE, ANCHOR.date())
    assert first == again


def test_ratings_at_scale_follow_figure_3_including_no_rating(loaded):
    figures, extra = loaded
    rows = {r["key"]: r["n"] for r in figures["by_rating"]}
    assert rows == {
        "green": round(3_312 * SCALE),
        "amber": round(35 * SCALE),
        "red": 0,
        "none": round(449 * SCALE),
    }
    total = sum(rows.values())
    assert abs(rows["none"] / total - 449 / 3_796) < 0.01
    assert extra["legacy"] == rows["none"] and extra["legacy_rated"] == 0


def test_powers_of_entry_follow_figure_6_and_s179_only_at_licensed_premises(loaded):
    figures, extra = loaded
    shares = {r["key"]: r["pct"] for r in figures["powers"]}
    for key, share in rules.DEMO_POWER_SHARES.items():
        assert abs(shares[key] - 100 * share) <= 0.5, key
    assert extra["s179_unlicensed"] == 0 and extra["s179_entries_unlicensed"] == 0


def test_joint_share_officers_per_visit_and_the_fifteen_teams(loaded):
    figures, extra = loaded
    assert abs(figures["joint"]["pct"] - 100 * rules.DEMO_JOINT_SHARE) <= 0.5
    low, high = rules.DEMO_OFFICERS_PER_VISIT
    assert all(low <= n <= high for n in extra["officers"].values())
    assert extra["teams"] == 15


def test_sectors_are_led_by_restaurants_and_takeaways(loaded):
    figures, _extra = loaded
    top = [r["label"] for r in figures["by_sector"][:2]]
    assert top[0] == "Restaurants and takeaways"
    assert len(figures["by_sector"]) <= rules.SECTOR_TOP + 1


def test_nrm_referrals_critical_incidents_and_british_most_encountered(loaded):
    figures, _extra = loaded
    safeguarding = {r["key"]: r["n"] for r in figures["safeguarding"]}
    assert safeguarding["nrm"] == round(rules.DEMO_NRM_REFERRALS_PER_YEAR * SCALE)
    visits = figures["incidents"]["total"]
    assert figures["incidents"]["n"] == round(
        visits * rules.DEMO_CRITICAL_INCIDENTS_PER_4000 / 4000
    )
    nationalities = figures["nationalities"]
    british = nationalities["excluded"][0]["encountered"]
    assert british == round(demo.BRITISH_ENCOUNTERED_AT_X1 * SCALE)
    assert british > nationalities["rows"][0]["encountered"]  # footnote 15
    assert all(r["code"] != "GBR" for r in nationalities["rows"])


def test_effect_shows_people_removed_through_casework_records(loaded):
    figures, extra = loaded
    effect = {r["key"]: r["n"] for r in figures["effect"]["rows"]}
    assert effect["removed"] > 0 and effect["detained"] > 0 and effect["not_known"] > 0
    assert figures["effect"]["unlinked"] == 0
    assert extra["left_before_encounter"] == 0  # nobody is encountered after they were removed


def test_closures_mostly_within_48_hours_and_a_few_overdue(loaded):
    figures, extra = loaded
    assert figures["closure"]["on_time_pct"] > 90
    assert figures["closure"]["overdue_now"] == demo.OVERDUE_NOW
    # One definition: the measures page's count is the queue's overdue closure tasks.
    assert extra["overdue_closure_tasks"] == figures["closure"]["overdue_now"]
    assert (
        extra["data_quality"]["thin_debrief"] > 0
        and extra["data_quality"]["unaccepted_briefing"] >= 1
    )


def test_demo_users_have_visits_in_every_state(loaded):
    _figures, extra = loaded
    central = extra["central"]
    assert central["planning"] >= 3 and central["authorised"] >= 2 and central["deployed"] >= 2
    assert extra["demo_oic_visits"] >= demo.DEPLOYED_NOW
    assert extra["field_officer_on"] >= 3


def test_objectives_are_seeded_with_a_live_status(loaded):
    _figures, extra = loaded
    statuses = {
        row["measure"].measure_key: row["status"]
        for o in extra["objectives"]
        for row in o["measures"]
    }
    assert set(statuses) >= {
        "visits_risk_rated_pct",
        "closed_within_due_pct",
        "briefing_acceptance_pct",
        "nrm_where_indicators_pct",
    }
    assert statuses["visits_risk_rated_pct"] == "red"  # 449 of 3,796 unrated
    assert "none" not in statuses.values()


def test_objective_figures_read_from_the_page_figures_match_a_fresh_count(loaded):
    _figures, extra = loaded
    again = extra["objectives_from_figures"]
    fresh = {row["measure"].pk: row["value"] for o in extra["objectives"] for row in o["measures"]}
    assert {row["measure"].pk: row["value"] for o in again for row in o["measures"]} == fresh


def test_one_authorised_visit_waits_only_for_the_field_officers_briefing(loaded):
    """The demo's walk-through: deployment refused until field-officer accepts the briefing."""
    _figures, extra = loaded
    assert extra["ready_missing"] == [["briefing"]]
