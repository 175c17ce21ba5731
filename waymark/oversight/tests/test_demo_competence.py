"""The demo's competences (issue 20 item 2): after the loader, a demo team's members hold the
competence their queue's gated work needs, so get next still gives it (``make run``'s queues are
not emptied by the gate); the assessor never signs off their own."""

from __future__ import annotations

from waymark import testing
from waymark.core import clock
from waymark.core.demo_loaders import demo_loaders
from waymark.oversight.competence_demo import competence_demo_load
from waymark.work.models import Competence, Queue, Task
from waymark.work.services import task_get_next


def test_the_competence_loader_runs_after_every_module_s(db):
    orders = {loader.name: loader.order for loader in demo_loaders()}
    assert orders["competence"] > max(o for name, o in orders.items() if name != "competence")


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
