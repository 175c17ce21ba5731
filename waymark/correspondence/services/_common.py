"""Helpers shared by the correspondence services: the reply and match-needed tasks (through
``work.services.task_create``) and the person's timeline entry."""

from __future__ import annotations

from waymark.core.types import Actor
from waymark.correspondence import rules
from waymark.correspondence.models import CorrespondenceItem


def _task_title(item: CorrespondenceItem, *, match_needed: bool = False) -> str:
    what = (
        "Match correspondence to a person"
        if match_needed
        else f"Reply: {item.get_category_display()}"
    )
    return f"{what}: {item.subject or '(no subject)'}"[:300]


def _task_create(
    *, actor: Actor, item: CorrespondenceItem, task_type: str, person=None, title: str
):
    from waymark.work.services import task_create

    return task_create(
        actor=actor,
        task_type=task_type,
        title=title,
        person=person,
        subject=item,
        description=f"From {item.sender_shown}, received {item.received_at:%d/%m/%Y %H:%M}",
        start=item.received_at,
    )


def _reply_task_create(*, actor: Actor, item: CorrespondenceItem) -> None:
    task = _task_create(
        actor=actor,
        item=item,
        task_type=rules.TASK_TYPE_FOR_CATEGORY[item.category],
        person=item.person,
        title=_task_title(item),
    )
    item.task_id = task.pk
    item.save(update_fields=["task_id"])


def _timeline_received(*, actor: Actor, item: CorrespondenceItem) -> None:
    from waymark.people.services import timeline_event_record

    person = item.person
    if person is None:  # pragma: no cover - called once the item has its person
        return
    timeline_event_record(
        person=person,
        module="correspondence",
        event_type="correspondence.received",
        summary=f"{item.get_category_display()} received from {item.sender_shown}: {item.subject or '(no subject)'}",
        occurred_at=item.received_at,
        actor=actor,
        related=item,
        detail={
            "item_id": item.pk,
            "channel": item.channel,
            "category": item.category,
            "match_method": item.match_method,
        },
    )
