"""What work tells the platform at start-up (called from ``WorkConfig.ready``): the platform's own
task types, its navigation and the overdue sweep. The shared deadline rules are registered by
``waymark.work.rules`` itself, so that every module can name them."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "queue.created": AuditAction.COLLECTION,
    "saved_filter.created": AuditAction.COLLECTION,
    "saved_filter.deleted": AuditAction.ERASURE,
    "task.allocated_in_bulk": AuditAction.ALTERATION,
    "task.assigned": AuditAction.ALTERATION,
    "task.cancelled": AuditAction.ALTERATION,
    "task.completed": AuditAction.ALTERATION,
    "task.created": AuditAction.COLLECTION,
    "task.created_in_bulk": AuditAction.COLLECTION,
    "task.reassigned": AuditAction.ALTERATION,
    "task.released": AuditAction.ALTERATION,
    "task.started": AuditAction.ALTERATION,
    "task.taken_with_get_next": AuditAction.ALTERATION,
    "task.waiting": AuditAction.ALTERATION,
    "competence.signed_off": AuditAction.COLLECTION,
    "competence.withdrawn": AuditAction.ALTERATION,
    "work.my_work_exported": AuditAction.DISCLOSURE,
    "work.queue_exported": AuditAction.DISCLOSURE,
    "work.tasks_flagged_overdue": AuditAction.ALTERATION,
}


def register() -> None:
    from waymark.core.navigation import NavItem, register_nav
    from waymark.core.saved_views import FilterPage, register_filter_page
    from waymark.work.registry import platform_competences_register, platform_task_types_register
    from waymark.work.sweeps import overdue_flag, register_sweep

    platform_task_types_register()
    platform_competences_register()
    register_nav(NavItem("My work", "work:home", None, 10))
    # My work's filter (by deadline) may be saved, and is remembered (core.saved_views).
    register_filter_page(FilterPage("work:home", ("due",)))
    register_nav(NavItem("Queues", "work:queues", "work.view_task", 30))
    register_nav(
        NavItem(
            "Workload",
            "work:workload",
            "work.view_workload",
            79,
            group="figures",
            description="Each team member's active and overdue work, and each queue's backlog.",
        )
    )
    register_sweep("work.flag_overdue", overdue_flag)
    # The platform's own housekeeping runs with work's sweeps (core and api do not import work).
    from waymark.core.submissions import submissions_expire

    register_sweep("core.form_submissions_expire", submissions_expire)
    from waymark.api.services import idempotency_records_expire

    register_sweep("api.idempotency_records_expire", idempotency_records_expire)
    # --- metric definitions (issue 20 item 3) ---
    _metrics_register()


# --- metric definitions (issue 20 item 3) ---
# The backlog page's headline counts, defined once in the platform's metric registry
# (core.metrics): the backlog page and oversight's registry show these names and definitions.
WORK_METRIC_OWNER = "Team leaders and service delivery managers"
WORK_TASKS = "Tasks in the work queues (open, in progress or waiting)"


def _metrics_register() -> None:
    from django.db.models import Q

    from waymark.core import clock
    from waymark.core.metrics import Metric, register_metric
    from waymark.work import rules
    from waymark.work.models import ACTIVE_STATUSES, Task

    def counter(condition):
        def compute(team=None, person=None):
            tasks = Task.objects.filter(status__in=ACTIVE_STATUSES).filter(condition(clock.now()))
            if team is not None:
                tasks = tasks.filter(queue__team=team)
            if person is not None:  # the tasks assigned to them (a personal objective)
                tasks = tasks.filter(assignee=person)
            return tasks.count()

        return compute

    hours = int(rules.AT_RISK_WINDOW.total_seconds() // 3600)
    for key, name, definition, higher, condition in (
        (
            "tasks_active",
            "Active tasks",
            "Tasks open, in progress or waiting.",
            None,
            lambda now: Q(),
        ),
        (
            "tasks_unallocated",
            "Unallocated",
            "Active tasks with no one assigned.",
            False,
            lambda now: Q(assignee__isnull=True),
        ),
        (
            "tasks_overdue",
            "Overdue",
            "Active tasks whose deadline has passed.",
            False,
            lambda now: Q(due_at__lt=now),
        ),
        (
            "tasks_at_risk",
            f"At risk (due within {hours} hours)",
            f"Active tasks whose deadline falls within the next {hours} hours.",
            False,
            lambda now: Q(due_at__gte=now, due_at__lt=now + rules.AT_RISK_WINDOW),
        ),
    ):
        register_metric(
            Metric(
                key=f"work.{key}",
                name=name,
                definition=definition,
                population=WORK_TASKS,
                unit="count",
                higher_is_better=higher,
                owner=WORK_METRIC_OWNER,
                module="work",
                compute=counter(condition),
                by_team=True,
                # Unallocated work has no one to count it for; the rest is split by assignee.
                by_person=key != "tasks_unallocated",
                pages=("work:backlog",),
            )
        )
    _throughput_metrics_register()


def _throughput_metrics_register() -> None:
    """Throughput and timeliness (issue 20 item 2), the figures oversight's performance page shows
    per person and team: counted over any period, for one team's queues and one person, so a
    personal objective can be set on them."""
    from datetime import datetime, time, timedelta

    from django.db.models import Count, F, Q

    from waymark.core import clock
    from waymark.core.metrics import Metric, register_metric
    from waymark.work.models import Task, TaskStatus
    from waymark.work.rules import THROUGHPUT_DEFAULT_DAYS

    def counts(team, person, start, end) -> dict[str, int]:
        if start is None:
            end = clock.today()
            start = end - timedelta(days=THROUGHPUT_DEFAULT_DAYS - 1)
        since = datetime.combine(start, time(0), tzinfo=clock.LONDON)
        until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=clock.LONDON)
        tasks = Task.objects.filter(
            status=TaskStatus.DONE,
            completed_at__gte=since,
            completed_at__lt=until,
            assignee__isnull=False,
        )
        if team is not None:
            tasks = tasks.filter(queue__team=team)
        if person is not None:
            tasks = tasks.filter(assignee=person)
        return tasks.aggregate(
            done=Count("id"),
            with_deadline=Count("id", filter=Q(due_at__isnull=False)),
            on_time=Count("id", filter=Q(due_at__isnull=False, completed_at__lte=F("due_at"))),
        )

    def finished(team=None, person=None, start=None, end=None) -> int:
        return counts(team, person, start, end)["done"]

    def on_time_percent(team=None, person=None, start=None, end=None) -> float | None:
        c = counts(team, person, start, end)
        return round(100 * c["on_time"] / c["with_deadline"], 1) if c["with_deadline"] else None

    period = f"the last {THROUGHPUT_DEFAULT_DAYS} days"
    finished_population = "Tasks finished (done) in the work queues by the person assigned them"
    for key, name, definition, unit, compute in (
        (
            "tasks_finished",
            "Tasks finished",
            "Tasks completed in the period by the person assigned them.",
            "count",
            finished,
        ),
        (
            "tasks_finished_on_time_pct",
            "Finished by their deadline (%)",
            "Of the tasks completed in the period that had a deadline, the share completed by "
            "it; tasks with no deadline are left out.",
            "percent",
            on_time_percent,
        ),
    ):
        register_metric(
            Metric(
                key=f"work.{key}",
                name=name,
                definition=definition,
                population=finished_population,
                unit=unit,
                higher_is_better=True,
                owner=WORK_METRIC_OWNER,
                module="work",
                compute=compute,
                by_team=True,
                by_period=True,
                by_person=True,
                period=period,
                pages=("oversight:performance",),
            )
        )
