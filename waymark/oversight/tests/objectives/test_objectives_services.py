"""Objectives' services (issue 20 item 2): set for a team one manages (or any, as an analyst),
refused with the reason and nothing saved otherwise; measured from the registered figure's one
definition or reported by the owner; red/amber/green recorded once a month as history; audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight.models import Objective, ObjectiveMeasurement, ObjectiveUpdate
from waymark.oversight.objective_priorities import PRIORITIES
from waymark.oversight.services import objectives as services
from waymark.oversight.tests.objectives.conftest import objective_data

pytestmark = pytest.mark.usefixtures("frozen")


def test_the_priorities_are_seeded_once(db):
    from waymark.oversight.models import ServicePriority

    services.priorities_seed()  # the migration's rows, unless a transactional test flushed them
    assert ServicePriority.objects.count() == len(PRIORITIES)
    assert services.priorities_seed() == 0
    assert ServicePriority.objects.filter(key="nrm-rg-5-days").exists()


def test_the_migration_seeds_the_same_priorities_as_the_live_list():
    import importlib

    migration = importlib.import_module("waymark.oversight.migrations.0005_objectives")
    assert migration.PRIORITIES == PRIORITIES


def test_a_line_manager_sets_an_objective_for_their_team(manager, hub, priority):
    objective = services.objective_create(actor=manager, **objective_data(hub, priority))
    assert objective.owner == manager and objective.person is None
    assert AuditEvent.objects.filter(verb="oversight.objective_set").count() == 1


def test_a_person_s_objective_is_owned_by_the_person_by_default(manager, member, hub, priority):
    objective = services.objective_create(
        actor=manager, **objective_data(hub, priority, person=member)
    )
    assert objective.owner == member


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"target": None}, "target", "Enter the target as a number"),
        ({"target": "lots"}, "target", "Enter the target as a number"),
        ({"period_end": date(2026, 3, 31)}, "period_end", "must end on or after"),
        ({"period_end": date(2027, 4, 2)}, "period_end", "at most 366 days"),
        ({"title": " "}, "title", "Enter the objective"),
        ({"measure_label": ""}, "measure_label", "Select a figure, or say what is measured"),
        ({"higher_is_better": None}, "higher_is_better", "higher value is better"),
        ({"metric_key": "nope.nothing"}, "metric_key", "Select a figure"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_saved(
    manager, hub, priority, change, field, message
):
    with pytest.raises(ValidationError) as caught:
        services.objective_create(actor=manager, **objective_data(hub, priority, **change))
    assert message in " ".join(caught.value.message_dict[field])
    assert not Objective.objects.exists()


def test_a_team_the_manager_does_not_manage_is_refused(manager, other_team, priority):
    with pytest.raises(ValidationError) as caught:
        services.objective_create(actor=manager, **objective_data(other_team, priority))
    assert "a team you manage" in caught.value.message_dict["team"][0]
    assert not Objective.objects.exists()


def test_an_analyst_sets_objectives_for_any_team(analyst, other_team, priority):
    assert services.objective_create(actor=analyst, **objective_data(other_team, priority))


def test_the_person_must_be_in_the_team(manager, outsider, hub, priority):
    with pytest.raises(ValidationError) as caught:
        services.objective_create(actor=manager, **objective_data(hub, priority, person=outsider))
    assert "not a member" in caught.value.message_dict["person"][0]
    assert not Objective.objects.exists()


def test_a_caseworker_sets_no_objectives(member, hub, priority):
    with pytest.raises(PermissionDenied):
        services.objective_create(actor=member, **objective_data(hub, priority))


def test_a_workload_count_with_no_better_direction_is_refused(manager, hub, priority):
    with pytest.raises(ValidationError) as caught:
        services.objective_create(
            actor=manager, **objective_data(hub, priority, metric_key="work.tasks_active")
        )
    assert "no better direction" in caught.value.message_dict["metric_key"][0]


def test_a_figure_gives_its_direction_and_measures_the_team(manager, hub, priority, figure):
    objective = services.objective_create(
        actor=manager,
        **objective_data(
            hub, priority, metric_key="test.breaches", target=0, higher_is_better=True
        ),
    )
    assert objective.higher_is_better is False  # the figure's, not the form's
    assert objective.measure_label == ""
    figure["value"] = 1  # within the allowance at a zero target: amber
    row = services.objective_measure(actor=manager, objective=objective)
    assert (row.actual, row.rag, row.source, row.month) == (
        1.0,
        "amber",
        "metric",
        date(2026, 11, 1),
    )
    figure["value"] = 0  # measured again the same month: the month's row is replaced
    services.objective_measure(actor=None, objective=objective)
    assert ObjectiveMeasurement.objects.get().rag == "green"
    figure["value"] = 4
    with clock.frozen(datetime(2026, 12, 3, 9, 0, tzinfo=clock.LONDON)):
        services.objectives_measure_sweep()
    assert [(m.month.month, m.rag) for m in objective.measurements.order_by("month")] == [
        (11, "green"),
        (12, "red"),
    ]


def test_outside_its_period_an_objective_is_not_measured(manager, hub, priority, figure):
    objective = services.objective_create(
        actor=manager,
        **objective_data(
            hub,
            priority,
            metric_key="test.breaches",
            period_start=date(2025, 4, 1),
            period_end=date(2026, 3, 31),
        ),
    )
    assert services.objective_measure(actor=manager, objective=objective) is None
    assert services.objectives_measure_sweep() == 0


def test_the_owner_reports_a_value_and_the_month_is_rated(manager, member, hub, priority):
    objective = services.objective_create(
        actor=manager, **objective_data(hub, priority, person=member, target=90)
    )
    services.objective_update_post(actor=member, objective=objective, text="Good month", actual=85)
    measurement = ObjectiveMeasurement.objects.get()
    assert (measurement.rag, measurement.source, measurement.target) == ("amber", "owner", 90)
    assert ObjectiveUpdate.objects.get().actual == 85
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"oversight.objective_update_posted", "oversight.objective_measured"} <= verbs


def test_an_update_needs_text_and_a_figure_s_value_is_not_reported_by_hand(
    manager, hub, priority, figure
):
    objective = services.objective_create(
        actor=manager, **objective_data(hub, priority, metric_key="test.breaches")
    )
    with pytest.raises(ValidationError) as caught:
        services.objective_update_post(actor=manager, objective=objective, text="", actual=3)
    assert set(caught.value.message_dict) == {"text", "actual"}
    assert not ObjectiveUpdate.objects.exists() and not ObjectiveMeasurement.objects.exists()


def test_only_the_owner_the_person_or_a_manager_posts_updates(
    manager, member, outsider, hub, priority
):
    objective = services.objective_create(actor=manager, **objective_data(hub, priority))
    with pytest.raises(PermissionDenied):
        services.objective_update_post(actor=outsider, objective=objective, text="Hello")
    services.objective_update_post(actor=manager, objective=objective, text="Started")


def test_editing_keeps_the_target_each_month_was_measured_against(manager, hub, priority):
    objective = services.objective_create(actor=manager, **objective_data(hub, priority))
    services.objective_update_post(actor=manager, objective=objective, text="Oct", actual=96)
    services.objective_edit(
        actor=manager, objective=objective, **objective_data(hub, priority, target=98)
    )
    objective.refresh_from_db()
    assert objective.target == 98
    assert ObjectiveMeasurement.objects.get().target == 95
    assert AuditEvent.objects.filter(verb="oversight.objective_edited").count() == 1


def test_editing_to_another_team_is_refused_and_nothing_changes(manager, hub, other_team, priority):
    objective = services.objective_create(actor=manager, **objective_data(hub, priority))
    with pytest.raises(ValidationError):
        services.objective_edit(
            actor=manager, objective=objective, **objective_data(other_team, priority)
        )
    objective.refresh_from_db()
    assert objective.team == hub


def test_a_personal_objective_on_a_figure_that_splits_by_person_reads_the_person_s_share(
    manager, member, hub, other_team, priority
):
    """``work.tasks_overdue`` splits by team and by assignee: a personal objective is measured on
    the person's own overdue tasks in the team's queues, a team objective on the team's, and the
    page says whose figure it is."""
    from waymark.core.metrics import metric
    from waymark.oversight.selectors.objectives import objective_measure_text
    from waymark.work.models import Queue, Task

    assert metric("work.tasks_overdue").by_person
    assert not metric("work.tasks_unallocated").by_person
    queue = Queue.objects.create(slug="obj-q", name="Hub queue", team=hub)
    elsewhere = Queue.objects.create(slug="obj-q2", name="Other queue", team=other_team)
    now = clock.now()

    def task(q, assignee):
        Task.objects.create(
            task_type="general", queue=q, title="T", created_at=now,
            due_at=now - timedelta(days=1), assignee=assignee,
        )  # fmt: skip

    task(queue, member)
    task(queue, member)
    task(queue, manager)
    task(elsewhere, member)  # another team's queue: not this team's objective
    personal = services.objective_create(
        actor=manager,
        **objective_data(hub, priority, person=member, metric_key="work.tasks_overdue", target=0),
    )
    team = services.objective_create(
        actor=manager, **objective_data(hub, priority, metric_key="work.tasks_overdue", target=0)
    )
    assert services.objective_figure_value(personal) == 2.0
    assert services.objective_figure_value(team) == 3.0
    assert "the person's own figure" in objective_measure_text(personal)
    assert "the team's figure" in objective_measure_text(team)
    # A figure that cannot be split by person gives None for one, never its team's value.
    assert metric("work.tasks_unallocated").value(hub, person=member) is None


def test_an_objective_set_part_way_through_its_period_gets_its_history_from_the_snapshots(
    manager, hub, other_team, priority, figure
):
    """Each past month of the period takes the last daily snapshot of the team's figure in that
    month; the current month is left to the sweep; another team's snapshots are not read."""
    from waymark.oversight.models import MetricSnapshot

    def snap(day, value, team=hub):
        MetricSnapshot.objects.create(
            metric_key="test.breaches", day=day, team=team, value=value, name="n",
            definition="d", unit="count", module="oversight", as_of=clock.now(),
            taken_at=clock.now(),
        )  # fmt: skip

    snap(date(2026, 3, 31), 1)  # before the period
    snap(date(2026, 7, 10), 5)
    snap(date(2026, 7, 28), 2)  # July's last
    snap(date(2026, 8, 31), 0)
    snap(date(2026, 9, 15), 7, team=other_team)
    snap(date(2026, 11, 2), 9)  # this month: the sweep measures it
    objective = services.objective_create(
        actor=manager,
        **objective_data(hub, priority, metric_key="test.breaches", target=0),
    )
    rows = list(objective.measurements.order_by("month"))
    assert [(m.month, m.actual, m.rag, m.source) for m in rows] == [
        (date(2026, 7, 1), 2.0, "red", "snapshot"),
        (date(2026, 8, 1), 0.0, "green", "snapshot"),
    ]
    # Filled once: a second run finds every month measured.
    assert services.objective_backfill(actor=manager, objective=objective) == 0
