"""Work pages: my work and get next, queues, the task page, allocation, workload and backlog.

Views are thin: check the form, call one service, redirect. Object access goes through
``access_task`` / ``access_queue`` (404 outside the user's teams).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.accounts.models import User
from waymark.core import clock
from waymark.core.permissions import no_personal_data, requires, signed_in
from waymark.core.saved_views import filters_remembered, saved_views_panel
from waymark.work import permissions as perms
from waymark.work import rules, selectors, services
from waymark.work.filters import SORT_LABELS
from waymark.work.forms import (
    ActionForm,
    AssignForm,
    OutcomeForm,
    ReasonForm,
    SavedFilterForm,
)
from waymark.work.models import SavedFilter
from waymark.work.registry import get_task_type, subject_link
from waymark.work.views._common import (
    FILTER_LABELS,
    MY_WORK,
    PAGE_SIZE,
    _applied_filters,
    _common,
    _my_work_tasks,
    _queue_tasks,
)
from waymark.work.views.bulk import (
    EXPORT_HEADER,
    allocate,
    bulk_action,
    my_work_export,
    queue_export,
)

__all__ = [
    "EXPORT_HEADER",
    "FILTER_LABELS",
    "PAGE_SIZE",
    "allocate",
    "backlog",
    "bulk_action",
    "get_next",
    "home",
    "my_work_export",
    "queue_detail",
    "queue_export",
    "queue_list",
    "saved_filter_create",
    "saved_filter_delete",
    "task_action",
    "task_detail",
    "workload",
]


@signed_in
def home(request):
    """My work: the true counts by deadline (each a link that filters the list), the list a page
    at a time, most urgent first; and for someone who allocates work, the team's queues with work
    unallocated or overdue. Its filter is remembered and may be saved (core.saved_views)."""
    if (remembered := filters_remembered(request, MY_WORK)) is not None:
        return remembered
    now = clock.now()
    counts = selectors.my_work_counts(request.user, now)
    due = request.GET.get("due", "")
    tasks, due = _my_work_tasks(request, now)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    attention = (
        selectors.team_attention(request.user, now)
        if request.user.has_perm(perms.ALLOCATE_TASKS)
        else []
    )
    return render(
        request,
        "work/home.html",
        _common(
            request,
            tasks=page,
            page=page,
            counts=counts,
            due=due,
            attention=attention,
            saved_views=saved_views_panel(request, MY_WORK),
        ),
    )


@requires("work.take_tasks")
@require_POST
def get_next(request):
    task = services.task_get_next(user=request.user)
    if task is None:
        messages.info(request, "There are no tasks for you to take right now.")
        return redirect("work:home")
    messages.success(request, f"You have been given task {task.pk}: {task.title}")
    return redirect("work:task-detail", pk=task.pk)


@no_personal_data
@requires("work.view_task")
def queue_list(request):
    figures = selectors.backlog_figures(user=request.user)
    counted = {row["queue_id"]: row for row in figures["by_queue"]}
    queues = [
        {"queue": q, "counts": counted.get(q.pk)}
        for q in selectors.queue_visible_queryset(request.user).filter(is_active=True)
    ]
    return render(request, "work/queue_list.html", _common(request, queues=queues, figures=figures))


def _queue_page(request, queue, *, query_string: str, save_form, status: int = 200, **extra):
    """The queue page: its filtered tasks, filters in words, saved filters and who may do what."""
    figures = selectors.queue_totals(user=request.user, queue=queue, accessed=True)
    task_filter, page, sort, members, params = _queue_tasks(
        request, queue, active_total=figures["total"]
    )
    may_allocate = request.user.has_perm("work.allocate_tasks")
    # A queue that access_queue returned is one of the user's teams' unless they see every queue:
    # only then is membership a question for the database.
    may_take = request.user.has_perm("work.change_task") and (
        not perms.sees_every_queue(request.user)
        or request.user.teams.filter(pk=queue.team_id).exists()
    )
    context = _common(
        request,
        queue=queue,
        filter=task_filter,
        applied_filters=_applied_filters(request, task_filter, params),
        page=page,
        sort=sort,
        sort_labels=SORT_LABELS,
        members=members,
        params=params,
        query_string=query_string,
        saved_filters=selectors.saved_filters_for(request.user, queue),
        save_form=save_form,
        may_allocate=may_allocate,
        may_take=may_take,
        may_select=may_take or may_allocate,
        figures=figures,
        **extra,
    )
    return render(request, "work/queue_detail.html", context, status=status)


@requires("work.view_task")
def queue_detail(request, slug):
    queue = selectors.access_queue(request.user, slug)
    query = request.GET.copy()
    query.pop("page", None)
    return _queue_page(
        request,
        queue,
        query_string=query.urlencode(),
        save_form=SavedFilterForm(initial={"query_string": query.urlencode()}),
    )


@requires("work.view_task")
@require_POST
def saved_filter_create(request, slug):
    queue = selectors.access_queue(request.user, slug)
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            services.saved_filter_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                query_string=form.cleaned_data["query_string"],
                queue=queue,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"Filter '{form.cleaned_data['name']}' saved")
            query = form.cleaned_data["query_string"]
            target = reverse("work:queue", args=[slug])
            return HttpResponseRedirect(f"{target}?{query}" if query else target)
    # Show the queue as it was filtered when the user pressed save, with the error.
    request.GET = QueryDict(request.POST.get("query_string", ""))
    return _queue_page(
        request,
        queue,
        query_string=request.POST.get("query_string", ""),
        save_form=form,
        form=form,
        status=400,
    )


@requires("work.view_task")
@require_POST
def saved_filter_delete(request, pk):
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    slug = saved.queue.slug if saved.queue else None
    services.saved_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, f"Filter '{saved.name}' deleted")
    return redirect("work:queue", slug=slug) if slug else redirect("work:queues")


@requires("work.view_task")
def task_detail(request, pk):
    task = selectors.access_task(request.user, pk)
    return render(request, "work/task_detail.html", _task_context(request, task))


def _task_guidance(task_type: str) -> str:
    """The step key of the task type's guidance page ("" if it declares none)."""
    try:
        return get_task_type(task_type).guidance
    except KeyError:
        return ""


def _task_context(request, task, **extra):
    may_change = request.user.has_perm("work.change_task")
    may_allocate = request.user.has_perm("work.allocate_tasks")
    members = list(selectors.team_members_with_workload(task.queue.team)) if may_allocate else []
    context = _common(
        request,
        task=task,
        may_change=may_change and task.is_active,
        may_allocate=may_allocate and task.is_active,
        deadline_text=rules.deadline_describe(task.deadline_inputs),
        state=rules.deadline_state(task.due_at, clock.now()) if task.is_active else None,
        outcome_form=OutcomeForm(prefix="complete"),
        wait_form=ReasonForm(prefix="wait"),
        cancel_form=ReasonForm(prefix="cancel"),
        assign_form=AssignForm(prefix="assign", members=members),
        is_member=request.user.teams.filter(pk=task.queue.team_id).exists(),
        subject=subject_link(task.subject_type, task.subject_id),
        guidance_key=_task_guidance(task.task_type),
        may_complete=task.is_active
        and may_change
        and (task.assignee_id == request.user.pk or task.assignee_id is None),
    )
    context.update(extra)
    return context


ACTIONS = {"start", "release", "assign-to-me", "wait", "complete", "cancel", "reassign"}
# Which form on the task page each action's errors belong to.
FORM_NAMES = {
    "wait": "wait_form",
    "cancel": "cancel_form",
    "complete": "outcome_form",
    "reassign": "assign_form",
}


def _action_form(request, task, action):
    if action in ("wait", "cancel"):
        return ReasonForm(request.POST, prefix=action)
    if action == "complete":
        return OutcomeForm(request.POST, prefix="complete")
    if action == "reassign":
        if not request.user.has_perm("work.allocate_tasks"):
            raise PermissionDenied
        return AssignForm(
            request.POST, prefix="assign", members=list(selectors.team_members(task.queue.team))
        )
    return ActionForm(request.POST)


def _action_run(request, task, action, data) -> str:
    user = request.user
    if action == "start":
        services.task_start(actor=user, task=task)
        return "Task started"
    if action == "release":
        services.task_release(actor=user, task=task)
        return "Task returned to the queue"
    if action == "assign-to-me":
        services.task_assign(actor=user, task=task, assignee=user)
        return "Task assigned to you"
    if action == "wait":
        services.task_wait(actor=user, task=task, reason=data["reason"])
        return "Task marked as waiting"
    if action == "cancel":
        services.task_cancel(actor=user, task=task, reason=data["reason"])
        return "Task cancelled"
    if action == "complete":
        services.task_complete(actor=user, task=task, outcome=data["outcome"], note=data["note"])
        return "Task completed"
    assignee = get_object_or_404(User, pk=data["assignee"])
    services.task_reassign(actor=user, task=task, assignee=assignee, reason=data["reason"])
    return f"Task given to {assignee.display_name}"


@requires("work.view_task", "work.change_task")
@require_POST
def task_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    task = selectors.access_task(request.user, pk)
    form = _action_form(request, task, action)
    if form.is_valid():
        try:
            message = _action_run(request, task, action, form.cleaned_data)
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            messages.success(request, message)
            return redirect("work:task-detail", pk=task.pk)
    task.refresh_from_db()
    extra = {"form": form}
    if action in FORM_NAMES:
        extra[FORM_NAMES[action]] = form
    return render(
        request, "work/task_detail.html", _task_context(request, task, **extra), status=400
    )


@requires("work.view_workload")
def workload(request):
    teams = list(selectors.workload_teams(request.user))
    if not teams:
        return render(request, "work/workload.html", _common(request, teams=[], team=None, rows=[]))
    chosen = request.GET.get("team")
    team = next((t for t in teams if t.slug == chosen), None)
    if chosen and team is None:
        raise Http404
    team = team or next((t for t in teams if request.user.teams.filter(pk=t.pk).exists()), teams[0])
    rows = selectors.workload_for_team(team)
    return render(
        request, "work/workload.html", _common(request, teams=teams, team=team, rows=rows)
    )


@no_personal_data
@requires("work.view_task")
def backlog(request):
    from waymark.core import charts

    figures = selectors.backlog_figures(user=request.user)
    bands, overdue = figures["by_age_band"], figures["totals"]["overdue"] or 0
    # The age bands as the axis shows them ("0 to 2", "21 or more"), under "Days since created".
    axis = [
        f"{low} or more" if high is None else f"{low} to {high}"
        for *_, low, high in rules.AGE_BANDS
    ]
    ageing = charts.bar_chart(
        axis,
        [(label, [row[key] for row in bands]) for key, label in rules.DEADLINE_STATES],
        title="Active tasks by age and deadline",
        stacked=True,
        y_label="Active tasks",
        x_label="Days since created",
        summary=charts.largest_sentence(
            "active tasks",
            [row["label"] for row in bands],
            [row["total"] for row in bands],
            verb="are aged",
            singular="active task",
            then=f"{overdue:,} {'is' if overdue == 1 else 'are'} overdue",
        ),
        chart_id="chart-backlog-ageing",
    )
    return render(
        request,
        "work/backlog.html",
        _common(
            request,
            figures=figures,
            age_bands=rules.AGE_BANDS,
            deadline_states=rules.DEADLINE_STATES,
            urlencode=urlencode,
            ageing_chart=ageing if figures["totals"]["total"] else None,
        ),
    )
