"""Reads of work: tasks and queues as a user may see them, and the live figures.

Team scoping: a user sees the queues (and the tasks in them) of their own teams, unless they have
``work.view_any_queue``. Anything outside that is a 404 (``access_task``), never a 403.

Restricted records: work about a person marked ``restricted_access`` stays in lists (so counts stay
true) but shows ``RESTRICTED_LABEL`` instead of what names them to a user without
``people.view_restricted_person``, and ``access_task`` refuses it to them (issue 14 item 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from waymark.accounts.models import Team
from waymark.core import clock

# The restricted-record predicate is the people app's (``RESTRICTED_LABEL`` is re-exported for pages
# that import it from here).
from waymark.people.permissions import RESTRICTED_LABEL as RESTRICTED_LABEL
from waymark.people.permissions import person_withheld, sees_restricted
from waymark.work import rules

# The competence reads (``waymark.work.competence``), re-exported so callers write
# ``work.selectors.competence_register``.
from waymark.work.competence import competence_gate as competence_gate
from waymark.work.competence import competence_held_on as competence_held_on
from waymark.work.competence import competence_holders_since as competence_holders_since
from waymark.work.competence import competence_refusal as competence_refusal
from waymark.work.competence import competence_register as competence_register
from waymark.work.competence import competence_team_summary as competence_team_summary
from waymark.work.competence import competence_valid as competence_valid
from waymark.work.competence import competences_held as competences_held
from waymark.work.competence import competent_assignee as competent_assignee
from waymark.work.models import ACTIVE_STATUSES, Queue, SavedFilter, Task, TaskStatus
from waymark.work.permissions import sees_every_queue
from waymark.work.queue_reads import member_queue_ids
from waymark.work.queue_reads import queue_task_types as queue_task_types
from waymark.work.queue_reads import team_members as team_members
from waymark.work.queue_reads import team_members_with_workload as team_members_with_workload
from waymark.work.queue_reads import workload_label as workload_label
from waymark.work.registry import competence_requirements, task_type_label


def active_work_in_teams_exists(team_ids: list[int]) -> Exists:
    """Correlated EXISTS for a Person queryset: the person has active work in these teams' queues.

    A correlated EXISTS lets the database probe the (person, status) index for the candidate people
    only; ``pk IN (subquery)`` made PostgreSQL build the set of every person with active work in
    the teams first (a scan of every active task) and then scan every person."""
    return Exists(
        Task.objects.filter(
            person_id=OuterRef("pk"),
            queue__team_id__in=team_ids,
            status__in=ACTIVE_STATUSES,
        )
    )


def queue_visible_queryset(user) -> QuerySet[Queue]:
    queues = Queue.objects.select_related("team")
    if sees_every_queue(user):
        return queues
    if not (user and user.is_authenticated):
        return queues.none()
    return queues.filter(team__in=user.teams.all())


def access_queue(user, slug: str) -> Queue:
    return get_object_or_404(queue_visible_queryset(user), slug=slug)


def task_visible_queryset(user) -> QuerySet[Task]:
    tasks = Task.objects.select_related("queue", "queue__team", "assignee", "person")
    if sees_every_queue(user):
        return tasks
    if not (user and user.is_authenticated):
        return tasks.none()
    return tasks.filter(queue__team__in=user.teams.all())


def without_withheld(tasks: QuerySet[Task], user) -> QuerySet[Task]:
    """``tasks`` less those about a restricted record ``user`` may not see: what they may open,
    change, allocate or be given."""
    if sees_restricted(user):
        return tasks
    from waymark.people.models import Person

    # A subquery, not a join: get next locks its candidate rows (FOR UPDATE SKIP LOCKED), which
    # PostgreSQL refuses on the nullable side of an outer join. Tasks with no person stay.
    restricted = Person.objects.filter(restricted_access=True).values("pk")
    return tasks.exclude(person_id__in=restricted)


def access_task(user, pk: int) -> Task:
    """The task if ``user`` may see it and its person, else 404 (so its existence is not confirmed)."""
    return get_object_or_404(without_withheld(task_visible_queryset(user), user), pk=pk)


def urgent_order() -> list:
    """Most urgent first: priority, then the nearest deadline (no deadline last), then oldest."""
    return [F("priority").desc(), F("due_at").asc(nulls_last=True), "id"]


def my_work(user) -> QuerySet[Task]:
    return (
        Task.objects.filter(assignee=user, status__in=ACTIVE_STATUSES)
        .select_related("queue", "person")
        .order_by(*urgent_order())
    )


def my_work_counts(user, now=None) -> dict[str, int]:
    """The user's active tasks counted by deadline state, in one aggregate: the true total (the
    list is paginated), overdue, at risk (due within ``AT_RISK_WINDOW``), on time, no deadline."""
    counts = _counts(now or clock.now())
    counts.pop("unallocated")
    return Task.objects.filter(assignee=user, status__in=ACTIVE_STATUSES).aggregate(**counts)


def team_attention(user, now=None) -> list[dict[str, Any]]:
    """For someone who allocates work: each queue of their teams with work nobody has or work
    overdue, most overdue first, with the counts the queue page filters by."""
    now = now or clock.now()
    rows = (
        Task.objects.filter(
            status__in=ACTIVE_STATUSES, queue__team__in=user.teams.all(), queue__is_active=True
        )
        .values("queue_id", "queue__name", "queue__slug")
        .annotate(
            unallocated=Count("id", filter=Q(assignee__isnull=True)),
            overdue=Count("id", filter=Q(due_at__lt=now)),
        )
        .filter(Q(unallocated__gt=0) | Q(overdue__gt=0))
        .order_by("-overdue", "-unallocated", "queue__name")
    )
    return [
        {
            "name": row["queue__name"],
            "slug": row["queue__slug"],
            "unallocated": row["unallocated"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]


def workload_teams(user) -> QuerySet[Team]:
    teams = Team.objects.filter(is_active=True)
    return teams if sees_every_queue(user) else teams.filter(members=user)


def saved_filters_for(user, queue: Queue) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user).filter(Q(queue=queue) | Q(queue__isnull=True))


# ------------------------------------------------------------------------------------------------
# Live figures: computed by the database with CASE expressions and GROUP BY, never row by row.


def age_band_expression(now) -> Case:
    whens = []
    for key, _label, _low, high in rules.AGE_BANDS:
        if high is None:
            continue
        # age in whole days <= high  <=>  created after now - (high + 1) days
        whens.append(When(created_at__gt=now - timedelta(days=high + 1), then=Value(key)))
    return Case(*whens, default=Value(rules.AGE_BANDS[-1][0]), output_field=CharField())


def deadline_state_expression(now) -> Case:
    return Case(
        When(due_at__isnull=True, then=Value(rules.NO_DEADLINE)),
        When(due_at__lt=now, then=Value(rules.OVERDUE)),
        When(due_at__lt=now + rules.AT_RISK_WINDOW, then=Value(rules.AT_RISK)),
        default=Value(rules.ON_TIME),
        output_field=CharField(),
    )


def with_age_and_deadline(tasks: QuerySet[Task], now=None) -> QuerySet[Task]:
    now = now or clock.now()
    return tasks.annotate(
        age_band=age_band_expression(now), deadline_state=deadline_state_expression(now)
    )


def _counts(now) -> dict[str, Any]:
    return {
        "total": Count("id"),
        "unallocated": Count("id", filter=Q(assignee__isnull=True)),
        "overdue": Count("id", filter=Q(due_at__lt=now)),
        "at_risk": Count("id", filter=Q(due_at__gte=now, due_at__lt=now + rules.AT_RISK_WINDOW)),
        "on_time": Count("id", filter=Q(due_at__gte=now + rules.AT_RISK_WINDOW)),
        "no_deadline": Count("id", filter=Q(due_at__isnull=True)),
    }


def queue_totals(*, user, queue: Queue, accessed: bool = False) -> dict[str, int]:
    """The queue page's headline counts: one aggregate, not the whole backlog breakdown.
    ``accessed``: the queue came from ``access_queue`` for this user, so it is not checked again."""
    if not accessed and not queue_visible_queryset(user).filter(pk=queue.pk).exists():
        return dict.fromkeys(_counts(clock.now()), 0)
    return Task.objects.filter(status__in=ACTIVE_STATUSES, queue=queue).aggregate(
        **_counts(clock.now())
    )


def backlog_figures(*, user, queue: Queue | None = None) -> dict[str, Any]:
    """Active work the user may see, counted live: totals, by queue, by type, by age band, and
    the queue x type x age band x deadline state cross-table."""
    now = clock.now()
    tasks = Task.objects.filter(status__in=ACTIVE_STATUSES)
    visible_queues = queue_visible_queryset(user)
    tasks = tasks.filter(queue__in=visible_queues)
    if queue is not None:
        tasks = tasks.filter(queue=queue)
    counts = _counts(now)
    totals = tasks.aggregate(**counts)

    queue_names = dict(visible_queues.values_list("id", "name"))
    queue_slugs = dict(visible_queues.values_list("id", "slug"))
    by_queue = [
        {
            **row,
            "queue_name": queue_names.get(row["queue_id"], ""),
            "queue_slug": queue_slugs.get(row["queue_id"], ""),
        }
        for row in tasks.values("queue_id").annotate(**counts).order_by("queue_id")
    ]
    by_queue.sort(key=lambda row: row["queue_name"])
    by_type = [
        {**row, "label": task_type_label(row["task_type"])}
        for row in tasks.values("task_type").annotate(**counts).order_by("task_type")
    ]
    banded: QuerySet[Any] = with_age_and_deadline(tasks, now)  # annotated: age_band, deadline_state
    band_rows = {
        row["age_band"]: row for row in banded.values("age_band").annotate(**counts).order_by()
    }
    by_age_band = [
        {"age_band": key, "label": label, **{k: band_rows.get(key, {}).get(k, 0) for k in counts}}
        for key, label, _low, _high in rules.AGE_BANDS
    ]
    cross = [
        {
            **row,
            "queue_name": queue_names.get(row["queue_id"], ""),
            "type_label": task_type_label(row["task_type"]),
            "age_band_label": rules.AGE_BAND_LABELS[row["age_band"]],
            "deadline_state_label": rules.DEADLINE_STATE_LABELS[row["deadline_state"]],
        }
        for row in banded.values("queue_id", "task_type", "age_band", "deadline_state")
        .annotate(count=Count("id"), unallocated=Count("id", filter=Q(assignee__isnull=True)))
        .order_by("queue_id", "task_type", "age_band", "deadline_state")
    ]
    return {
        "at": now,
        "totals": totals,
        "by_queue": by_queue,
        "by_type": by_type,
        "by_age_band": by_age_band,
        "cross": cross,
    }


def workload_for_team(team: Team) -> list[dict[str, Any]]:
    """Per member of ``team``: how much active work they hold (in any queue), how much is
    overdue, and when their oldest active task was created. One grouped query."""
    now = clock.now()
    active = Q(tasks__status__in=ACTIVE_STATUSES)
    members = team_members(team).annotate(
        open_count=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN)),
        in_progress_count=Count("tasks", filter=Q(tasks__status=TaskStatus.IN_PROGRESS)),
        waiting_count=Count("tasks", filter=Q(tasks__status=TaskStatus.WAITING)),
        overdue_count=Count("tasks", filter=active & Q(tasks__due_at__lt=now)),
        oldest_created_at=Min("tasks__created_at", filter=active),
    )
    return [
        {
            "user": member,
            "open": member.open_count,
            "in_progress": member.in_progress_count,
            "waiting": member.waiting_count,
            "active": member.open_count + member.in_progress_count + member.waiting_count,
            "overdue": member.overdue_count,
            "oldest": member.oldest_created_at,
        }
        for member in members
    ]


@dataclass(frozen=True)
class GetNextScope:
    """What decides which tasks a user may get next: their teams' active queues, the task types
    they may take (``types`` is either the only types allowed or, when ``types_refused``, the
    types left out) and whether restricted records are withheld from them. A pure value, so the
    statement built from it can be reused for everyone with the same scope."""

    # None: not read here; get next's PostgreSQL statement reads the user's queues itself.
    queue_ids: tuple[int, ...] | None
    types: tuple[str, ...]
    types_refused: bool
    hide_restricted: bool
    # The competence gate (issue 20 item 2): each competence needed by a type the user may take,
    # with those types. The statement checks, for the user pressing, that they hold it.
    gates: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def takes_nothing(self) -> bool:
        """No queue, or no type the user may take: nothing to select."""
        no_queue = self.queue_ids is not None and not self.queue_ids
        return no_queue or (not self.types_refused and not self.types)


def get_next_scope(*, user, queues: bool = True) -> GetNextScope:
    """What decides which tasks ``user`` may get next. With ``queues`` False the user's queues are
    not read (``queue_ids`` None): everything else comes from permissions and the registries,
    read without a query."""
    from waymark.work.registry import task_types

    registered = task_types()
    may = {p: user.has_perm(p) for p in {t.take_permission for t in registered}}
    if user.has_perm("work.take_tasks"):
        # Types no module has registered (old data, demo data) need only the default permission,
        # so what is left out is the registered types whose own permission the user lacks.
        types = tuple(sorted(t.key for t in registered if not may[t.take_permission]))
        refused = True
    else:
        types = tuple(sorted(t.key for t in registered if may[t.take_permission]))
        refused = False
    queue_ids = member_queue_ids(user.pk) if queues else None
    excluded = set(types) if refused else None
    allowed = None if refused else set(types)
    gates: dict[str, list[str]] = {}
    for type_key, competence_key in sorted(competence_requirements().items()):
        if (excluded is not None and type_key in excluded) or (
            allowed is not None and type_key not in allowed
        ):
            continue  # the user may not take the type anyway
        gates.setdefault(competence_key, []).append(type_key)
    return GetNextScope(
        queue_ids=queue_ids,
        types=types,
        types_refused=refused,
        hide_restricted=not sees_restricted(user),  # the rule ``without_withheld`` applies
        gates=tuple((key, tuple(keys)) for key, keys in sorted(gates.items())),
    )


def get_next_candidates(
    *, user, scope: GetNextScope | None = None, holder_id=None, on=None
) -> QuerySet[Task]:
    """Open, unassigned tasks in active queues of the user's own teams that the user may take,
    most urgent first. (Get next works from a user's own teams even with ``view_any_queue``.)

    Shaped for ``FOR UPDATE SKIP LOCKED LIMIT 1`` on the ``task_get_next`` partial index: the
    queues as a list of ids (so one queue is an index range in urgency order), the types as one
    ``IN`` or ``NOT IN`` (nothing when the user may take every type), and restricted records as a
    correlated scalar subquery on the person's primary key: one index probe per row examined.
    (``without_withheld``'s ``NOT IN``, and a ``NOT EXISTS`` the planner turns into an anti join,
    read every person on each press.)"""
    from waymark.people.models import Person

    scope = scope or get_next_scope(user=user)
    if scope.types_refused:
        type_filter = ~Q(task_type__in=scope.types) if scope.types else Q()
    else:
        type_filter = Q(task_type__in=scope.types)
    tasks = Task.objects.filter(
        type_filter,
        competence_gate(
            gates=scope.gates,
            holder_id=user.pk if holder_id is None else holder_id,
            on=on or clock.today(),
        ),
        status=TaskStatus.OPEN,
        assignee__isnull=True,
        queue_id__in=scope.queue_ids,
    )
    if scope.hide_restricted:
        restricted = (
            Person.objects.filter(pk=OuterRef("person_id")).order_by().values("restricted_access")
        )
        tasks = tasks.exclude(
            Coalesce(Subquery(restricted[:1]), Value(False), output_field=BooleanField())
        )
    return tasks.order_by(*urgent_order())


def bulk_allocation_check(*, actor, task_ids, assignee) -> tuple[list[Task], list[str]]:
    """The tasks a bulk allocation would change, and every reason it may not go ahead."""
    problems: list[str] = []
    ids = sorted({int(pk) for pk in task_ids})
    if not ids:
        problems.append("Select at least one task")
    if assignee is None:
        problems.append("Select who to allocate the tasks to")
    tasks = list(
        without_withheld(task_visible_queryset(actor), actor).filter(pk__in=ids).order_by("pk")
        if ids
        else Task.objects.none()
    )
    missing = set(ids) - {t.pk for t in tasks}
    if missing:
        problems.append(f"{len(missing)} of the selected tasks could not be found")
    if assignee is not None and not assignee.is_active:
        problems.append(f"{assignee.display_name} cannot be given work (account not active)")
    member_of = set(assignee.teams.values_list("id", flat=True)) if assignee is not None else set()
    held = competences_held(assignee) if assignee is not None else set()
    for task in tasks:
        if not task.is_active:
            problems.append(f"Task {task.pk} ({task.title}) is {task.get_status_display().lower()}")
        elif assignee is not None and person_withheld(assignee, task.person):
            problems.append(
                f"{assignee.display_name} may not see the person task {task.pk} is about "
                "(a restricted record)"
            )
        elif assignee is not None and task.queue.team_id not in member_of:
            problems.append(
                f"{assignee.display_name} is not in {task.queue.team.name}, the team for "
                f"task {task.pk} ({task.title})"
            )
        elif assignee is not None and (
            refusal := competence_refusal(assignee, task.task_type, held=held)
        ):
            problems.append(f"Task {task.pk} ({task.title}): {refusal}")
    return tasks, problems


def tasks_for(
    *,
    subject=None,
    task_types=None,
    active: bool = True,
    dedupe_prefix: str | None = None,
    dedupe_scope: str | None = None,
) -> QuerySet[Task]:
    """Tasks about ``subject`` (any model instance), or whose dedupe key starts with
    ``dedupe_prefix``, or whose dedupe key is ``dedupe_scope`` or below it (``"kind:12"`` finds
    ``kind:12`` and ``kind:12:3``, never ``kind:120``); of ``task_types`` when given; only active
    ones unless ``active=False``. The one way a module finds its own work, instead of querying
    work's tables."""
    if subject is None and not dedupe_prefix and not dedupe_scope:
        raise ValueError("Name a subject, a dedupe prefix or a dedupe scope")
    tasks = Task.objects.select_related("queue", "queue__team", "assignee")
    if subject is not None:
        tasks = tasks.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
    if dedupe_prefix:
        tasks = tasks.filter(dedupe_key__startswith=dedupe_prefix)
    if dedupe_scope:
        tasks = tasks.filter(
            Q(dedupe_key=dedupe_scope) | Q(dedupe_key__startswith=f"{dedupe_scope}:")
        )
    if task_types:
        tasks = tasks.filter(task_type__in=list(task_types))
    if active:
        tasks = tasks.filter(status__in=ACTIVE_STATUSES)
    return tasks.order_by("pk")


def throughput(*, since, until, by: str, team_id: int | None = None) -> list[dict[str, Any]]:
    """Work finished between ``since`` and ``until`` (issue 20 item 2: throughput and timeliness
    per person and team), grouped ``by`` "person" (the assignee) or "team" (the queue's team):
    tasks done, how many had a deadline, and how many of those were done by it. One grouped
    query."""
    keys = {
        "person": ("assignee_id", "assignee__first_name", "assignee__last_name"),
        "team": ("queue__team_id", "queue__team__name"),
    }[by]
    tasks = Task.objects.filter(
        status=TaskStatus.DONE,
        completed_at__gte=since,
        completed_at__lt=until,
        assignee__isnull=False,
    )
    if team_id is not None:
        tasks = tasks.filter(queue__team_id=team_id)
    rows = (
        tasks.values(*keys)
        .annotate(
            done=Count("id"),
            with_deadline=Count("id", filter=Q(due_at__isnull=False)),
            on_time=Count("id", filter=Q(due_at__isnull=False, completed_at__lte=F("due_at"))),
        )
        .order_by("-done", keys[0])
    )
    out = []
    for row in rows:
        name = (
            f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
            if by == "person"
            else row["queue__team__name"]
        )
        out.append(
            {
                "id": row[keys[0]],
                "name": name or f"User {row[keys[0]]}",
                "done": row["done"],
                "with_deadline": row["with_deadline"],
                "on_time": row["on_time"],
                "on_time_percent": round(100 * row["on_time"] / row["with_deadline"])
                if row["with_deadline"]
                else None,
            }
        )
    return out
