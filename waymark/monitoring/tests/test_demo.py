"""The EM demo reproduces the seed's figures from records (000 Figures 5, 6, 9, 14; §5.18)."""

from __future__ import annotations

from datetime import datetime

import pytest

from waymark.core import clock
from waymark.demo.generator import demo_load
from waymark.monitoring import rules, selectors
from waymark.monitoring.demo import MONTHLY_BREACHES, TYPE_MIX
from waymark.monitoring.models import Breach, Condition, ConditionStatus, Review, TrailDataRequest

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)


pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds the demo


def test_the_em_demo_reproduces_the_reports_figures():
    """One load at x1 (about 20 s), then each figure: Figure 6, the battery effect, Figure 5,
    Figure 14, §5.18 and Figure 9."""
    with clock.frozen(ANCHOR):
        demo_load(scale=1.0, anchor=ANCHOR, correspondence=False, modules={"monitoring"})
    _breach_notifications_follow_figure_6()
    _notifications_become_far_fewer_work_items()
    _awaiting_a_device_splits_as_figure_5()
    _reviews_representations_and_trail_requests_match_the_report()
    _the_hub_the_queue_and_the_breaches_agree()


def _breach_notifications_follow_figure_6():
    assert Breach.objects.count() == sum(MONTHLY_BREACHES) == 7_131
    battery_share = Breach.objects.filter(breach_type=rules.BATTERY).count() / 7_131
    assert abs(battery_share - TYPE_MIX["battery"] / sum(TYPE_MIX.values())) < 0.02  # 69.7%
    with clock.frozen(ANCHOR):
        figures = selectors.breaches_by_type_by_month(selectors.period_default())
    assert figures["total"] == 7_131
    assert len(figures["months"]) == 6


def _notifications_become_far_fewer_work_items():
    with clock.frozen(ANCHOR):
        figures = selectors.notifications_and_work(selectors.period_default())
    assert figures["received"] == 7_131
    assert figures["work_items"] < figures["received"] * 0.5
    assert figures["accumulated_violations"] > 0


def _awaiting_a_device_splits_as_figure_5():
    counts = selectors.awaiting_device_counts()
    assert (counts["attempted_unsuccessful"], counts["not_yet_attempted"], counts["arranged"]) == (
        34,
        42,
        5,
    )
    assert Condition.objects.filter(status=ConditionStatus.ACTIVE).count() > 1_600


def _reviews_representations_and_trail_requests_match_the_report():
    assert Review.objects.filter(status="completed").count() == 338
    assert Review.objects.filter(status="due").count() == 818
    with clock.frozen(ANCHOR):
        period = selectors.Period(datetime(2026, 1, 1).date(), datetime(2026, 11, 21).date())
        reps = selectors.representations_by_outcome(period)
        trail = selectors.trail_figures(period)
    assert {
        k: reps["by_outcome"].get(k) for k in ("em_ceased", "curfew_removed", "curfew_amended")
    } == {"em_ceased": 2, "curfew_removed": 28, "curfew_amended": 3}
    assert TrailDataRequest.objects.count() == 36
    assert trail["by_requester"] == {"police": 18, "probation": 16, "home_office": 2}
    assert trail["by_outcome"]["provided"] == 24 and trail["by_outcome"]["withdrawn"] == 1


def _the_hub_the_queue_and_the_breaches_agree():
    """Every demo breach to act on has its task and its ladder step, as the live path leaves it,
    so the hub's count is the breach queue's open breach tasks (it said 0 against 807)."""
    from waymark.accounts.models import User
    from waymark.monitoring.models import AccumulatedViolation, BreachDisposition
    from waymark.work.models import ACTIVE_STATUSES, Task

    actionable = Breach.objects.filter(disposition=BreachDisposition.ACTIONABLE)
    assert actionable.exists() and not actionable.filter(task__isnull=True).exists()
    assert not actionable.filter(ladder_step__isnull=True).exists()
    assert not AccumulatedViolation.objects.filter(task__isnull=True).exists()
    open_breach_tasks = Task.objects.filter(
        task_type=rules.TASK_BREACH, status__in=ACTIVE_STATUSES
    ).count()
    caseworker = User.objects.get(username="em-caseworker")
    hub = selectors.breaches_for_triage(caseworker).count()
    assert open_breach_tasks > 0 and hub == open_breach_tasks
