"""The demo's competences (issue 20 item 2): after the loader, a demo team's members hold the
competence their queue's gated work needs, so get next still gives it (``make run``'s queues are
not emptied by the gate); the assessor never signs off their own."""

from __future__ import annotations

import pytest

from waymark import testing
from waymark.core import clock
from waymark.core.demo_loaders import demo_loaders
from waymark.oversight.competence_demo import competence_demo_load
from waymark.work.models import Competence, Queue, Task
from waymark.work.services import task_get_next

# Loaders that read the competences (and add no users, teams, queues or tasks): they run after.
READ_COMPETENCES = {"oversight_training"}  # its sessions' trainers are the competence assessors


def test_the_competence_loader_runs_after_every_module_s(db):
    orders = {loader.name: loader.order for loader in demo_loaders()}
    others = {n: o for n, o in orders.items() if n != "competence" and n not in READ_COMPETENCES}
    assert orders["competence"] > max(others.values())
    assert all(orders[n] > orders["competence"] for n in READ_COMPETENCES)


def test_demo_members_of_a_team_with_gated_work_hold_its_competence(team):
    assessor = testing.user_make("assurance", team, username="assurance")
    decider = testing.user_make("nrm_decision_maker", team)
    queue = Queue.objects.create(slug="demo-nrm-decisions", name="Decisions", team=team)
    Task.objects.create(
        task_type="nrm.decide_cg", queue=queue, title="Decide", created_at=clock.now()
    )
    counts = competence_demo_load(anchor=clock.now())
    assert counts["competences"] >= 3  # the decider, and the assessor twice (signed by another)
    assert Competence.objects.filter(holder=decider, competence_key="nrm_decision_maker").exists()
    assert not Competence.objects.filter(holder=assessor, assessor=assessor).exists()
    assert task_get_next(user=decider).task_type == "nrm.decide_cg"
    # loading again adds nothing
    assert competence_demo_load(anchor=clock.now())["competences"] == Competence.objects.count()


@pytest.mark.slow  # builds the demo
@pytest.mark.django_db
def test_after_the_whole_demo_every_gated_queue_has_a_member_who_holds_its_competence():
    """``make run``: the gate must not empty the demo's queues of decisions."""
    from datetime import datetime

    from waymark.demo.generator import demo_load
    from waymark.work.registry import competence_requirements
    from waymark.work.selectors import competence_valid

    anchor = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
    with clock.frozen(anchor):
        demo_load(scale=0.05, seed=2026, anchor=anchor, correspondence=False)
        required = competence_requirements()
        waiting = (
            Task.objects.filter(status="open", assignee__isnull=True, task_type__in=list(required))
            .values_list("task_type", "queue__team_id")
            .distinct()
        )
        assert waiting, "the demo has gated work waiting"
        for task_type, team_id in waiting:
            assert Competence.objects.filter(
                competence_valid(on=clock.today()),
                competence_key=required[task_type],
                holder__teams__id=team_id,
            ).exists(), (task_type, team_id)
