"""The offline batch in one transaction with a savepoint per entry (issue 17 item 3): a refused
entry, even one refused after its row was written, is rolled back alone; the answer names what was
stored and what was refused, and why; a resend stores nothing twice. And the statements one entry
costs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.models import AuditEvent
from waymark.operations import models as m
from waymark.operations import services
from waymark.operations.services import field_entries
from waymark.operations.tests.conftest import NOW
from waymark.operations.tests.test_field_api import BATCH, api, body

pytestmark = pytest.mark.django_db


def _batch(visit):
    at = [(NOW - timedelta(minutes=10 - i)).isoformat() for i in range(10)]
    return [
        body(visit, "note", {"text": "Front door"}, recorded_at=at[0]),
        body(
            visit,
            "seizure",
            {
                "searched": "Office",
                "search_power": "s25B",
                "item_description": "Passport",
                "exhibit_number": "X1",
                "sealed_bag_number": "B1",
            },
            recorded_at=at[1],
        ),
        body(  # the same exhibit number again: refused by the rules (422)
            visit,
            "seizure",
            {
                "searched": "Office",
                "search_power": "s25B",
                "item_description": "Payslips",
                "exhibit_number": "X1",
                "sealed_bag_number": "B2",
            },
            recorded_at=at[2],
        ),
        body(visit, "engagement", {"advice_given": "Right to work checks"}, recorded_at=at[3]),
        body(visit, "departure", {}, recorded_at=at[4]),  # not arrived: refused (422)
        body(visit, "note", {"text": "Back door"}, recorded_at=at[5]),
    ]


def test_a_bad_entry_in_the_middle_loses_nothing_else_and_is_named(
    frozen, visit_deployed, field_officer
):
    entries = _batch(visit_deployed)
    response = api(field_officer).post(BATCH, {"entries": entries}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["client_uuid"], r["status"]) for r in results] == [
        (e["client_uuid"], s) for e, s in zip(entries, [201, 201, 422, 201, 422, 201], strict=True)
    ]
    assert results[2]["problem"]["errors"] == [
        {"field": "exhibit_number", "detail": "Exhibit X1 is already recorded on this visit"}
    ]
    assert results[4]["problem"]["errors"][0]["field"] == "entry_type"
    assert "before you have arrived" in results[4]["problem"]["errors"][0]["detail"]
    stored = set(
        m.FieldEntry.objects.filter(visit=visit_deployed).values_list("client_uuid", flat=True)
    )
    assert {str(u) for u in stored} == {entries[i]["client_uuid"] for i in (0, 1, 3, 5)}
    assert m.Seizure.objects.filter(visit=visit_deployed).count() == 1
    assert m.Engagement.objects.filter(visit=visit_deployed).count() == 1
    assert AuditEvent.objects.filter(verb__startswith="operations.entry.").count() == 4


def test_resending_the_batch_stores_nothing_twice(frozen, visit_deployed, field_officer):
    client, entries = api(field_officer), _batch(visit_deployed)
    client.post(BATCH, {"entries": entries}, format="json")
    audited = AuditEvent.objects.count()
    again = client.post(BATCH, {"entries": entries}, format="json")
    assert [r["status"] for r in again.json()["results"]] == [200, 200, 422, 200, 422, 200]
    assert m.FieldEntry.objects.filter(visit=visit_deployed).count() == 4
    assert m.Seizure.objects.count() == 1 and m.Engagement.objects.count() == 1
    assert AuditEvent.objects.filter(verb__startswith="operations.entry.").count() == 4
    assert AuditEvent.objects.count() == audited  # a replay writes nothing


def test_an_entry_refused_after_its_row_was_written_is_rolled_back_alone(
    frozen, visit_deployed, field_officer, monkeypatch
):
    """A typed writer that fails after the entry row exists: that entry's savepoint is rolled
    back (no entry, no typed row, no audit), and the entries either side are stored."""
    engagement = field_entries.ENTRY_HANDLERS["engagement"]

    def failing(**kwargs):
        summary, write = engagement(**kwargs)

        def write_then_fail(entry):
            write(entry)
            raise ValidationError({"advice_given": "Refused after writing"})

        return summary, write_then_fail

    monkeypatch.setitem(field_entries.ENTRY_HANDLERS, "engagement", failing)
    entries = _batch(visit_deployed)
    results = api(field_officer).post(BATCH, {"entries": entries}, format="json").json()["results"]
    assert [r["status"] for r in results] == [201, 201, 422, 422, 422, 201]
    assert results[3]["problem"]["errors"] == [
        {"field": "advice_given", "detail": "Refused after writing"}
    ]
    assert not m.FieldEntry.objects.filter(client_uuid=entries[3]["client_uuid"]).exists()
    assert not m.Engagement.objects.exists()
    assert m.FieldEntry.objects.filter(visit=visit_deployed).count() == 3


def test_a_new_entry_costs_five_statements_and_a_replay_two(frozen, visit_deployed, field_officer):
    """The assignment (locked, with the visit and premises), the replay check, the entry, the
    officer's last place (one conditional UPDATE), the audit entry; savepoints not counted."""
    sent = body(visit_deployed)
    values = {
        "actor": field_officer,
        "visit": visit_deployed,
        "entry_type": "note",
        "client_uuid": sent["client_uuid"],
        "recorded_at": NOW - timedelta(minutes=1),
        "latitude": 51.5,
        "longitude": -0.07,
        "data": {"text": "Rear door locked"},
    }

    def statements(queries) -> list[str]:
        return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"].upper()]

    field_officer.has_perm("operations.record_field_entries")  # the request's permission cache

    with CaptureQueriesContext(connection) as first:
        entry, created = services.field_entry_record(**values)
    with CaptureQueriesContext(connection) as replay:
        again, created_again = services.field_entry_record(**values)
    assert created and not created_again and again.pk == entry.pk
    assert len(statements(first.captured_queries)) == 5, statements(first.captured_queries)
    assert len(statements(replay.captured_queries)) == 2
    officer = m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer)
    assert (officer.last_latitude, officer.last_longitude) == (51.5, -0.07)


def test_an_earlier_entry_sent_late_does_not_move_the_officer(
    frozen, visit_deployed, field_officer
):
    common = {"actor": field_officer, "visit": visit_deployed, "entry_type": "note"}
    services.field_entry_record(
        **common,
        client_uuid=body(visit_deployed)["client_uuid"],
        recorded_at=NOW - timedelta(minutes=1),
        latitude=51.5,
        longitude=-0.07,
        data={"text": "Later"},
    )
    services.field_entry_record(
        **common,
        client_uuid=body(visit_deployed)["client_uuid"],
        recorded_at=NOW - timedelta(minutes=5),
        latitude=52.0,
        longitude=-1.0,
        data={"text": "Earlier, sent late"},
    )
    officer = m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer)
    assert (officer.last_latitude, officer.last_longitude) == (51.5, -0.07)


def _notes(visit, count: int) -> list[dict]:
    return [
        {
            "visit": visit,
            "entry_type": "note",
            "client_uuid": body(visit)["client_uuid"],
            "recorded_at": NOW - timedelta(minutes=20) + timedelta(seconds=20 * i),
            "latitude": 51.5 + i / 100,
            "longitude": -0.07,
            "data": {"text": f"Note {i}"},
        }
        for i in range(count)
    ]


def test_a_run_of_notes_costs_five_statements_a_batch_whatever_its_length(
    frozen, visit_deployed, field_officer
):
    """The assignment lock, the stored-id lookup, the notes in one INSERT (in one savepoint), the
    officer's last place and the audit entries: the same five statements for 8 notes as for 16
    (below ``BULK_INSERT_COPY_FROM``: the audit entries of 20 or more go by COPY, not captured here)."""
    from waymark.operations.services.field_entries import field_entries_record

    field_officer.has_perm("operations.record_field_entries")  # the request's permission cache
    counted = []
    for count in (8, 16):
        entries = _notes(visit_deployed, count)
        with CaptureQueriesContext(connection) as queries:
            results = field_entries_record(actor=field_officer, entries=entries)
        assert [created for _, created in results] == [True] * count
        assert [entry.client_uuid for entry, _ in results] == [
            uuid.UUID(str(e["client_uuid"])) for e in entries
        ]
        assert all(entry.pk for entry, _ in results)
        sql = [q["sql"] for q in queries.captured_queries]
        counted.append(
            (
                len([s for s in sql if "SAVEPOINT" not in s]),
                len([s for s in sql if s.startswith("SAVEPOINT")]),
            )
        )
    # Two savepoints: the batch's own (a savepoint under the test's transaction) and the run's.
    assert counted == [(5, 2), (5, 2)], counted
    assert AuditEvent.objects.filter(verb="operations.entry.note").count() == 24
    officer = m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer)
    assert officer.last_latitude == 51.65  # the newest entry's place (the 16's last)
    audited = [
        int(target)
        for target in AuditEvent.objects.filter(verb="operations.entry.note")
        .order_by("sequence")
        .values_list("target_id", flat=True)
    ]
    assert audited == sorted(audited)  # in the order the phone wrote them


def test_a_run_the_database_refuses_is_written_again_one_savepoint_each(
    frozen, visit_deployed, field_officer, monkeypatch
):
    """Another send stores a different entry under one of the run's ids after the batch looked
    its ids up: the run's INSERT fails, each entry is written again in its own savepoint, only
    that one is refused (as a single send would refuse it) and the rest are stored and audited."""
    entries = _notes(visit_deployed, 6)
    prepared = field_entries._entry_prepared
    clash = entries[3]["client_uuid"]

    def racing(**values):
        outcome = prepared(**values)
        if values["client_uuid"] == clash:
            m.FieldEntry.objects.create(
                visit=visit_deployed,
                officer=field_officer,
                entry_type="note",
                client_uuid=clash,
                recorded_at=NOW - timedelta(hours=1),
                received_at=NOW,
                summary="Note: another entry",
                payload={"text": "Another entry"},
            )
        return outcome

    monkeypatch.setattr(field_entries, "_entry_prepared", racing)
    results = field_entries.field_entries_record(actor=field_officer, entries=entries)
    assert [isinstance(r, tuple) and r[1] for r in results] == [True] * 3 + [False] + [True] * 2
    assert isinstance(results[3], ValidationError)
    assert "different entry" in str(results[3])
    assert m.FieldEntry.objects.filter(visit=visit_deployed).count() == 6  # 5 + the other one
    assert AuditEvent.objects.filter(verb="operations.entry.note").count() == 5


def test_the_same_note_twice_in_one_batch_is_stored_once(frozen, visit_deployed, field_officer):
    entries = _notes(visit_deployed, 3)
    entries.insert(2, dict(entries[0]))
    results = field_entries.field_entries_record(actor=field_officer, entries=entries)
    assert [created for _, created in results] == [True, True, False, True]
    assert results[2][0].pk == results[0][0].pk
    assert m.FieldEntry.objects.filter(visit=visit_deployed).count() == 3


def test_types_written_together_check_nothing_in_the_database_and_write_no_typed_row(
    frozen, visit_deployed, field_officer
):
    """A batch writes notes and searches without a savepoint each: their checks must read and
    write nothing and their writer must be ``no_typed_row``. Adding a type to the set that
    writes a typed row, or that reads in its checks, fails here."""
    from waymark.operations.services.field_writers import (
        ENTRY_HANDLERS,
        WITHOUT_TYPED_ROW,
        no_typed_row,
    )

    assert {"note", "search"} == WITHOUT_TYPED_ROW
    assignment = m.VisitOfficer.objects.select_related("visit__premises").get(
        visit=visit_deployed, officer=field_officer
    )
    data = {"note": {"text": "A note"}, "search": {"searched": "Office", "search_power": "s25B"}}
    for entry_type in WITHOUT_TYPED_ROW:
        with CaptureQueriesContext(connection) as queries:
            _, write = ENTRY_HANDLERS[entry_type](
                actor=field_officer,
                visit=assignment.visit,
                assignment=assignment,
                data=data[entry_type],
                recorded_at=NOW,
            )
        assert write is no_typed_row and not queries.captured_queries, entry_type
