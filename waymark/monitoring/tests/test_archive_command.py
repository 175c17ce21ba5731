"""``em_archive_replay``: a supplier's archive of breach notifications, as a file, replayed with the
same outcome as the API (000 §5.13: breach reports "archived unprocessed"). The archives here are
shaped as a supplier or the old hub would keep them, not as Waymark writes them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from waymark.core.models import AuditEvent
from waymark.monitoring import rules
from waymark.monitoring.archive_file import ArchiveRefused, archive_read
from waymark.monitoring.models import Breach, SupplierEvent
from waymark.monitoring.tests.conftest import NOW, em_person

pytestmark = pytest.mark.django_db


def _run(tmp_path, content: bytes, *args: str, name: str = "archive.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    call_command("em_archive_replay", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _when(delta: timedelta) -> str:
    return (NOW - delta).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_csv_archive_is_replayed_and_its_refused_rows_named(frozen, hub, manager, tmp_path):
    person = em_person(hub)
    # A semicolon-separated export with the old hub's own column names, labels for types, UK times.
    uk_time = (NOW - timedelta(days=2)).astimezone(rules_london()).strftime("%d/%m/%Y %H:%M")
    content = (
        "\ufeffID;Reference;Type;Start;End;Notes\n"
        f"A1;{person.reference};Full curfew missed;{uk_time};;from the archive\n"
        f"A2;{person.reference};strap_tamper;{_when(timedelta(days=1))};;\n"
        f"A3;WM-0000000;strap_tamper;{_when(timedelta(days=1))};;\n"
        f"A4;{person.reference};loitering;{_when(timedelta(days=1))};;\n"
        f"A5;{person.reference};strap_tamper;yesterday;;\n"
        f"A1;{person.reference};Full curfew missed;{uk_time};;a repeat\n"
        f"=HYPERLINK(1);WM-0000000;battery;{_when(timedelta(days=1))};;\n"
    ).encode()
    report = tmp_path / "refused.csv"
    out, err = _run(tmp_path, content, "--user", manager.username, "--report", str(report))
    assert "7 rows: 2 stored, 1 skipped (already stored), 4 refused; 2 work items raised" in out
    assert Breach.objects.filter(person=person).count() == 2
    curfew = Breach.objects.get(breach_type="full_curfew")
    assert curfew.started_at == NOW - timedelta(days=2) and curfew.details == "from the archive"
    assert "line 4 (A3): person_reference: No person with the reference 'WM-0000000'" in err
    assert "line 5 (A4): breach_type: Unknown breach type 'loitering'" in err
    assert "line 6 (A5): started_at: started_at 'yesterday' is not a date and time" in err
    with report.open(encoding="utf-8-sig") as handle:  # Excel's mark, so it opens as UTF-8
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["event_id"], r["field"]) for r in rows] == [
        ("4", "A3", "person_reference"),
        ("5", "A4", "breach_type"),
        ("6", "A5", "started_at"),
        ("8", "'=HYPERLINK(1)", "person_reference"),  # not a formula when opened
    ]
    replayed = AuditEvent.objects.get(verb="em.archive_replayed")
    assert replayed.actor_id == manager.pk

    out, _ = _run(tmp_path, content, "--user", manager.username)  # run again: nothing twice
    assert "0 stored, 3 skipped" in out and Breach.objects.count() == 2


def test_the_suppliers_own_webhook_bodies_as_json_lines(frozen, hub, manager, tmp_path):
    person = em_person(hub)
    lines = [
        {
            "id": "W1",
            "type": "breach.created",
            "data": {
                "person_reference": person.reference,
                "breach_type": "battery",
                "started_at": _when(timedelta(hours=30)),
                "ended_at": _when(timedelta(hours=26)),
            },
        },
        {"id": "W2", "type": "fitting.outcome", "data": {"order_reference": "EM-1"}},
        "not an object",
    ]
    content = "\n".join(json.dumps(line) for line in lines).encode() + b"\n{broken\n"
    out, err = _run(tmp_path, content, "--user", manager.username, name="archive.jsonl")
    assert "4 rows: 1 stored, 0 skipped (already stored), 3 refused" in out
    assert "line 2 (W2): type: Only breach.created events are replayed" in err
    assert "line 3 (no event id): Each entry must be an object" in err
    assert "line 4 (no event id): the line is not JSON" in err
    assert SupplierEvent.objects.get(event_id="W1").client_label == "archive"


def test_a_dry_run_stores_nothing(frozen, hub, manager, tmp_path):
    person = em_person(hub)
    content = json.dumps(
        [
            {
                "event_id": "D1",
                "person_reference": person.reference,
                "breach_type": "strap_tamper",
                "started_at": _when(timedelta(hours=5)),
            }
        ]
    ).encode()
    out, _ = _run(tmp_path, content, "--user", manager.username, "--dry-run", name="a.json")
    assert out.startswith("rows 1 to 1: 1 stored")
    assert "Dry run, nothing stored: 1 rows: 1 stored" in out
    assert not Breach.objects.exists() and not SupplierEvent.objects.exists()


def test_who_may_run_it_and_files_that_cannot_be_read(frozen, hub, caseworker, manager, tmp_path):
    with pytest.raises(CommandError, match="may not manage the supplier integration"):
        _run(tmp_path, b"event_id\n", "--user", caseworker.username)
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        _run(tmp_path, b"event_id\n", "--user", "nobody")
    with pytest.raises(
        CommandError, match="does not name person_reference, breach_type, started_at"
    ):
        _run(tmp_path, b"event_id,when\nA1,2026\n", "--user", manager.username)
    with pytest.raises(CommandError, match="The file is empty"):
        _run(tmp_path, b"\xef\xbb\xbf\n", "--user", manager.username)
    with pytest.raises(ArchiveRefused, match="JSON could not be read"):
        archive_read(b"[{]")
    assert not Breach.objects.exists()


def test_the_archive_is_applied_a_chunk_at_a_time(frozen, hub, manager, tmp_path, monkeypatch):
    """Each chunk commits on its own, so a run that stops is resumed by running it again."""
    monkeypatch.setattr(rules, "ARCHIVE_REPLAY_CHUNK_ROWS", 2)
    person = em_person(hub)
    rows = "".join(
        f"C{n},{person.reference},absence_15_minute,{_when(timedelta(hours=10 + n))},\n"
        for n in range(5)
    )
    out, _ = _run(
        tmp_path,
        ("event_id,person_reference,breach_type,started_at,ended_at\n" + rows).encode(),
        "--user",
        manager.username,
    )
    assert [line.split(":")[0] for line in out.splitlines()[:3]] == [
        "rows 2 to 3",
        "rows 4 to 5",
        "rows 6 to 6",
    ]
    assert Breach.objects.count() == 5
    assert AuditEvent.objects.filter(verb="em.archive_replayed").count() == 3


def test_the_chunk_size_is_5000_rows_and_details_2000_characters():
    assert rules.ARCHIVE_REPLAY_CHUNK_ROWS == 5_000
    assert rules.BREACH_DETAILS_MAX_LENGTH == 2000


def rules_london():
    from waymark.core.clock import LONDON

    return LONDON


def test_times_without_a_zone_are_uk_time():
    (entry,) = archive_read(
        b"event_id,person_reference,breach_type,started_at\nX,WM-1,battery,01/07/2026 14:05\n"
    )
    assert entry.row["started_at"] == datetime(2026, 7, 1, 13, 5, tzinfo=UTC)


def test_the_one_by_one_path_gives_the_same_reasons(frozen, hub):
    """The replay falls back to one by one when another route stores an event id meanwhile: the
    refused rows' reasons are the set-based path's."""
    from waymark.monitoring.services.archive import (
        breach_archive_replay,
        breach_archive_replay_one_by_one,
    )

    person = em_person(hub)
    rows = [
        {
            "event_id": "O1",
            "person_reference": "WM-0000000",
            "breach_type": "battery",
            "started_at": NOW - timedelta(hours=2),
            "ended_at": None,
        },
        {
            "event_id": "O2",
            "person_reference": person.reference,
            "breach_type": "loitering",
            "started_at": NOW - timedelta(hours=2),
            "ended_at": None,
        },
    ]
    one_by_one, set_based = {}, {}
    breach_archive_replay_one_by_one(rows=rows, refusals=one_by_one)
    breach_archive_replay(rows=rows, refusals=set_based)
    assert one_by_one == set_based and set(one_by_one) == {0, 1}
