"""The work contract modules use instead of touching work's tables (docs/platform-contracts.md):
``queue_for``, ``task_create(assignee=)``, ``tasks_for``, ``tasks_close_for``,
``tasks_bulk_create``."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditEvent
from waymark.work import selectors, services
from waymark.work.models import Queue, Task, TaskStatus
from waymark.work.tests.factories import CASEWORKER, task_make, team_make, user_make

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def test_queue_for_creates_the_teams_queue_once_and_audits_it(db):
    team = team_make(name="Hub North")
    first = services.queue_for(team=team, kind="breaches")
    again = services.queue_for(team=team, kind="breaches")
    assert first == again and first.slug == f"{team.slug}-breaches" and first.team == team
    assert Queue.objects.filter(slug=first.slug).count() == 1
    assert AuditEvent.objects.filter(verb="queue.created", target_id=str(first.pk)).count() == 1


def test_queue_for_refuses_no_team(db):
    with pytest.raises(ValidationError):
        services.queue_for(team=None, kind="breaches")


def test_task_create_with_an_assignee_assigns_it_and_says_so_in_the_audit(queue, caseworker):
    task = task_make(queue=queue, assignee=caseworker, dedupe_key="mod.thing:1")
    assert task.assignee == caseworker
    entry = AuditEvent.objects.get(verb="task.created", target_id=str(task.pk))
    assert str(caseworker.pk) in str(entry.payload) or caseworker.username in str(entry.payload)


def test_tasks_for_a_scope_never_reaches_a_longer_number(queue):
    one = task_make(queue=queue, dedupe_key="mod.referral:1")
    child = task_make(queue=queue, dedupe_key="mod.referral:1:7")
    ten = task_make(queue=queue, dedupe_key="mod.referral:10")
    assert list(selectors.tasks_for(dedupe_scope="mod.referral:1")) == [one, child]
    # A prefix is a prefix: it finds both, which is why modules close by scope.
    assert ten in selectors.tasks_for(dedupe_prefix="mod.referral:1")


def test_tasks_for_needs_a_subject_a_prefix_or_a_scope(db):
    with pytest.raises(ValueError):
        selectors.tasks_for()


def test_tasks_close_for_closes_only_its_scope_each_through_task_complete(queue):
    one = task_make(queue=queue, dedupe_key="mod.referral:1")
    ten = task_make(queue=queue, dedupe_key="mod.referral:10")
    closed = services.tasks_close_for(actor=None, dedupe_scope="mod.referral:1", outcome="routed")
    assert [task.pk for task in closed] == [one.pk]
    one.refresh_from_db()
    ten.refresh_from_db()
    assert one.status == TaskStatus.DONE and ten.status != TaskStatus.DONE
    assert AuditEvent.objects.filter(verb="task.completed", target_id=str(one.pk)).exists()


def test_tasks_bulk_create_skips_existing_keys_and_audits_one_batch(queue, team):
    single = task_make(queue=queue, task_type="general.enquiry", dedupe_key="mod.bulk:1")
    user = user_make(*CASEWORKER, teams=[team])
    specs = [
        {"task_type": "general.enquiry", "title": f"Item {n}", "queue": queue}
        | {"dedupe_key": f"mod.bulk:{n}"}
        for n in range(1, 4)
    ]
    made = services.tasks_bulk_create(actor=user, specs=specs)
    assert sorted(task.dedupe_key for task in made) == ["mod.bulk:2", "mod.bulk:3"]
    assert Task.objects.filter(dedupe_key__startswith="mod.bulk:").count() == 3
    # The same deadline rule as one by one (general enquiry: five working days).
    assert single.due_at is not None
    assert all(task.due_at == single.due_at for task in made)
    assert AuditEvent.objects.filter(verb="task.created_in_bulk").count() == 1


def test_tasks_bulk_create_refuses_a_spec_without_a_title(queue):
    with pytest.raises(ValidationError):
        services.tasks_bulk_create(
            actor=None, specs=[{"task_type": "general.follow_up", "title": " ", "queue": queue}]
        )
    assert not Task.objects.exists()


def test_tasks_create_each_writes_what_task_create_writes_one_by_one(queue, team):
    """The same tasks and the same ``task.created`` audit entries as ``task_create`` called for
    each spec; a dedupe key already stored, or earlier in the list, answers the existing task."""
    taken = {
        prefix: task_make(queue=queue, task_type="general.enquiry", dedupe_key=f"mod.{prefix}:0")
        for prefix in ("one", "each")
    }
    user = user_make(*CASEWORKER, teams=[team])
    specs = [
        {"task_type": "general.enquiry", "title": f" Item {n} ", "queue": queue}
        | {"dedupe_key": f"mod.{{}}:{n}", "priority": n or None, "priority_reason": "Told"}
        for n in (0, 1, 2, 1)
    ] + [{"task_type": "general.follow_up", "title": "No key", "queue": queue, "subject": queue}]

    def spec(prefix: str) -> list[dict]:
        return [
            s | {"dedupe_key": s["dedupe_key"].format(prefix)} if "dedupe_key" in s else s
            for s in specs
        ]

    one = [services.task_create(actor=user, **s) for s in spec("one")]
    since = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    made = services.tasks_create_each(actor=user, specs=spec("each"))
    assert len(made) == 5 and made[1] is made[3] and made[0].pk == taken["each"].pk

    def rows(tasks):
        return [
            (
                t.task_type,
                t.queue_id,
                t.title,
                t.description,
                t.status,
                t.due_at,
                t.deadline_rule,
                t.deadline_inputs,
                t.priority,
                t.priority_reason,
                t.subject_type,
                t.subject_id,
                t.created_by_id,
                t.dedupe_key and t.dedupe_key.split(":")[-1],
            )
            for t in Task.objects.filter(pk__in=[t.pk for t in tasks]).order_by("pk")
        ]

    assert rows(made) == rows(one)

    def audit(entries):
        return sorted(
            (
                e.verb,
                e.action,
                e.actor_id,
                e.target_type,
                e.person_id,
                str({k: v for k, v in e.payload["new"].items() if k != "dedupe_key"}),
            )
            for e in entries
        )

    one_ids = {str(t.pk) for t in one if t.pk != taken["one"].pk}
    made_ids = {str(t.pk) for t in made}
    assert audit(AuditEvent.objects.filter(sequence__gt=since)) == audit(
        AuditEvent.objects.filter(verb="task.created", target_id__in=one_ids)
    )
    assert AuditEvent.objects.filter(sequence__gt=since, target_id__in=made_ids).count() == 3
    # A key stored before is answered with the stored task, as ``task_create`` answers it.
    again = services.tasks_create_each(
        actor=None,
        specs=[
            {"task_type": "general.enquiry", "title": "Again", "queue": queue}
            | {"dedupe_key": "mod.each:0"}
        ],
    )
    assert again[0].pk == taken["each"].pk
