"""Acting on many tasks of a queue at once: allocation (checked, then confirmed), assign to me,
return to the queue; and the downloads of a queue and of My work."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.accounts.models import User
from waymark.core import clock
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.permissions import requires
from waymark.work import rules, selectors, services
from waymark.work.filters import SORTS
from waymark.work.forms import (
    AllocateForm,
)
from waymark.work.registry import task_type_label
from waymark.work.views._common import _common, _my_work_tasks, _queue_tasks


@requires("work.view_task", "work.allocate_tasks")
@require_POST
def allocate(request, slug):
    """Step 1 posts the selection and shows what will change; step 2 (``confirm``) allocates."""
    queue = selectors.access_queue(request.user, slug)
    members = list(selectors.team_members(queue.team))
    task_choices = (
        selectors.without_withheld(selectors.task_visible_queryset(request.user), request.user)
        .filter(queue=queue)
        .values_list("pk", flat=True)
    )
    form = AllocateForm(request.POST, task_choices=list(task_choices), members=members)
    back = reverse("work:queue", args=[slug]) + "?" + request.POST.get("return_query", "")
    if not form.is_valid():
        return render(
            request,
            "work/allocate_error.html",
            _common(request, queue=queue, form=form, back=back),
            status=400,
        )
    assignee = get_object_or_404(User, pk=form.cleaned_data["assignee"])
    task_ids = form.cleaned_data["task_ids"]
    if request.POST.get("confirm") == "yes":
        try:
            changed = services.tasks_bulk_allocate(
                actor=request.user, task_ids=task_ids, assignee=assignee
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return render(
                request,
                "work/allocate_error.html",
                _common(request, queue=queue, form=form, back=back),
                status=400,
            )
        messages.success(request, f"{len(changed)} tasks allocated to {assignee.display_name}")
        return HttpResponseRedirect(back)
    tasks, problems = selectors.bulk_allocation_check(
        actor=request.user, task_ids=task_ids, assignee=assignee
    )
    for problem in problems:
        form.add_error(None, problem)
    return render(
        request,
        "work/allocate_confirm.html",
        _common(
            request,
            queue=queue,
            form=form,
            tasks=tasks,
            assignee=assignee,
            back=back,
            return_query=request.POST.get("return_query", ""),
            problems=problems,
        ),
        status=400 if problems else 200,
    )


@requires("work.view_task")
@require_POST
def bulk_action(request, slug):
    """The queue's other bulk actions on the selected tasks: 'Assign selected to me' (a team
    member) and 'Return selected to the queue' (a manager). All or nothing, back to the queue as
    it was filtered with what happened, or what stopped it, in a banner."""
    queue = selectors.access_queue(request.user, slug)
    back = reverse("work:queue", args=[slug]) + "?" + request.POST.get("return_query", "")
    visible = set(
        selectors.without_withheld(selectors.task_visible_queryset(request.user), request.user)
        .filter(queue=queue)
        .values_list("pk", flat=True)
    )
    try:
        task_ids = [int(pk) for pk in request.POST.getlist("task_ids")]
    except ValueError:
        task_ids = []
    task_ids = [pk for pk in task_ids if pk in visible]
    action = request.POST.get("action")
    if not task_ids:
        messages.error(request, "Select at least one task")
        return HttpResponseRedirect(back)
    try:
        if action == "take":
            done = services.tasks_bulk_take(actor=request.user, task_ids=task_ids)
            text = f"{len(done):,} task{'s' if len(done) != 1 else ''} assigned to you"
        elif action == "release":
            done = services.tasks_bulk_release(actor=request.user, task_ids=task_ids)
            text = f"{len(done):,} task{'s' if len(done) != 1 else ''} returned to the queue"
        else:
            messages.error(request, "Choose what to do with the selected tasks")
            return HttpResponseRedirect(back)
    except ValidationError as exc:
        messages.error(request, "Nothing was changed: " + "; ".join(exc.messages))
        return HttpResponseRedirect(back)
    messages.success(request, text)
    return HttpResponseRedirect(back)


EXPORT_HEADER = [
    "Task number",
    "Task",
    "Type",
    "Person",
    "Status",
    "Assigned to",
    "Due",
    "Deadline",
    "Created",
]


def _task_rows(request, tasks) -> tuple[list[list], set[int]]:
    """A download's rows (``EXPORT_HEADER``) and the people they name. A task about a person the
    user may not see keeps its row but says 'Restricted record' instead of what names them."""
    now = clock.now()
    rows, people = [], set()
    for task in tasks:
        hidden = selectors.person_withheld(request.user, task.person)
        if task.person_id and not hidden:
            people.add(task.person_id)
        state = rules.deadline_state(task.due_at, now) if task.is_active else None
        rows.append(
            [
                task.pk,
                selectors.RESTRICTED_LABEL if hidden else task.title,
                task_type_label(task.task_type),
                selectors.RESTRICTED_LABEL
                if hidden
                else (task.person.reference if task.person else ""),
                task.get_status_display(),
                task.assignee.display_name if task.assignee else "Unassigned",
                task.due_at,
                rules.DEADLINE_STATE_LABELS.get(state, "") if state else "",
                task.created_at,
            ]
        )
    return rows, people


@requires("work.view_task")
@export_view
def queue_export(request, slug):
    """The queue as filtered on its page, every matching task (not one page of them), as CSV or
    XLSX through the audited export helper. A task about a person the user may not see keeps its
    row but says 'Restricted record' instead of what names them."""
    queue = selectors.access_queue(request.user, slug)
    task_filter, _page, sort, _members, params = _queue_tasks(request, queue)
    tasks = task_filter.qs.order_by(*SORTS[sort]).select_related("person", "assignee")
    rows, people = _task_rows(request, tasks)
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    query = {key: params.getlist(key) for key in params if key not in ("page", "format")}
    options = {
        "filename": f"queue-{queue.slug}.{file_format}",
        "header": EXPORT_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="work.queue_exported",
            purpose=f"The {queue.name} queue as filtered on its page, as {file_format.upper()}",
            query=query,
            people=sorted(people),
            target=queue,
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Tasks", **options)
    return export_csv(request, **options)


@requires("work.view_task")
@export_view
def my_work_export(request):
    """My work, the user's caseload, as filtered on its page (by deadline), every task of it (not
    one page), most urgent first, as CSV or XLSX through the audited export helper."""
    tasks, due = _my_work_tasks(request, clock.now())
    rows, people = _task_rows(request, tasks.select_related("assignee"))
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    options = {
        "filename": f"my-work.{file_format}",
        "header": EXPORT_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="work.my_work_exported",
            purpose=f"My work (the tasks assigned to me) as filtered on its page, as "
            f"{file_format.upper()}",
            query={"due": due} if due else {},
            people=sorted(people),
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="My work", **options)
    return export_csv(request, **options)
