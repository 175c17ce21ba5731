"""The platform contract for modules: a team's queue of a kind (``queue_for``) and closing the
work about a subject (``tasks_close_for``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.work.models import Queue, Task
from waymark.work.services.lifecycle import task_complete


def queue_for(*, team, kind: str, name: str = "", slug: str = "") -> Queue:
    """The team's queue of this kind (slug ``<team slug>-<kind>`` unless ``slug`` names another),
    created the first time the team needs it. Modules never create queues themselves."""
    if team is None:
        raise ValidationError(f"A {kind} queue needs a team")
    slug = (slug or f"{team.slug}-{kind}")[:80]
    queue = Queue.objects.select_related("team").filter(slug=slug).first()
    if queue is not None:
        return queue
    label = name or f"{team.name}: {kind.replace('-', ' ').capitalize()}"
    with transaction.atomic():
        queue, created = Queue.objects.get_or_create(
            slug=slug, defaults={"name": label[:200], "team": team}
        )
        if created:
            audit_record(
                actor=None,
                action=AuditAction.COLLECTION,
                verb="queue.created",
                target=queue,
                payload={"new": {"slug": queue.slug, "name": queue.name, "team": team.slug}},
            )
    return queue


def tasks_close_for(
    *,
    actor,
    subject=None,
    task_types=None,
    dedupe_prefix: str | None = None,
    dedupe_scope: str | None = None,
    outcome: str,
    note: str = "",
) -> list[Task]:
    """Complete every active task about ``subject`` (or whose dedupe key starts with
    ``dedupe_prefix``, or that ``dedupe_scope`` names: see ``tasks_for``), of ``task_types`` when
    given, each through ``task_complete`` (audited, with its timeline entry). Returns the tasks
    closed."""
    from waymark.work.selectors import tasks_for

    closed = []
    tasks = tasks_for(
        subject=subject,
        task_types=task_types,
        dedupe_prefix=dedupe_prefix,
        dedupe_scope=dedupe_scope,
    )
    for task in tasks:
        closed.append(task_complete(actor=actor, task=task, outcome=outcome, note=note))
    return closed
