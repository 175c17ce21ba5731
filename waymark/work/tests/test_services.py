from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core import clock
from waymark.core.audit import content_hash
from waymark.core.clock import LONDON
from waymark.core.kept_cursors import fetch_one
from waymark.core.models import AuditEvent
from waymark.work import services
from waymark.work.models import Task, TaskStatus
from waymark.work.registry import TaskType, register_task_type
from waymark.work.tests.factories import (
    CASEWORKER,
    MANAGER,
    queue_make,
    task_make,
    task_row,
    team_make,
    user_make,
)

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


# -- task_create --------------------------------------------------------------------------------


def test_create_computes_the_deadline_in_the_queue_teams_nation(db):
    scottish = queue_make(team=team_make(nation="scotland"), slug="correspondence")
    start = datetime(2025, 12, 31, 10, tzinfo=LONDON)
    task = services.task_create(
        actor=None, task_type="general.enquiry", title="Enquiry", start=start
    )
    assert task.queue == scottish
    assert task.deadline_rule == "general_enquiry"
    assert task.due_at.astimezone(LONDON).date().isoformat() == "2026-01-09"
    assert task.deadline_inputs["nation"] == "scotland"
    assert task.deadline_inputs["bank_holidays_skipped"] == ["2026-01-01", "2026-01-02"]
    assert task.priority == 0 and task.priority_reason == "Standard priority"
    assert AuditEvent.objects.filter(verb="task.created", target_id=str(task.pk)).count() == 1


def test_create_uses_the_types_priority_rule_or_the_given_priority(queue):
    register_task_type(
        TaskType(
            "test.urgent",
            "Urgent test",
            "tests",
            queue.slug,
            priority=lambda task: (90, f"Urgent because {task.title}"),
        )
    )
    task = services.task_create(actor=None, task_type="test.urgent", title="bail", queue=queue)
    assert (task.priority, task.priority_reason) == (90, "Urgent because bail")
    given = services.task_create(
        actor=None,
        task_type="test.urgent",
        title="x",
        queue=queue,
        priority=5,
        priority_reason="Manager's call",
    )
    assert (given.priority, given.priority_reason) == (5, "Manager's call")


def test_create_with_a_dedupe_key_never_creates_twice(queue):
    first = task_make(queue=queue, dedupe_key="review:person-1:2026-03")
    again = task_make(queue=queue, dedupe_key="review:person-1:2026-03")
    assert again.pk == first.pk
    assert Task.objects.filter(dedupe_key="review:person-1:2026-03").count() == 1


def test_create_needs_a_known_type_and_a_queue(queue):
    with pytest.raises(KeyError):
        services.task_create(actor=None, task_type="no.such", title="x", queue=queue)
    with pytest.raises(ValidationError, match="name the queue"):
        services.task_create(actor=None, task_type="general.follow_up", title="x")


# -- get next -----------------------------------------------------------------------------------


def test_get_next_takes_the_most_urgent_then_the_nearest_deadline(queue, caseworker):
    low = task_row(queue=queue, priority=1, due_at=NOW + timedelta(hours=1))
    no_deadline = task_row(queue=queue, priority=5, due_at=None)
    later = task_row(queue=queue, priority=5, due_at=NOW + timedelta(days=3))
    sooner = task_row(queue=queue, priority=5, due_at=NOW + timedelta(days=1))
    order = [services.task_get_next(user=caseworker) for _ in range(4)]
    assert [t.pk for t in order] == [sooner.pk, later.pk, no_deadline.pk, low.pk]
    assert services.task_get_next(user=caseworker) is None
    taken = Task.objects.get(pk=sooner.pk)
    assert taken.assignee == caseworker
    assert taken.status == TaskStatus.IN_PROGRESS
    assert taken.allocated_at == NOW


def test_get_next_only_from_the_users_teams(queue, caseworker):
    other_queue = queue_make()
    task_row(queue=other_queue, priority=99)
    mine = task_row(queue=queue, priority=1)
    assert services.task_get_next(user=caseworker).pk == mine.pk
    assert services.task_get_next(user=caseworker) is None


def test_get_next_takes_the_most_urgent_across_all_the_users_active_queues(db):
    """Several teams, so several queues: the most urgent task of them all, whichever queue it is
    in (on PostgreSQL each queue's best candidate is picked on its own, then the best of those);
    never from a queue that was closed."""
    first, second, third = team_make(), team_make(), team_make()
    user = user_make(*CASEWORKER, teams=[first, second, third])
    queues = [queue_make(team=team) for team in (first, second, third)]
    closed = queues[2]
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    task_row(queue=closed, priority=99)
    a1 = task_row(queue=queues[0], priority=5, due_at=NOW + timedelta(days=2))
    a2 = task_row(queue=queues[0], priority=1, due_at=NOW + timedelta(hours=1))
    b1 = task_row(queue=queues[1], priority=5, due_at=NOW + timedelta(days=1))
    b2 = task_row(queue=queues[1], priority=7, due_at=None)
    b3 = task_row(queue=queues[1], priority=1, due_at=NOW + timedelta(hours=2))
    order = [services.task_get_next(user=user) for _ in range(5)]
    assert [t.pk for t in order] == [b2.pk, b1.pk, a1.pk, a2.pk, b3.pk]
    assert services.task_get_next(user=user) is None


def test_get_next_skips_assigned_and_closed_tasks(queue, caseworker, manager):
    task_row(queue=queue, priority=9, assignee=manager)
    task_row(queue=queue, priority=8, status=TaskStatus.DONE, completed_at=NOW)
    open_task = task_row(queue=queue, priority=1)
    assert services.task_get_next(user=caseworker).pk == open_task.pk


def test_get_next_respects_the_types_take_permission(queue, team):
    register_task_type(
        TaskType(
            "test.specialist",
            "Specialist",
            "tests",
            queue.slug,
            take_permission="work.allocate_tasks",
        )
    )
    specialist_task = task_row(queue=queue, priority=9, task_type="test.specialist")
    ordinary = task_row(queue=queue, priority=1)
    caseworker = user_make(*CASEWORKER, teams=[team])
    assert services.task_get_next(user=caseworker).pk == ordinary.pk
    assert services.task_get_next(user=caseworker) is None
    manager = user_make(*MANAGER, teams=[team])
    assert services.task_get_next(user=manager).pk == specialist_task.pk


def test_get_next_refuses_users_without_the_permission_through_the_view_only(queue, team):
    viewer = user_make("work.view_task", teams=[team])
    task_row(queue=queue)
    assert services.task_get_next(user=viewer) is None  # no type they may take


# -- lifecycle ----------------------------------------------------------------------------------


def test_start_wait_complete_with_timeline(queue, caseworker):
    from waymark.people.models import TimelineEvent
    from waymark.people.tests.factories import make_person

    person = make_person()
    task = task_make(queue=queue, person=person)
    task = services.task_start(actor=caseworker, task=task)
    assert (task.status, task.assignee) == (TaskStatus.IN_PROGRESS, caseworker)
    task = services.task_wait(actor=caseworker, task=task, reason="Waiting on the supplier")
    assert task.status == TaskStatus.WAITING and task.waiting_reason == "Waiting on the supplier"
    task = services.task_start(actor=caseworker, task=task)
    task = services.task_complete(actor=caseworker, task=task, outcome="Replied")
    assert task.status == TaskStatus.DONE and task.completed_at == NOW
    event = TimelineEvent.objects.get(person=person, event_type="task.completed")
    assert "Replied" in event.summary
    old_new = AuditEvent.objects.get(verb="task.completed").payload
    assert old_new["old"]["status"] == "in_progress" and old_new["new"]["status"] == "done"
    assert AuditEvent.objects.get(verb="task.completed").person_id == person.pk


def test_complete_needs_an_outcome_and_closed_tasks_stay_closed(queue, caseworker):
    task = task_make(queue=queue)
    with pytest.raises(ValidationError):
        services.task_complete(actor=caseworker, task=task, outcome="")
    services.task_cancel(actor=caseworker, task=task, reason="Duplicate")
    with pytest.raises(ValidationError):
        services.task_start(actor=caseworker, task=task)
    with pytest.raises(ValidationError):
        services.task_cancel(actor=caseworker, task=task, reason="")
    assert Task.objects.get(pk=task.pk).outcome_note == "Duplicate"


def test_assign_to_someone_else_needs_allocate_permission(queue, caseworker, manager, team):
    task = task_make(queue=queue)
    with pytest.raises(PermissionDenied):
        services.task_assign(actor=caseworker, task=task, assignee=manager)
    services.task_assign(actor=caseworker, task=task, assignee=caseworker)
    services.task_reassign(actor=manager, task=task, assignee=manager, reason="Leave")
    assert Task.objects.get(pk=task.pk).assignee == manager
    outsider = user_make(*CASEWORKER, teams=[team_make()])
    with pytest.raises(ValidationError, match="is not in"):
        services.task_reassign(actor=manager, task=task, assignee=outsider)


# -- bulk allocation ----------------------------------------------------------------------------


def test_bulk_allocate_all_or_nothing(queue, manager, caseworker):
    tasks = [task_make(queue=queue, title=f"T{n}") for n in range(3)]
    closed = task_make(queue=queue, title="Closed")
    services.task_cancel(actor=manager, task=closed, reason="Not needed")
    with pytest.raises(ValidationError) as excinfo:
        services.tasks_bulk_allocate(
            actor=manager, task_ids=[t.pk for t in tasks] + [closed.pk], assignee=caseworker
        )
    assert any("cancelled" in m for m in excinfo.value.messages)
    assert not Task.objects.filter(assignee=caseworker).exists()

    changed = services.tasks_bulk_allocate(
        actor=manager, task_ids=[t.pk for t in tasks], assignee=caseworker
    )
    assert len(changed) == 3
    assert Task.objects.filter(assignee=caseworker, status=TaskStatus.OPEN).count() == 3
    assert AuditEvent.objects.filter(verb="task.allocated_in_bulk").count() == 3


def test_bulk_allocate_checks_team_membership_permission_and_visibility(queue, manager, caseworker):
    task = task_make(queue=queue)
    outsider = user_make(*CASEWORKER, teams=[team_make()])
    with pytest.raises(ValidationError, match="is not in EM Hub"):
        services.tasks_bulk_allocate(actor=manager, task_ids=[task.pk], assignee=outsider)
    with pytest.raises(PermissionDenied):
        services.tasks_bulk_allocate(actor=caseworker, task_ids=[task.pk], assignee=caseworker)
    hidden = task_make(queue=queue_make())
    with pytest.raises(ValidationError, match="could not be found"):
        services.tasks_bulk_allocate(
            actor=manager, task_ids=[task.pk, hidden.pk], assignee=caseworker
        )
    with pytest.raises(ValidationError, match="at least one"):
        services.tasks_bulk_allocate(actor=manager, task_ids=[], assignee=caseworker)
    assert Task.objects.get(pk=task.pk).assignee is None


def test_taking_a_colleagues_task_needs_allocate_permission(queue, caseworker, team):
    colleague = user_make(*CASEWORKER, teams=[team])
    task = task_make(queue=queue)
    services.task_assign(actor=colleague, task=task, assignee=colleague)
    with pytest.raises(PermissionDenied):
        services.task_assign(actor=caseworker, task=task, assignee=caseworker)
    with pytest.raises(PermissionDenied):
        services.task_start(actor=caseworker, task=task)
    assert Task.objects.get(pk=task.pk).assignee == colleague


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL claim")
def test_get_next_on_postgresql_claims_in_one_statement_and_audits_the_change(queue, caseworker):
    task_row(queue=queue, priority=9)
    services.task_get_next(user=caseworker)  # warm: permissions and the compiled statement
    wanted = task_row(queue=queue, priority=5, due_at=NOW + timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        taken = services.task_get_next(user=caseworker)
    # the user's queues, select, lock, claim, record and return: one statement, one round trip
    assert len(queries.captured_queries) == 1
    claim = queries.captured_queries[0]["sql"]
    assert claim.startswith("WITH qs") and "FOR UPDATE SKIP LOCKED" in claim
    assert '"work_queue"' in claim and "INSERT INTO core_auditevent" in claim
    assert taken.pk == wanted.pk and taken.assignee == caseworker
    stored = Task.objects.get(pk=wanted.pk)
    assert (stored.status, stored.assignee_id) == (TaskStatus.IN_PROGRESS, caseworker.pk)
    assert stored.allocated_at == stored.started_at == NOW
    entry = AuditEvent.objects.get(verb="task.taken_with_get_next", target_id=str(wanted.pk))
    assert entry.payload["old"]["status"] == TaskStatus.OPEN
    assert entry.payload["old"]["assignee_id"] is None
    assert entry.payload["new"]["status"] == TaskStatus.IN_PROGRESS
    assert entry.payload["new"]["assignee_id"] == caseworker.pk
    assert (entry.person_id, entry.actor_id) == (wanted.person_id, caseworker.pk)
    assert entry.entry_hash == content_hash(entry)  # as audit_record would have hashed it


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL claim")
def test_get_next_on_the_kept_cursor_returns_the_task_as_the_orm_reads_it(
    queue, caseworker, monkeypatch
):
    from waymark.work.services import allocation

    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs.get("sql_numbered"))
        return fetch_one(*args, **kwargs)

    monkeypatch.setattr(allocation, "fetch_one", spy)
    wanted = task_row(queue=queue, priority=5, due_at=NOW + timedelta(days=1))
    Task.objects.filter(pk=wanted.pk).update(deadline_inputs={"received_on": "2026-11-02", "n": 2})
    assert not connection.queries_logged  # so the kept cursor, not Django's, runs the claim
    taken = services.task_get_next(user=caseworker)
    assert calls and calls[0] is not None and "$1" in calls[0]  # numbered once, bound on the server
    stored = Task.objects.get(pk=wanted.pk)
    for field in Task._meta.concrete_fields:
        assert getattr(taken, field.attname) == getattr(stored, field.attname), field.name
    assert taken.deadline_inputs == {"received_on": "2026-11-02", "n": 2}
    assert taken.due_at.tzinfo is not None
    assert (taken._state.adding, taken._state.db) == (False, "default")
    assert AuditEvent.objects.filter(
        verb="task.taken_with_get_next", target_id=str(wanted.pk)
    ).exists()
