"""The set-based archive replay against the one-by-one path it replaces (issue 17 item 3).

Two identical sets of people, with identical history (earlier breaches, a battery breach still
pending, an accepted explanation), receive the same archive: one set through
``breach_archive_replay`` (set-based: staged, rules in memory, bulk writes), the other through
``breach_archive_replay_one_by_one`` (each row as the supplier's API applies it). The archive holds
battery runs that raise accumulated violations, actionable breaches of every priority and ladder
step, a straight-to-prosecution tamper, first breaches after fitting, repeats, refused rows and an
event id stored before. Every outcome is compared with ids and references taken out. Runs on
SQLite and, with ``DATABASE_URL``, on PostgreSQL (where the rows' keys are resolved in one
statement and the rows written with ``COPY``)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from waymark.core import clock
from waymark.core.bulk_insert import bulk_insert_rows
from waymark.core.models import AuditEvent
from waymark.monitoring import services
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    LadderAction,
    SupplierEvent,
)
from waymark.monitoring.services import archive_replay
from waymark.monitoring.services.archive import breach_archive_replay_one_by_one
from waymark.monitoring.tests.conftest import NOW, em_person, fitted_make
from waymark.people.models import TimelineEvent
from waymark.work.models import Task

pytestmark = pytest.mark.django_db

BREACH_WORK = [
    "monitoring.breach",
    "monitoring.accumulated_battery",
    "monitoring.first_breach_contact",
]
H = timedelta(hours=1)
D = timedelta(days=1)

# (person index, event id suffix, breach type, started before NOW, length or None)
HISTORY = [
    (0, "h-curfew", "full_curfew", 8 * D, 2 * H),
    (0, "h-battery", "battery", 2 * D, 5 * H),  # pending: counts towards this archive's runs
    (1, "h-absence", "absence_15_minute", 9 * D, H),
]
ARCHIVE = [
    *((0, f"b{i}", "battery", (6 - i) * D, 4 * H) for i in range(5)),
    (0, "c1", "full_curfew", 3 * D, 2 * H),
    (0, "o1", "out_of_contact", 12 * D, 8 * D),  # 7 days or more out of contact: first priority
    (1, "c2", "partial_curfew", 7 * D, H),
    (1, "t1", "strap_tamper", 6 * D, None),  # straight to the last step, still open
    (1, "bb", "battery", 5 * D, None),  # open battery: pending, never counted yet
    *((1, f"p{i}", "battery", (4 - i * 0.3) * D, 6 * H) for i in range(4)),
    (2, "c3", "full_curfew", 2 * D, H),  # no condition fitted: no phone task
    (2, "c4", "absence_15_minute", D, H),
    (0, "c1", "full_curfew", 3 * D, 2 * H),  # a repeat inside the archive: skipped
    (0, "h-curfew", "full_curfew", 8 * D, 2 * H),  # stored before: skipped
    (0, "bad-type", "loitering", D, H),
    (0, "bad-end", "full_curfew", D, -H),
    (0, "bad-future", "full_curfew", -D, H),
    (None, "bad-person", "full_curfew", D, H),
    (0, "bad-type", "full_curfew", 10 * H, H),  # a refused id may be sent again, right
]


def _people(caseworker, hub, family: str) -> list:
    people = [em_person(hub, family_name=f"{family}{n}") for n in range(3)]
    fitted_make(caseworker, people[0], fitted_at=NOW - 10 * D)
    fitted_make(caseworker, people[1], phone="", fitted_at=NOW - 20 * D)
    return people


def _rows(spec, people, prefix: str) -> list[dict]:
    rows = []
    for index, suffix, kind, ago, length in spec:
        started = NOW - ago
        rows.append(
            {
                "event_id": f"{prefix}-{suffix}",
                "person_reference": people[index].reference if index is not None else "WM-0",
                "breach_type": kind,
                "started_at": started,
                "ended_at": started + length if length is not None else None,
                "details": f"row {suffix}",
            }
        )
    return rows


def _history(people, prefix: str, caseworker) -> None:
    breach_archive_replay_one_by_one(rows=_rows(HISTORY, people, prefix))
    accepted = Breach.objects.get(event__event_id=f"{prefix}-h-absence")
    mitigation = services.mitigation_record(
        actor=caseworker,
        breach=accepted,
        given_by="person",
        explanation="At hospital",
        received_on=NOW.date(),
    )
    services.mitigation_decide(
        actor=caseworker,
        mitigation=mitigation,
        decision="accepted",
        reasons="Hospital letter seen",
        communicated_on=NOW.date(),
        method="phone",
    )


def _outcome(people, prefix: str, since: int, timeline_since: int) -> dict:
    """What the archive left, in terms that do not depend on ids, references or names."""
    index = {p.pk: n for n, p in enumerate(people)}
    breaches = Breach.objects.filter(person__in=people)
    name = {b.pk: (index[b.person_id], b.started_at, b.breach_type) for b in breaches}
    violations = AccumulatedViolation.objects.filter(person__in=people)
    vname = {v.pk: (index[v.person_id], v.window_start, v.window_end) for v in violations}

    def subject(task: Task):
        if task.subject_type == "monitoring.breach":
            return ("breach", name[int(task.subject_id)])
        return ("violation", vname[int(task.subject_id)])

    def plain(text: str) -> str:
        for p in people:
            text = text.replace(p.full_name, "NAME").replace(p.reference, "REF")
        return text

    tasks = Task.objects.filter(person__in=people, task_type__in=BREACH_WORK)
    task_rows = Counter(
        (
            t.task_type,
            subject(t),
            t.queue.slug,
            plain(t.title),
            t.description,
            t.status,
            t.due_at,
            t.priority,
            t.priority_reason,
            t.dedupe_key is not None,
        )
        for t in tasks
    )
    timeline = Counter(
        (index[e.person_id], e.module, e.event_type, e.summary, e.occurred_at, str(e.detail))
        for e in TimelineEvent.objects.filter(person__in=people, pk__gt=timeline_since)
    )
    task_ids = {str(pk) for pk in tasks.values_list("pk", flat=True)}
    event_ids = {
        str(pk): e.removeprefix(prefix)
        for pk, e in SupplierEvent.objects.filter(event_id__startswith=prefix).values_list(
            "pk", "event_id"
        )
    }
    audit = Counter()
    for verb, action, target_type, target_id, person_id, payload in AuditEvent.objects.filter(
        sequence__gt=since
    ).values_list("verb", "action", "target_type", "target_id", "person_id", "payload"):
        if target_id in task_ids and target_type == "work.task":
            obj = subject(tasks.get(pk=target_id))
        elif target_type == "monitoring.supplierevent" and target_id in event_ids:
            obj = event_ids[target_id]
            payload = {"new": {"event_id": obj}}
        elif verb == "em.archive_replayed" and payload["new"]["client"] == prefix:
            obj = "archive"
        elif person_id in index:
            obj = target_type
        else:
            continue
        keep = {k: v for k, v in payload.get("new", {}).items() if k not in ("id", "due_at")}
        if target_type == "work.task":
            keep = {k: keep.get(k) for k in ("task_type", "priority", "queue", "deadline_rule")}
        audit[(verb, action, str(obj), index.get(person_id), str(keep))] += 1
    return {
        "breaches": Counter(
            (
                name[b.pk],
                b.ended_at,
                b.details,
                b.disposition,
                vname.get(b.accumulated_id),
                b.priority,
                b.priority_reason,
                b.ladder_step,
                b.task.task_type if b.task else None,
                b.condition_id is not None,
                b.event.event_id.removeprefix(prefix) if b.event else None,
                b.event.response_body.get("outcome") if b.event else None,
                b.event.response_body.get("record_id") == b.pk if b.event else None,
            )
            for b in breaches.select_related("task", "event")
        ),
        "violations": Counter((vname[v.pk], v.total_seconds, v.task.task_type) for v in violations),
        "tasks": task_rows,
        "timeline": timeline,
        "ladder": Counter(
            (index[a.person_id], a.step, a.step_key)
            for a in LadderAction.objects.filter(person__in=people)
        ),
        "audit": audit,
    }


def test_the_set_based_replay_gives_what_one_by_one_gives(frozen, caseworker, hub):
    bulk, single = _people(caseworker, hub, "Bulk"), _people(caseworker, hub, "Single")
    _history(bulk, "bulk", caseworker)
    _history(single, "single", caseworker)
    since = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    timeline_since = TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    got_result = services.breach_archive_replay(rows=_rows(ARCHIVE, bulk, "bulk"))
    expected_result = breach_archive_replay_one_by_one(rows=_rows(ARCHIVE, single, "single"))

    assert got_result == expected_result
    assert expected_result == {"stored": 17, "skipped": 2, "rejected": 4, "work_items": 11}
    expected = _outcome(single, "single", since, timeline_since)
    got = _outcome(bulk, "bulk", since, timeline_since)
    # The comparison means something: the archive made every kind of outcome.
    assert sum(expected["violations"].values()) == 4
    assert {row[0] for row in expected["tasks"]} == set(BREACH_WORK)
    assert {row[7] for row in expected["breaches"]} == {1, 2, 3, None}  # ladder steps
    assert expected["timeline"] and expected["audit"]
    for part in expected:
        assert got[part] == expected[part], part


def test_a_second_replay_of_the_same_archive_stores_nothing(frozen, caseworker, hub):
    people = _people(caseworker, hub, "Again")
    rows = _rows(ARCHIVE, people, "again")
    first = services.breach_archive_replay(rows=rows)
    breaches, tasks = Breach.objects.count(), Task.objects.count()
    again = services.breach_archive_replay(rows=rows)
    assert first["stored"] == 18
    assert again == {"stored": 0, "skipped": 20, "rejected": 3, "work_items": 0}
    assert (Breach.objects.count(), Task.objects.count()) == (breaches, tasks)


def test_a_reference_longer_than_any_is_refused_not_an_error(frozen, caseworker, hub):
    people = _people(caseworker, hub, "Long")
    rows = _rows(ARCHIVE[:1], people, "long")
    rows.append({**rows[0], "event_id": "long-x", "person_reference": "WM-" + "9" * 60})
    result = services.breach_archive_replay(rows=rows)
    assert result == {"stored": 1, "skipped": 0, "rejected": 1, "work_items": 0}


ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the plan is PostgreSQL's"
)


@ON_POSTGRES
def test_the_rows_keys_are_probed_in_their_unique_indexes_on_a_table_without_statistics():
    """Each batch asks which of its event ids are stored and whose references they name. Joined
    from a temporary table (no statistics), PostgreSQL read every event the client ever sent for
    each batch; the statement must probe the unique indexes, one entry a row, even on a table
    filled in this transaction (as a migration's load leaves it)."""
    now = clock.now()
    bulk_insert_rows(
        SupplierEvent,
        ("event_id", "event_type", "body_sha256", "payload", "received_at", "client_label"),
        [(f"old-{i}", "breach.created", "0" * 64, {}, now, "tagco") for i in range(5000)],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN " + archive_replay._RESOLVE_SQL,
            [[f"new-{i}" for i in range(100)], [f"WM-{i:07d}" for i in range(100)], "tagco"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using supplier_event_once_per_client" in plan, plan
    assert "Index Scan using person_reference_unique" in plan, plan
    assert "Seq Scan on monitoring_supplierevent" not in plan, plan
    assert "Heap Scan on monitoring_supplierevent" not in plan, plan
    assert "Hash" not in plan, plan
