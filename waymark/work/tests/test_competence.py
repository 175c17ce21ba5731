"""Competence that gates work (issue 20 item 2; docs/decisions/0016-competence-gate.md): get next
and allocation never give a task whose competence the user lacks; expired or withdrawn is lacking;
a competence is never signed off by its holder, and only by a signed-off assessor."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.work import registry, rules
from waymark.work.models import Competence, Task, TaskStatus
from waymark.work.registry import CompetenceKind, TaskType
from waymark.work.services import (
    competence_sign_off,
    competence_withdraw,
    task_get_next,
    task_reassign,
    tasks_bulk_allocate,
    tasks_bulk_take,
)
from waymark.work.tests.factories import (
    CASEWORKER,
    queue_make,
    task_row,
    team_make,
    user_make,
)

GATED = "test.gated_decision"
SKILL = "test_decision_maker"


@pytest.fixture(autouse=True)
def gated_type(monkeypatch):
    """A task type that needs ``SKILL``, registered for the test only."""
    monkeypatch.setitem(
        registry._TYPES, GATED, TaskType(GATED, "Make a gated decision", "work", "")
    )
    monkeypatch.setitem(registry._COMPETENCES, SKILL, CompetenceKind(SKILL, "Test decision maker"))
    monkeypatch.setitem(registry._REQUIRED, GATED, SKILL)


def _grant(holder, *, key=SKILL, expires_in_days=365, assessor=None):
    assessor = assessor or user_make(username=None)
    return competence_sign_off(
        actor=None,
        holder=holder,
        competence_key=key,
        expires_on=clock.today() + timedelta(days=expires_in_days),
        assessor=assessor,
    )


@pytest.fixture
def gated_queue(team):
    queue = queue_make(team=team)
    # The gated task is the most urgent: a gate that leaks would give it first.
    task_row(queue=queue, task_type=GATED, priority=9, title="Gated")
    task_row(queue=queue, priority=1, title="Open to all")
    return queue


def test_get_next_never_gives_a_gated_task_to_someone_without_the_competence(
    caseworker, gated_queue
):
    first = task_get_next(user=caseworker)
    assert first.title == "Open to all"
    assert task_get_next(user=caseworker) is None  # the gated task is left in the queue
    assert Task.objects.get(title="Gated").assignee_id is None


def test_get_next_gives_the_gated_task_to_someone_who_holds_it(caseworker, gated_queue):
    _grant(caseworker)
    assert task_get_next(user=caseworker).title == "Gated"


@pytest.mark.parametrize("expires_in_days", [0, -1])
def test_an_expired_competence_is_lacking(caseworker, gated_queue, expires_in_days):
    record = _grant(caseworker)
    # expires_on is the first day it no longer counts: on that day, and after, it is lacking
    Competence.objects.filter(pk=record.pk).update(
        expires_on=clock.today() + timedelta(days=expires_in_days)
    )
    assert task_get_next(user=caseworker).title == "Open to all"
    assert task_get_next(user=caseworker) is None


def test_a_competence_expiring_tomorrow_still_counts(caseworker, gated_queue):
    _grant(caseworker, expires_in_days=1)
    assert task_get_next(user=caseworker).title == "Gated"


def test_a_withdrawn_competence_is_lacking(caseworker, gated_queue):
    record = _grant(caseworker)
    competence_withdraw(actor=None, competence=record, reason="Two red quality reviews")
    assert task_get_next(user=caseworker).title == "Open to all"
    assert task_get_next(user=caseworker) is None
    assert AuditEvent.objects.filter(verb="competence.withdrawn").count() == 1


def test_another_person_s_competence_or_another_competence_does_not_count(
    caseworker, gated_queue, team
):
    colleague = user_make(*CASEWORKER, teams=[team])
    _grant(colleague)
    _grant(caseworker, key=rules.COMPETENCE_ASSESSOR)
    assert task_get_next(user=caseworker).title == "Open to all"
    assert task_get_next(user=caseworker) is None
    assert task_get_next(user=colleague).title == "Gated"


def test_allocation_to_someone_without_the_competence_is_refused_with_the_reason(
    manager, caseworker, gated_queue
):
    gated = Task.objects.get(title="Gated")
    with pytest.raises(ValidationError) as refused:
        task_reassign(actor=manager, task=gated, assignee=caseworker)
    assert "does not hold a valid Test decision maker competence" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        tasks_bulk_allocate(actor=manager, task_ids=[gated.pk], assignee=caseworker)
    assert "Test decision maker" in str(refused.value)
    with pytest.raises(ValidationError):
        tasks_bulk_take(actor=caseworker, task_ids=[gated.pk])
    gated.refresh_from_db()
    assert gated.assignee_id is None  # nothing changed
    _grant(caseworker)
    tasks_bulk_allocate(actor=manager, task_ids=[gated.pk], assignee=caseworker)
    gated.refresh_from_db()
    assert gated.assignee_id == caseworker.pk


def test_bulk_allocation_of_ungated_tasks_needs_no_competence(manager, caseworker, gated_queue):
    open_task = Task.objects.get(title="Open to all")
    tasks_bulk_allocate(actor=manager, task_ids=[open_task.pk], assignee=caseworker)
    open_task.refresh_from_db()
    assert open_task.assignee_id == caseworker.pk


# ------------------------------------------------------------------------------------------------
# Sign-off


@pytest.fixture
def assessor(team):
    user = user_make("work.sign_off_competence", teams=[team], username="trainer")
    _grant(user, key=rules.COMPETENCE_ASSESSOR)
    return user


def test_a_competence_signed_off_by_its_holder_is_refused_and_nothing_saved(assessor):
    with pytest.raises(ValidationError) as refused:
        competence_sign_off(
            actor=assessor,
            holder=assessor,
            competence_key=SKILL,
            expires_on=clock.today() + timedelta(days=365),
        )
    assert "cannot be signed off by its holder" in str(refused.value)
    assert not Competence.objects.filter(holder=assessor, competence_key=SKILL).exists()
    with pytest.raises(ValidationError):  # the system path refuses it too
        competence_sign_off(
            actor=None,
            holder=assessor,
            assessor=assessor,
            competence_key=SKILL,
            expires_on=clock.today() + timedelta(days=365),
        )


def test_an_assessor_without_the_assessor_competence_is_refused(team, caseworker):
    untrained = user_make("work.sign_off_competence", teams=[team])
    with pytest.raises(ValidationError) as refused:
        competence_sign_off(
            actor=untrained,
            holder=caseworker,
            competence_key=SKILL,
            expires_on=clock.today() + timedelta(days=365),
        )
    assert "Competence assessor (trainer)" in str(refused.value)
    assert not Competence.objects.filter(holder=caseworker).exists()


def test_sign_off_needs_the_permission(caseworker, team):
    other = user_make(*CASEWORKER, teams=[team])
    with pytest.raises(PermissionDenied):
        competence_sign_off(
            actor=caseworker,
            holder=other,
            competence_key=SKILL,
            expires_on=clock.today() + timedelta(days=30),
        )


def test_a_signed_off_competence_is_audited_with_its_refresher(assessor, caseworker):
    expires = clock.today() + timedelta(days=365)
    record = competence_sign_off(
        actor=assessor, holder=caseworker, competence_key=SKILL, expires_on=expires
    )
    assert record.assessor_id == assessor.pk
    assert record.refresher_due_on == expires - timedelta(days=rules.COMPETENCE_REFRESHER_LEAD_DAYS)
    event = AuditEvent.objects.get(verb="competence.signed_off", target_id=str(record.pk))
    assert event.payload["new"]["holder_id"] == caseworker.pk


@pytest.mark.parametrize(
    ("expires_in", "refresher_in", "field"),
    [
        (0, None, "expires_on"),
        (rules.COMPETENCE_MAX_VALID_DAYS + 1, None, "expires_on"),
        (100, 101, "refresher_due_on"),
        (100, -1, "refresher_due_on"),
    ],
)
def test_bad_dates_are_refused(assessor, caseworker, expires_in, refresher_in, field):
    today = clock.today()
    with pytest.raises(ValidationError) as refused:
        competence_sign_off(
            actor=assessor,
            holder=caseworker,
            competence_key=SKILL,
            expires_on=today + timedelta(days=expires_in),
            refresher_due_on=None if refresher_in is None else today + timedelta(days=refresher_in),
        )
    assert field in refused.value.message_dict
    assert not Competence.objects.filter(holder=caseworker).exists()


def test_an_unknown_competence_is_refused(assessor, caseworker):
    with pytest.raises(ValidationError):
        competence_sign_off(
            actor=assessor,
            holder=caseworker,
            competence_key="no_such_thing",
            expires_on=clock.today() + timedelta(days=30),
        )


# ------------------------------------------------------------------------------------------------
# Under real concurrency on PostgreSQL: the gate holds inside the one claiming statement

GATED_TASKS = 150
OPEN_TASKS = 150
THREADS = 6


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SKIP LOCKED)")
@pytest.mark.django_db(transaction=True)
def test_get_next_concurrent_threads_never_give_a_gated_task_without_the_competence():
    team = team_make()
    queue = queue_make(team=team)
    users = [user_make(*CASEWORKER, teams=[team]) for _ in range(THREADS)]
    skilled = {user.pk for user in users[: THREADS // 2]}
    for user in users[: THREADS // 2]:
        _grant(user)
    # one lapsed record among the unskilled: expired is lacking
    lapsed = _grant(users[-1])
    Competence.objects.filter(pk=lapsed.pk).update(expires_on=clock.today())
    now = clock.now()
    Task.objects.bulk_create(
        [
            Task(
                task_type=GATED if n % 2 else "general.follow_up",
                queue=queue,
                title=f"Task {n}",
                priority=n % 5,
                created_at=now,
            )
            for n in range(GATED_TASKS + OPEN_TASKS)
        ]
    )
    barrier = threading.Barrier(THREADS)
    taken: dict[int, list[int]] = {}
    errors: list[str] = []

    def run(user):
        try:
            barrier.wait(timeout=30)
            mine = taken.setdefault(user.pk, [])
            while (task := task_get_next(user=user)) is not None:
                mine.append(task.pk)
        except Exception as exc:  # report, so the test fails with the reason
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    claimed = Counter(pk for pks in taken.values() for pk in pks)
    assert len(claimed) == GATED_TASKS + OPEN_TASKS and max(claimed.values()) == 1
    rows = list(Task.objects.values_list("task_type", "assignee_id", "status"))
    assert all(status == TaskStatus.IN_PROGRESS for _, _, status in rows)
    gated_holders = {assignee for task_type, assignee, _ in rows if task_type == GATED}
    assert gated_holders and gated_holders <= skilled  # never to someone without it
    # the unskilled really pressed at the same time and took the open work
    assert any(taken[user.pk] for user in users if user.pk not in skilled)


def test_rules_pinned():
    assert rules.COMPETENCE_MAX_VALID_DAYS == 730
    assert rules.COMPETENCE_REFRESHER_LEAD_DAYS == 60
    assert rules.COMPETENCE_ASSESSOR == "competence_assessor"


def test_every_gate_names_a_registered_competence_and_task_type():
    """The modules' declarations (their register_oversight_feeds): each gated type exists and
    each competence is registered; NRM decisions and specialist checks are gated (002 rec 2b)."""
    keys = {k.key for k in registry.competences()}
    required = registry.competence_requirements()
    types = {t.key for t in registry.task_types()}
    assert set(required.values()) <= keys
    assert set(required) <= types
    assert required.get("nrm.decide_cg") == "nrm_decision_maker"
    assert required.get("nrm.check") == "nrm_technical_specialist"
    assert required.get("removals.gatekeeping") == "detention_gatekeeper"
    assert required.get("monitoring.breach") == "em_breach_decision_maker"


def test_the_allocate_page_refuses_with_the_reason_in_an_error_summary(
    client, manager, caseworker, gated_queue
):
    from django.urls import reverse

    gated = Task.objects.get(title="Gated")
    client.force_login(manager)
    url = reverse("work:allocate", args=[gated_queue.slug])
    for confirm in ({}, {"confirm": "yes"}):  # the preview, and the allocation itself
        response = client.post(url, {"task_ids": [gated.pk], "assignee": caseworker.pk, **confirm})
        page = response.content.decode()
        assert "does not hold a valid Test decision maker competence" in page
        assert "govuk-error-summary" in page
    assert response.status_code == 400
    gated.refresh_from_db()
    assert gated.assignee_id is None


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement claim is PostgreSQL's"
)
def test_the_gate_is_inside_get_next_s_one_claiming_statement(caseworker, gated_queue):
    from django.test.utils import CaptureQueriesContext

    _grant(caseworker)
    task_get_next(user=caseworker)  # compiled and cached for this scope
    with CaptureQueriesContext(connection) as captured:
        assert task_get_next(user=caseworker).title == "Open to all"
    claims = [q["sql"] for q in captured.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(claims) == 1
    assert claims[0].startswith("WITH qs") and "work_competence" in claims[0]
    assert not any(
        "work_competence" in q["sql"] and "SKIP LOCKED" not in q["sql"]
        for q in captured.captured_queries
    )


def test_a_holder_cannot_withdraw_their_own_competence_even_with_the_permission(caseworker):
    """The platform's service refuses the holder, whichever module calls it (not only oversight's
    page): someone else decides about a person's competence, as at sign-off."""
    from django.contrib.auth.models import Permission

    record = _grant(caseworker)
    caseworker.user_permissions.add(Permission.objects.get(codename="sign_off_competence"))
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)  # drop the permission cache
    with pytest.raises(ValidationError) as refused:
        competence_withdraw(actor=caseworker, competence=record, reason="I am not ready")
    assert "your own competence" in str(refused.value)
    record.refresh_from_db()
    assert record.withdrawn_at is None
    assert not AuditEvent.objects.filter(verb="competence.withdrawn").exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the prepared claiming statement is PostgreSQL's"
)
def test_get_next_runs_one_plan_made_once_and_the_gate_still_reads_today_s_records(
    caseworker, gated_queue
):
    """Get next's statement is prepared once a connection and, once PostgreSQL has made its plan
    for any values (the generic plan), planned no more: the scope's constants are in its text, the
    user and the day are parameters. The gate must still be decided by the records as they are at
    each press: a competence withdrawn after the plan was made is lacking at the next press."""
    from django.db import connection as django_connection

    record = _grant(caseworker)
    for n in range(8):  # five plans for the values, then the generic one
        task_row(queue=gated_queue, priority=0, title=f"Routine {n}")
    assert task_get_next(user=caseworker).title == "Gated"
    for _ in range(7):
        assert task_get_next(user=caseworker).title.startswith(("Routine", "Open to all"))
    with django_connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%FOR UPDATE SKIP LOCKED%"],
        )
        ((generic, custom),) = cursor.fetchall()
    assert generic >= 1 and custom <= 5
    assert django_connection.connection.prepare_threshold is None  # Django's setting, restored
    task_row(queue=gated_queue, task_type=GATED, priority=9, title="Gated again")
    competence_withdraw(actor=None, competence=record, reason="Two red quality reviews")
    taken = [task_get_next(user=caseworker) for _ in range(3)]
    assert all(t is None or t.task_type != GATED for t in taken)
    assert Task.objects.get(title="Gated again").assignee_id is None
