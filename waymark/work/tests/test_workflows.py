import pytest

from waymark.work.models import Task, TaskStatus
from waymark.work.workflows import TRANSITIONS, TransitionNotAllowed, transition_check

S = TaskStatus


def _task(status, assignee=None):
    task = Task(status=status)
    task.assignee = assignee
    return task


def test_transition_table():
    assert TRANSITIONS[S.DONE] == frozenset()
    assert TRANSITIONS[S.CANCELLED] == frozenset()
    assert S.IN_PROGRESS in TRANSITIONS[S.WAITING] and S.WAITING in TRANSITIONS[S.IN_PROGRESS]
    assert S.IN_PROGRESS in TRANSITIONS[S.OPEN]


def test_starting_needs_an_assignee(django_user_model):
    with pytest.raises(TransitionNotAllowed, match="Assign the task"):
        transition_check(_task(S.OPEN), S.IN_PROGRESS)
    transition_check(_task(S.OPEN), S.IN_PROGRESS, assignee=django_user_model(username="a"))


@pytest.mark.parametrize("final", [S.DONE, S.CANCELLED])
@pytest.mark.parametrize("to", [S.OPEN, S.IN_PROGRESS, S.WAITING, S.DONE, S.CANCELLED])
def test_done_and_cancelled_are_final(final, to):
    with pytest.raises(TransitionNotAllowed, match="cannot be changed"):
        transition_check(_task(final), to, outcome="x", reason="x")


def test_completing_needs_an_outcome_and_cancelling_a_reason():
    with pytest.raises(TransitionNotAllowed, match="outcome"):
        transition_check(_task(S.IN_PROGRESS), S.DONE, outcome="  ")
    with pytest.raises(TransitionNotAllowed, match="cancelled"):
        transition_check(_task(S.OPEN), S.CANCELLED)
    with pytest.raises(TransitionNotAllowed, match="waiting on"):
        transition_check(_task(S.OPEN), S.WAITING)
    transition_check(_task(S.OPEN), S.DONE, outcome="Replied")


def test_the_task_workflow_is_the_transition_table():
    from waymark.core.workflows import for_model
    from waymark.work.workflows import TASK

    assert for_model(Task) is TASK
    assert dict(TASK.transitions) == TRANSITIONS
    assert TASK.final == frozenset({S.DONE, S.CANCELLED})
    task = _task(S.OPEN)
    assert TASK.move(task, S.WAITING) == S.OPEN and task.status == S.WAITING
    with pytest.raises(TransitionNotAllowed):
        TASK.move(_task(S.DONE), S.OPEN)
