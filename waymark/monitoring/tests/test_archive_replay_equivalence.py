"""``breach_archive_replay`` gives exactly what the supplier's API gives for the same rows sent one
by one (issue 15): the same breaches, tasks, timeline events, ladder actions, accumulated
violations and audit entries. Two people are set up identically; one's rows go through the
replay, the other's through the signed API, event by event; then their outcomes are compared."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q
from django.test import Client

from waymark.core.models import AuditEvent
from waymark.monitoring import services
from waymark.monitoring.models import AccumulatedViolation, Breach, LadderAction
from waymark.monitoring.tests.conftest import NOW, em_person, fitted_make
from waymark.monitoring.tests.test_supplier_events import send, supplier_client
from waymark.people.models import TimelineEvent
from waymark.work.models import Task

pytestmark = pytest.mark.django_db

# Four battery breaches in a week (the battery rule raises an accumulated violation), a curfew
# breach (actionable: the first breach's phone call), another a day earlier, and one still open.
ROWS = [
    *(("battery", timedelta(days=6 - i), timedelta(hours=3)) for i in range(4)),
    ("full_curfew", timedelta(days=1, hours=3), timedelta(hours=1)),
    ("full_curfew", timedelta(hours=3), timedelta(hours=1)),
    ("strap_tamper", timedelta(hours=1), None),
]


def _rows(person, prefix: str) -> list[dict]:
    rows = []
    for number, (kind, ago, length) in enumerate(ROWS):
        started = NOW - ago
        rows.append(
            {
                "event_id": f"{prefix}-{number}",
                "person_reference": person.reference,
                "breach_type": kind,
                "started_at": started,
                "ended_at": started + length if length is not None else None,
                "details": "",
            }
        )
    return rows


def _outcome(person, since: int, timeline_since: int) -> dict:
    """What ingestion left for ``person``, with ids and the person's reference taken out."""

    def plain(value):
        return str(value).replace(person.reference, "REF") if value is not None else None

    breaches = list(
        Breach.objects.filter(person=person)
        .order_by("started_at", "pk")
        .values_list(
            "breach_type",
            "started_at",
            "ended_at",
            "disposition",
            "accumulated__total_seconds",
            "priority",
            "priority_reason",
            "ladder_step",
            "task__task_type",
        )
    )
    tasks = Task.objects.filter(person=person).order_by("pk")
    task_rows = [
        (
            t.task_type,
            t.queue.slug,
            plain(t.title),
            t.status,
            t.due_at,
            t.priority,
            t.subject_type,
            t.assignee_id,
        )
        for t in tasks
    ]
    timeline = list(
        TimelineEvent.objects.filter(person=person, pk__gt=timeline_since)
        .order_by("occurred_at", "pk")
        .values_list("module", "event_type", "summary", "occurred_at")
    )
    ladder = list(
        LadderAction.objects.filter(person=person)
        .order_by("pk")
        .values_list("step", "step_key", "breach__started_at")
    )
    violations = list(
        AccumulatedViolation.objects.filter(person=person)
        .order_by("pk")
        .values_list("window_start", "window_end", "total_seconds")
    )
    task_ids = [str(pk) for pk in tasks.values_list("pk", flat=True)]
    # The same entries; the set-based replay appends its event entries in one batch, so their
    # order among the tasks' entries differs from one by one (an order inside one transaction).
    audit = sorted(
        AuditEvent.objects.filter(sequence__gt=since)
        .filter(Q(person_id=person.pk) | Q(target_type="work.task", target_id__in=task_ids))
        .values_list("verb", "action", "target_type")
    )
    return {
        "breaches": breaches,
        "tasks": task_rows,
        "timeline": [(m, e, plain(s), o) for m, e, s, o in timeline],
        "ladder": ladder,
        "violations": violations,
        "audit": audit,
    }


def test_the_archive_replay_and_one_by_one_ingestion_give_the_same_outcome(frozen, caseworker, hub):
    replayed = em_person(hub)
    one_by_one = em_person(hub)
    for person in (replayed, one_by_one):
        fitted_make(caseworker, person)
    supplier_client(hub)
    since = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    timeline_since = TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    result = services.breach_archive_replay(rows=_rows(replayed, "arch"))
    assert result["stored"] == len(ROWS) and result["rejected"] == 0

    client = Client()
    for row in _rows(one_by_one, "live"):
        data = {
            key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in row.items()
            if key != "event_id"
        }
        answer = send(client, {"type": "breach.created", "data": data}, event_id=row["event_id"])
        assert answer.status_code == 201, answer.content

    expected = _outcome(one_by_one, since, timeline_since)
    got = _outcome(replayed, since, timeline_since)
    # The comparison means something: ingestion made work, timeline entries and audit entries.
    assert expected["breaches"] and expected["tasks"] and expected["timeline"]
    assert expected["violations"] and expected["audit"]
    for part in expected:
        assert got[part] == expected[part], part
