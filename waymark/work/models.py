"""Work: every item of work is a ``Task`` in a ``Queue`` (brief platform §2).

Task states (``TaskStatus``, transitions in ``waymark.work.workflows``):
  open        - waiting to be taken; may be unassigned (in the queue) or assigned;
  in_progress - someone is working on it;
  waiting     - waiting on someone else (a supplier, a partner, the person);
  done        - finished with an outcome;
  cancelled   - no longer needed, with a reason.

The deadline rule and its inputs are stored on the task so that anyone can see why it is due when
it is. Priority is a number computed by the owning module's rule (higher is more urgent) with the
reason shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.accounts.models import Team

USER = settings.AUTH_USER_MODEL


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING = "waiting", "Waiting on someone else"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = [TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING]


class Queue(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="queues")
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("allocate_tasks", "Can allocate and reassign tasks in bulk"),
            ("view_workload", "Can see the team workload page"),
            ("view_any_queue", "Can see queues outside their own teams"),
        ]

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    # No index of their own on task_type (one is in Meta, without db_index's pattern-matching
    # twin), queue, person or assignee: the composite indexes below lead with each, and every task
    # written or moved maintains each index it has.
    task_type = models.CharField(max_length=60, help_text="Key in the task-type registry")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tasks", db_index=False)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,
    )
    subject_type = models.CharField(
        max_length=100, blank=True, help_text="The object this task is about"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks", db_index=False
    )
    outcome = models.CharField(max_length=60, blank=True)
    outcome_note = models.TextField(blank=True)
    waiting_reason = models.CharField(
        max_length=500, blank=True, help_text="Who or what it waits on"
    )

    priority = models.IntegerField(default=0, help_text="Higher is more urgent")
    priority_reason = models.CharField(max_length=300, blank=True)

    due_at = models.DateTimeField(null=True, blank=True)
    deadline_rule = models.CharField(max_length=80, blank=True)
    deadline_inputs = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="Set by sweeps and integrations so the same work is never created twice",
    )

    class Meta:
        ordering = ["-priority", "due_at", "pk"]
        indexes = [
            # "get next": the most urgent unallocated open task in the user's queues
            models.Index(
                fields=["queue", "-priority", "due_at", "id"],
                name="task_get_next",
                condition=Q(status="open", assignee__isnull=True),
            ),
            # the queue page's default order, over active work only (a LIMIT-50 index scan)
            models.Index(
                fields=["queue", "-priority", "due_at", "id"],
                name="task_queue_active_priority",
                condition=Q(status__in=["open", "in_progress", "waiting"]),
            ),
            # a person's work by state, and the workload counts the allocation list shows (active
            # and overdue per member) answered from the index alone, without reading the tasks
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_status_due"),
            models.Index(fields=["queue", "status", "due_at"]),
            # the task types present in a queue, skipped through one type at a time
            # (``selectors.queue_task_types``)
            models.Index(fields=["queue", "task_type"], name="task_queue_type"),
            models.Index(fields=["person", "status"]),
            # the open work of one type across queues (a module's counts)
            models.Index(fields=["task_type"], name="task_type"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="in_progress") | Q(assignee__isnull=False),
                name="task_in_progress_has_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["done", "cancelled"]) | Q(completed_at__isnull=False),
                name="task_closed_has_completed_at",
            ),
        ]
        permissions = [("take_tasks", "Can take work with get next")]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class SavedFilter(models.Model):
    """A user's saved queue filter: the filter lives in the query string, so we save that."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="saved_filters")
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    query_string = models.CharField(max_length=1000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class Competence(models.Model):
    """A person's signed-off competence for a kind of work (issue 20 item 2; 002 rec 2a-b).

    A task type may declare the competence it needs (``work.registry.require_competence``); get
    next and allocation never give that task to someone without a *valid* record of it: not
    withdrawn and not yet expired (``expires_on`` is the first day it no longer counts). Signed off
    by an ``assessor`` who is never the ``holder`` (the constraint below backs the service's check).
    Renewal adds a new record; old ones stay as the history."""

    holder = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="competences")
    competence_key = models.CharField(max_length=60, help_text="Key in the competence registry")
    assessor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField()
    expires_on = models.DateField(help_text="The first day the competence no longer counts")
    refresher_due_on = models.DateField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["holder_id", "competence_key", "-signed_off_at"]
        indexes = [
            # get next's EXISTS: one index probe per (holder, competence) per press
            models.Index(
                fields=["holder", "competence_key", "expires_on"],
                name="competence_valid",
                condition=Q(withdrawn_at__isnull=True),
            ),
            models.Index(fields=["expires_on"], name="competence_expires"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(holder=models.F("assessor")), name="competence_not_self_signed"
            )
        ]
        permissions = [
            ("sign_off_competence", "Can sign off (and withdraw) a colleague's competence"),
            ("view_competences", "Can see who holds which competence"),
        ]

    def __str__(self) -> str:
        return f"{self.competence_key} ({self.holder_id})"
