"""What the work pages share: the template context, the queue's filtered tasks and how a filter reads in words."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.urls import get_script_prefix, reverse
from markupsafe import Markup, escape

from waymark.core import clock
from waymark.work import rules, selectors
from waymark.work.filters import DEFAULT_SORT, SORTS, TaskFilter
from waymark.work.models import TaskStatus
from waymark.work.registry import task_type_label

PAGE_SIZE = 50
# My work's page key for its saved and remembered filter (core.saved_views; registrations.py).
MY_WORK = "work:home"


def _common(request, **context):
    return {
        "now": clock.now(),
        # Lists keep a restricted person's task as a row but show this instead of what names them.
        "withheld": _withheld(request.user),
        # The list pages' tags as functions: a Jinja macro call a row was a tenth of a queue page.
        "status_tag": status_tag,
        "deadline_tag": deadline_tag,
        "restricted_label": selectors.RESTRICTED_LABEL,
        "deadline_state": rules.deadline_state,
        "deadline_state_labels": rules.DEADLINE_STATE_LABELS,
        "task_type_label": task_type_label,
        "workload_label": selectors.workload_label,
        "task_url": task_url,
        **context,
    }


def _withheld(user):
    """``selectors.person_withheld`` for each row, asking for the user's permission once."""
    sees = None

    def withheld(task) -> bool:
        nonlocal sees
        person = task.person
        if person is None or not person.restricted_access:
            return False
        if sees is None:
            sees = not selectors.person_withheld(user, person)
        return not sees

    return withheld


STATUS_TAG_COLOURS = {
    "open": "blue",
    "in_progress": "light-blue",
    "waiting": "yellow",
    "done": "green",
    "cancelled": "grey",
}
DEADLINE_TAGS = {
    "overdue": Markup('<strong class="govuk-tag govuk-tag--red">Overdue</strong>'),
    "at_risk": Markup('<strong class="govuk-tag govuk-tag--orange">At risk</strong>'),
    "on_time": Markup('<strong class="govuk-tag govuk-tag--green">On time</strong>'),
}
NO_DEADLINE_TAG = Markup('<strong class="govuk-tag govuk-tag--grey">No deadline</strong>')


# ``get_status_display`` rebuilt its choices dictionary on every call: a tenth of a millisecond
# a row. An unknown value shows as itself, as it does there.
STATUS_LABELS = {value: str(label) for value, label in TaskStatus.choices}


def status_tag(task) -> Markup:
    """The task's status as a GOV.UK tag (as ``work/_macros.html``'s ``status_tag``)."""
    colour = STATUS_TAG_COLOURS.get(task.status, "grey")
    label = escape(STATUS_LABELS.get(task.status, task.status))
    return Markup(f'<strong class="govuk-tag govuk-tag--{colour}">{label}</strong>')  # noqa: S704


def deadline_tag(task, now, deadline_state=rules.deadline_state, labels=None) -> Markup:
    """An active task's deadline state as a GOV.UK tag, nothing for a finished one (as
    ``work/_macros.html``'s ``deadline_tag``)."""
    if not task.is_active:
        return Markup("")
    return DEADLINE_TAGS.get(deadline_state(task.due_at, now), NO_DEADLINE_TAG)


def task_url(pk: int) -> str:
    """The task page's address, as ``url("work:task-detail", pk)`` gives it, from one reverse: a
    list of fifty tasks reversed each row's link (about 0.1 ms each, a fifth of the page's own
    Python time)."""
    return _task_url_prefix(get_script_prefix(), settings.ROOT_URLCONF) + f"{int(pk)}/"


@cache
def _task_url_prefix(script_prefix: str, urlconf: str) -> str:
    prefix = reverse("work:task-detail", args=[1]).removesuffix("1/")
    if reverse("work:task-detail", args=[2]) != f"{prefix}2/":  # pragma: no cover - a new URL shape
        raise ImproperlyConfigured("work:task-detail no longer ends with <pk>/")
    return prefix


def _my_work_tasks(request, now):
    """The user's active tasks, most urgent first, with the deadline filter (``due``) the page
    and its download share; an unknown ``due`` is no filter."""
    due = request.GET.get("due", "")
    tasks = selectors.with_age_and_deadline(selectors.my_work(request.user), now)
    if due in rules.DEADLINE_STATE_LABELS:
        return tasks.filter(deadline_state=due), due
    return tasks, ""


# Query parameters that choose a page or an order, not which tasks: with only these, the list is
# the queue's active tasks, whose number the headline totals already counted.
_NOT_FILTERS = frozenset({"page", "sort"})


def _queue_tasks(request, queue, *, active_total: int | None = None):
    """The queue's filtered, sorted page of tasks. ``active_total`` is the number of the queue's
    active tasks when the caller has counted them (the page's totals): with no filter chosen the
    list is exactly those, so the pager uses it instead of counting them again."""
    now = clock.now()
    base = selectors.with_age_and_deadline(
        selectors.task_visible_queryset(request.user).filter(queue=queue), now
    )
    params = request.GET.copy()
    if "status" not in params:
        params.setlist("status", [TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING])
    type_keys = selectors.queue_task_types(queue)
    members = list(selectors.team_members_with_workload(queue.team))
    task_filter = TaskFilter(
        params, queryset=base, user=request.user, type_keys=type_keys, members=members
    )
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    # Every row is in this one queue, so the rows join only what they show (who holds the task,
    # whom it is about): fifty copies of the queue and its team were half the page's model loading.
    tasks = (
        task_filter.qs.order_by(*SORTS[sort])
        .select_related(None)
        .select_related("assignee", "person")
    )
    paginator = Paginator(tasks, PAGE_SIZE)
    if active_total is not None and set(request.GET) <= _NOT_FILTERS:
        paginator.count = active_total  # a cached property: the instance's value is used
    page = paginator.get_page(request.GET.get("page"))
    return task_filter, page, sort, members, params


FILTER_LABELS = (
    ("status", "Status"),
    ("task_type", "Type"),
    ("deadline_state", "Deadline"),
    ("age_band", "Age"),
)


def _applied_filters(request, task_filter, params) -> list[tuple[str, list[str]]]:
    """What the list is filtered by, in words, shown above the table while the filter panel is
    closed (the default status filter is not a choice the user made, so it is not listed)."""
    applied = []
    for name, label in FILTER_LABELS:
        if name == "status" and "status" not in request.GET:
            continue
        chosen = params.getlist(name)
        if chosen:
            choices = {str(k): str(v) for k, v in task_filter.filters[name].extra["choices"]}
            applied.append((label, [choices.get(value, value) for value in chosen]))
    assignee = params.get("assignee")
    if assignee:
        members = dict(task_filter.member_choices)
        applied.append(("Assigned to", [str(members.get(assignee, assignee))]))
    if params.get("person"):
        applied.append(("Person reference", [params["person"]]))
    return applied
