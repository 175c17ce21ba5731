"""Objectives' demo data (issue 20 item 2): a performance year of team and personal objectives
with a red/amber/green history month by month, loaded after the QA demo and before competence,
idempotent."""

from __future__ import annotations

from datetime import datetime

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core.demo_loaders import demo_loaders
from waymark.oversight.demo_objectives import objectives_demo_load
from waymark.oversight.models import Objective, ObjectiveMeasurement

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)


def test_the_loader_runs_after_qa_and_before_competence(db):
    orders = {loader.name: loader.order for loader in demo_loaders()}
    assert orders["oversight_qa"] < orders["oversight_objectives"] < orders["competence"]


def test_a_year_of_objectives_with_their_rag_history(db):
    roles_sync()
    hub = Team.objects.get_or_create(slug="em-hub", defaults={"name": "EM hub"})[0]
    mi = Team.objects.get_or_create(slug="management-information", defaults={"name": "MI"})[0]
    testing.user_make("performance_analyst", mi, username="performance-analyst")
    manager = testing.user_make("line_manager", hub, username="line-manager")
    people = [testing.user_make("em_caseworker", hub) for _ in range(4)]
    counts = objectives_demo_load(anchor=ANCHOR)
    # em-hub: three team objectives, and three of its people's (other demo teams may exist)
    assert Objective.objects.filter(team=hub).count() == 6
    assert counts["objectives"] == Objective.objects.count()
    team_objectives = Objective.objects.filter(team=hub, person__isnull=True)
    assert team_objectives.count() == 3
    assert set(team_objectives.values_list("owner", flat=True)) == {manager.pk}
    person_objectives = Objective.objects.filter(person__isnull=False)
    assert set(person_objectives.values_list("person", flat=True)) <= {p.pk for p in people}
    reported = Objective.objects.filter(team=hub, metric_key="").first()
    history = list(reported.measurements.order_by("month"))
    assert len(history) == 12  # a month of the performance year each, up to this month
    assert history[0].month == reported.period_start
    assert history[-1].month == ANCHOR.date().replace(day=1)
    assert {m.rag for m in ObjectiveMeasurement.objects.all()} <= {"green", "amber", "red"}
    assert len({m.rag for m in ObjectiveMeasurement.objects.all()}) > 1
    # each month has its update from the owner
    assert reported.updates.count() == 12
    # the figure-measured objective is measured now, from the registered figure
    figure = Objective.objects.get(metric_key="monitoring.breaches_to_act_on")
    assert figure.measurements.count() == 1 and figure.higher_is_better is False
    # loading again adds nothing
    total = Objective.objects.count()
    assert objectives_demo_load(anchor=ANCHOR)["objectives"] == total
    assert Objective.objects.count() == total
