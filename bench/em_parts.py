"""One EM benchmark part in its own Django process (called by bench/em.py)."""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from waymark.core import clock, context  # noqa: E402
from waymark.demo.generator import demo_load  # noqa: E402
from waymark.monitoring import rules  # noqa: E402
from waymark.monitoring.models import (  # noqa: E402
    Breach,
    Condition,
    ConditionStatus,
    SupplierClient,
    SupplierEvent,
)
from waymark.monitoring.signing import sign  # noqa: E402

ANCHOR = datetime.fromisoformat("2026-11-20T09:00:00+00:00")
SECRET = "whsec_" + base64.b64encode(b"bench-secret-bench-secret-012345").decode()
TYPES = [t for t in rules.BREACH_TYPE_LABELS if t != rules.BATTERY]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def mark(marker: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (value varchar(100))")
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker (value) VALUES (%s)", [marker])


def psycopg_url() -> str:
    return os.environ["DATABASE_URL"]


# ------------------------------------------------------------------------------------------------
# Ingest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _events(people: list[str], n: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(n):
        breach_type = rules.BATTERY if rng.random() < 0.697 else rng.choice(TYPES)
        start = ANCHOR - timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 20))
        hours = rng.uniform(1, 6) if breach_type == rules.BATTERY else rng.uniform(0.2, 3)
        rows.append(
            {
                "event_id": f"bench-{uuid.uuid4().hex}-{i}",
                "person_reference": rng.choice(people),
                "breach_type": breach_type,
                "started_at": start,
                "ended_at": start + timedelta(hours=hours),
            }
        )
    return rows


def _body(row: dict) -> bytes:
    return json.dumps(
        {
            "type": "breach.created",
            "data": {
                "person_reference": row["person_reference"],
                "breach_type": row["breach_type"],
                "started_at": row["started_at"].isoformat(),
                "ended_at": row["ended_at"].isoformat(),
            },
        }
    ).encode()


def part_ingest(args: dict) -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    quick = args.get("quick")
    with clock.frozen(ANCHOR), context.acting("command"):
        demo_load(
            scale=0.02 if quick else 0.1,
            anchor=ANCHOR,
            correspondence=False,
            progress=lambda m: print("  " + m, flush=True),
        )
    from waymark.monitoring.demo import _supplier_user

    SupplierClient.objects.update_or_create(
        client_id="bench",
        defaults={
            "label": "Bench supplier",
            "secret": SECRET,
            "machine_user": _supplier_user(),
            "created_at": clock.now(),
        },
    )
    people = list(
        Condition.objects.filter(status=ConditionStatus.ACTIVE).values_list(
            "person__reference", flat=True
        )
    )
    rng = random.Random(7)
    n = 300 if quick else 2000
    rows = _events(people, n, rng)
    replays = rng.sample(rows, k=n // 10)
    sends = [(r, False) for r in rows] + [(r, True) for r in replays]
    rng.shuffle(sends)
    port = _free_port()
    env = {
        **os.environ,
        "AXES_ENABLED": "false",
        "WAYMARK_ENV": "development",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",  # not a warning line for each of the floor's refused requests
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def client(chunk, signed=True, into=latencies, counted=statuses):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for row, _replay in chunk:
                body = _body(row)
                ts = int(time.time())
                headers = {
                    "Content-Type": "application/json",
                    "Waymark-Client-Id": "bench",
                    "webhook-id": row["event_id"],
                    "webhook-timestamp": str(ts),
                    "webhook-signature": sign(SECRET, row["event_id"], ts, body)
                    if signed
                    else "v1," + "A" * 43 + "=",
                    "Idempotency-Key": row["event_id"],
                }
                began = time.perf_counter()
                conn.request(
                    "POST", "/api/v1/monitoring/supplier/events/", body=body, headers=headers
                )
                response = conn.getresponse()
                response.read()
                took = time.perf_counter() - began
                with lock:
                    into.append(took)
                    counted[response.status] = counted.get(response.status, 0) + 1
            conn.close()

        def eight_clients(**kwargs) -> float:
            began = time.perf_counter()
            threads = [
                threading.Thread(target=client, args=(sends[i::8],), kwargs=kwargs)
                for i in range(8)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.perf_counter() - began

        http_seconds = eight_clients()
        # The floor of one event a request on this machine: the same requests refused at the
        # signature check (401, nothing read but the client, nothing written), through the same
        # server and clients. No endpoint taking one event a request can be faster than this.
        floor_latencies: list[float] = []
        floor_statuses: dict[int, int] = {}
        floor_seconds = eight_clients(signed=False, into=floor_latencies, counted=floor_statuses)
        # A backlog in batches (decision 0017, option 2): of 100 events, and of the most allowed.
        batch = {
            size: _batches_send(port, _events(people, max(5 * n, 40 * size), rng), lock, size)
            for size in (100, rules.SUPPLIER_BATCH_MAX)
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"  HTTP statuses: {statuses}; refused at the signature: {floor_statuses}", flush=True)
    stored = Breach.objects.filter(event__event_id__startswith="bench-").count()
    doubles = (
        stored - len({r["event_id"] for r in rows})
        if statuses.get(201, 0) == n
        else stored - statuses.get(201, 0)
    )

    # Baseline: the same rows, one INSERT each, 8 connections.
    import psycopg

    person_ids = dict(Condition.objects.values_list("person__reference", "person_id"))
    raw_latencies: list[float] = []

    def raw(chunk):
        with psycopg.connect(psycopg_url(), autocommit=True) as conn:
            for row, _replay in chunk:
                began = time.perf_counter()
                conn.execute(
                    "INSERT INTO monitoring_breach (person_id, breach_type, started_at, ended_at, received_at, details,"
                    " disposition, priority, priority_reason) VALUES (%s, %s, %s, %s, now(), '', 'raw', 0, '')",
                    [
                        person_ids[row["person_reference"]],
                        row["breach_type"],
                        row["started_at"],
                        row["ended_at"],
                    ],
                )
                took = time.perf_counter() - began
                with lock:
                    raw_latencies.append(took)

    raw_rows = [(r, False) for r in rows]
    began = time.perf_counter()
    threads = [threading.Thread(target=raw, args=(raw_rows[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raw_seconds = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM monitoring_breach WHERE disposition = 'raw'")

    return {
        "events": n,
        "replays": len(replays),
        "http_rate": len(sends) / http_seconds,
        "http_p95_ms": p95(latencies) * 1000,
        "raw_rate": len(raw_rows) / raw_seconds,
        "raw_p95_ms": p95(raw_latencies) * 1000,
        "doubles": doubles,
        "statuses": statuses,
        "floor_rate": len(sends) / floor_seconds,
        "floor_p95_ms": p95(floor_latencies) * 1000,
        "floor_statuses": floor_statuses,
        "batches": batch,
    }


def _batches_send(port: int, rows: list[dict], lock: threading.Lock, size: int) -> dict:
    """The same kind of events in batches of ``size`` through the batch endpoint, 8 clients;
    then a tenth of the batches sent again (every event a repeat: answered, stored nowhere)."""
    rows = [{**row, "event_id": f"batched-{size}-{row['event_id']}"} for row in rows]
    batches = [rows[i : i + size] for i in range(0, len(rows), size)]
    again = batches[: max(1, len(batches) // 10)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def client(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for number, batch in chunk:
            body = json.dumps(
                {"events": [{"id": row["event_id"], **json.loads(_body(row))} for row in batch]}
            ).encode()
            batch_id = f"bench-batch-{number}-{uuid.uuid4().hex}"
            ts = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "Waymark-Client-Id": "bench",
                "webhook-id": batch_id,
                "webhook-timestamp": str(ts),
                "webhook-signature": sign(SECRET, batch_id, ts, body),
                "Idempotency-Key": batch_id,
            }
            began = time.perf_counter()
            conn.request(
                "POST", "/api/v1/monitoring/supplier/events/batch/", body=body, headers=headers
            )
            response = conn.getresponse()
            answer = json.loads(response.read())
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                for result in answer.get("results", [{"status": response.status}]):
                    statuses[result["status"]] = statuses.get(result["status"], 0) + 1
        conn.close()

    def eight(items) -> float:
        began = time.perf_counter()
        threads = [threading.Thread(target=client, args=(items[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - began

    seconds = eight(list(enumerate(batches)))
    first = dict(statuses)
    statuses.clear()
    eight(list(enumerate(again)))
    print(f"  batches of {size}: {first}; sent again: {statuses}", flush=True)
    ids = [row["event_id"] for row in rows]
    stored = SupplierEvent.objects.filter(client_label="bench", event_id__in=ids).count()
    return {
        "batch_events": len(rows),
        "batch_size": size,
        "batch_rate": len(rows) / seconds,
        "batch_p95_ms": p95(latencies[: len(batches)]) * 1000,
        "batch_statuses": first,
        "batch_again_statuses": dict(statuses),
        "batch_doubles": Breach.objects.filter(event__event_id__in=ids).count() - stored,
    }


# ------------------------------------------------------------------------------------------------
# Archive replay


def part_archive(args: dict) -> dict:
    """The bulk archive replay (``services.breach_archive_replay``, batches of 5,000) against a raw
    ``COPY`` of the same rows into the breach table, on a fresh database with the ingest part's
    people."""
    import psycopg

    call_command("migrate", verbosity=0, interactive=False)
    quick = args.get("quick")
    with clock.frozen(ANCHOR), context.acting("command"):
        demo_load(
            scale=0.02 if quick else 0.1,
            anchor=ANCHOR,
            correspondence=False,
            progress=lambda m: print("  " + m, flush=True),
        )
    people = list(
        Condition.objects.filter(status=ConditionStatus.ACTIVE).values_list(
            "person__reference", flat=True
        )
    )
    person_ids = dict(Condition.objects.values_list("person__reference", "person_id"))
    mark("archive")
    from waymark.monitoring.services import breach_archive_replay

    bulk = _events(people, 2000 if quick else 20000, random.Random(11))
    began = time.perf_counter()
    stored = 0
    with clock.frozen(ANCHOR), context.acting("command"):
        for i in range(0, len(bulk), 5000):
            stored += breach_archive_replay(rows=bulk[i : i + 5000])["stored"]
    bulk_seconds = time.perf_counter() - began
    print(f"  replay: {stored:,} stored in {bulk_seconds:.2f} s", flush=True)
    buffer = io.StringIO()
    for row in bulk:
        buffer.write(
            f"{person_ids[row['person_reference']]}\t{row['breach_type']}\t{row['started_at'].isoformat()}\t"
            f"{row['ended_at'].isoformat()}\t{ANCHOR.isoformat()}\t\tcopy\t0\t\n"
        )
    with psycopg.connect(psycopg_url()) as conn:
        began = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY monitoring_breach (person_id, breach_type, started_at, ended_at, "
                "received_at, details, disposition,"
                " priority, priority_reason) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        conn.commit()
        copy_seconds = time.perf_counter() - began
        conn.execute("DELETE FROM monitoring_breach WHERE disposition = 'copy'")
        conn.commit()
    # For reference, the one-by-one path (what the replay did before issue 17) on other rows.
    from waymark.monitoring.services.archive import breach_archive_replay_one_by_one

    single = _events(people, 500 if quick else 2000, random.Random(13))
    began = time.perf_counter()
    with clock.frozen(ANCHOR), context.acting("command"):
        breach_archive_replay_one_by_one(rows=single, client_label="archive-one-by-one")
    single_seconds = time.perf_counter() - began
    print(
        f"  set-based {len(bulk) / bulk_seconds:,.0f}/s, one by one {len(single) / single_seconds:,.0f}/s, "
        f"COPY {len(bulk) / copy_seconds:,.0f}/s",
        flush=True,
    )
    return {
        "single_rate": len(single) / single_seconds,
        "bulk_rows": len(bulk),
        "bulk_stored": stored,
        "bulk_rate": len(bulk) / bulk_seconds,
        "copy_rate": len(bulk) / copy_seconds,
    }


# ------------------------------------------------------------------------------------------------
# Battery rule


def part_battery(args: dict) -> dict:
    import psycopg

    call_command("migrate", verbosity=0, interactive=False)
    quick = args.get("quick")
    devices = 500 if quick else 5000
    per_device = 200  # about a year of battery events per device at x100 of the seeds' rate
    if not args.get("loaded"):
        from waymark.people.models import Person

        now = ANCHOR
        Person.objects.bulk_create(
            [
                Person(
                    reference=f"WM-B{i:06d}",
                    given_names="Bench",
                    family_name=f"Device{i}",
                    created_at=now,
                    updated_at=now,
                )
                for i in range(devices)
            ],
            batch_size=5000,
        )
        ids = list(Person.objects.filter(reference__startswith="WM-B").values_list("pk", flat=True))
        rng = random.Random(5)
        buffer = io.StringIO()
        year = 365 * 24 * 3600
        for pk in ids:
            for _ in range(per_device):
                start = ANCHOR - timedelta(seconds=rng.randrange(year))
                end = start + timedelta(hours=rng.uniform(1, 6))
                buffer.write(
                    f"{pk}\tbattery\t{start.isoformat()}\t{end.isoformat()}\t{end.isoformat()}\t\t"
                    "battery_below\t0\t\n"
                )
        with psycopg.connect(psycopg_url()) as conn:
            with (
                conn.cursor() as cursor,
                cursor.copy(
                    "COPY monitoring_breach (person_id, breach_type, started_at, ended_at, received_at, details,"
                    " disposition, priority, priority_reason) FROM STDIN"
                ) as copy,
            ):
                copy.write(buffer.getvalue())
            conn.commit()
        mark(args["marker"])
    events = Breach.objects.filter(breach_type=rules.BATTERY).count()
    timings, sql_timings, violations, crossings = [], [], 0, 0
    for _ in range(3):
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT person_id, started_at, ended_at FROM monitoring_breach WHERE breach_type = 'battery'"
                " AND disposition = 'battery_below' AND ended_at IS NOT NULL ORDER BY person_id, started_at"
            )
            current, spans, violations = None, [], 0
            for person_id, start, end in cursor.fetchall():
                if person_id != current:
                    violations += len(rules.battery_violations(spans)) if spans else 0
                    current, spans = person_id, []
                spans.append((start, end))
            violations += len(rules.battery_violations(spans)) if spans else 0
        timings.append(time.perf_counter() - began)
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT SUM(EXTRACT(EPOCH FROM ended_at - started_at)) OVER ("
                "PARTITION BY person_id ORDER BY started_at RANGE BETWEEN INTERVAL '7 days' PRECEDING AND CURRENT ROW)"
                " AS seconds FROM monitoring_breach WHERE breach_type = 'battery') w WHERE seconds >= %s",
                [rules.battery_threshold().total_seconds()],
            )
            crossings = cursor.fetchone()[0]
        sql_timings.append(time.perf_counter() - began)
    print(
        f"  violations (rule, each breach counted once): {violations:,}; "
        f"rows at or over 12 hours (window query): {crossings:,}",
        flush=True,
    )
    return {
        "events": events,
        "devices": devices,
        "rule_seconds": statistics.median(timings),
        "sql_seconds": statistics.median(sql_timings),
        "violations": violations,
        "crossings": crossings,
    }


# ------------------------------------------------------------------------------------------------
# Management information


MI_TABLES = {
    "breach": "SELECT breach_type, started_at, received_at, disposition FROM monitoring_breach",
    "violation": "SELECT raised_at FROM monitoring_accumulatedviolation",
    "condition": "SELECT c.id, c.person_id, c.status, c.device_type, c.decided_at, c.ended_at, c.bail_grant_id,"
    " p.sex FROM monitoring_condition c JOIN people_person p ON p.id = c.person_id",
    "nationality": "SELECT person_id, country FROM people_personnationality",
    "review": "SELECT status, outcome, decided_at, due_on FROM monitoring_review",
    "challenge": "SELECT kind, outcome, received_on, is_complaint FROM monitoring_challenge",
    "trail": "SELECT requester_kind, outcome, requested_at, too_broad FROM monitoring_traildatarequest",
    "grant": "SELECT id, granted_by, granted_at FROM people_bailgrant",
}

DUCK_QUERIES = [
    "SELECT sex, count(DISTINCT person_id) FROM condition WHERE decided_at < $end AND "
    "(ended_at IS NULL OR ended_at >= $end) GROUP BY sex",
    "SELECT n.country, count(DISTINCT c.person_id) AS k FROM condition c JOIN nationality n USING (person_id)"
    " WHERE c.decided_at < $end AND (c.ended_at IS NULL OR c.ended_at >= $end) GROUP BY 1 ORDER BY k DESC LIMIT 10",
    "SELECT device_type, count(*) FROM condition WHERE status = 'active' GROUP BY 1",
    "SELECT breach_type, strftime(started_at, '%Y-%m') AS m, count(*) FROM breach WHERE received_at >= $start"
    " AND received_at < $end GROUP BY 1, 2",
    "SELECT count(*), count(*) FILTER (WHERE breach_type = 'battery'), count(*) FILTER (WHERE "
    "disposition = 'actionable')"
    " FROM breach WHERE received_at >= $start AND received_at < $end",
    "SELECT count(*) FROM violation WHERE raised_at >= $start AND raised_at < $end",
    "SELECT count(*) FILTER (WHERE status = 'completed' AND decided_at >= $start AND decided_at < $end),"
    " count(*) FILTER (WHERE status <> 'completed' AND due_on < CAST($end AS DATE)) FROM review",
    "SELECT kind, outcome, count(*) FROM challenge WHERE received_on >= CAST($start AS DATE)"
    " AND received_on < CAST($end AS DATE) GROUP BY 1, 2",
    "SELECT requester_kind, outcome, count(*) FROM trail WHERE requested_at >= $start AND "
    "requested_at < $end GROUP BY 1, 2",
    'SELECT g.granted_by, count(*), count(c.id) FROM "grant" g LEFT JOIN (SELECT DISTINCT bail_grant_id AS id'
    " FROM condition) c ON c.id = g.id WHERE g.granted_at >= $start AND g.granted_at < $end GROUP BY 1",
]


def part_mi(args: dict) -> dict:
    import duckdb
    import psycopg
    from django.test import Client

    from waymark.accounts.models import User
    from waymark.monitoring import selectors

    call_command("migrate", verbosity=0, interactive=False)
    scale = float(args["scale"])
    if not args.get("loaded"):
        with clock.frozen(ANCHOR), context.acting("command"):
            demo_load(
                scale=min(scale, 10),
                em_scale=scale,
                anchor=ANCHOR,
                correspondence=False,
                progress=lambda m: print("  " + m, flush=True),
            )
        mark(args["marker"])
    with clock.frozen(ANCHOR):
        period = selectors.period_default()
    analyst = User.objects.get(username="performance-analyst")
    client = Client()
    client.force_login(analyst)
    from django.urls import NoReverseMatch, reverse

    try:
        url = (
            reverse("monitoring:mi")
            + f"?start={period.start.isoformat()}&end={period.end.isoformat()}"
        )
    except NoReverseMatch:
        url = ""
    # The page reads the read model (issue 17 item 4): rebuild it first, timed on its own, then
    # time the page; the rows' age is checked on the page (its as-of time) and in wall-clock time.
    from waymark.core.read_models import read_model_refresh

    refresh_began = time.perf_counter()
    with clock.frozen(ANCHOR):
        state = read_model_refresh("monitoring.figures")
    refresh_seconds = time.perf_counter() - refresh_began
    assert state is not None
    page = []
    shown_as_of = ""
    with clock.frozen(ANCHOR):
        for _ in range(6 if args.get("quick") else 12):
            began = time.perf_counter()
            if url:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
            else:
                selectors.mi_figures_summary(period)
            page.append(time.perf_counter() - began)
        if url:
            text = response.content.decode()
            marker = 'data-as-of="'
            shown_as_of = text[text.index(marker) + len(marker) :].split('"', 1)[0]
    # The oldest rows any timed view showed: from the rebuild's start to the last view's end.
    rows_age_seconds = time.perf_counter() - refresh_began
    # What the live computation (the old page's reads) costs on the same rows, for the record.
    live = []
    with clock.frozen(ANCHOR):
        for _ in range(3):
            began = time.perf_counter()
            selectors.mi_figures(period)
            live.append(time.perf_counter() - began)
    # DuckDB over an export of the same rows (the export is not timed).
    duck = duckdb.connect()
    with psycopg.connect(psycopg_url()) as conn:
        for name, sql in MI_TABLES.items():
            buffer = io.BytesIO()
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
            ):
                for data in copy:
                    buffer.write(data)
            path = Path(f"/tmp/waymark-bench-{name}.csv")  # noqa: S108 - bench scratch file
            path.write_bytes(buffer.getvalue())
            types = {
                col: "TIMESTAMPTZ"
                for col in (
                    "started_at",
                    "received_at",
                    "raised_at",
                    "decided_at",
                    "ended_at",
                    "requested_at",
                    "granted_at",
                )
                if col in sql
            }
            types.update({col: "DATE" for col in ("due_on", "received_on") if col in sql})
            types.update({col: "VARCHAR" for col in ("outcome", "status", "sex") if col in sql})
            typed = f", types={types!r}" if types else ""
            duck.execute(
                f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM '  # noqa: S608 - bench's own files
                f"read_csv('{path}', header=true{typed})"
            )
    params = {"start": period.start_at.isoformat(), "end": period.end_at.isoformat()}
    duck_times = []
    for _ in range(6 if args.get("quick") else 12):
        began = time.perf_counter()
        for query in DUCK_QUERIES:
            sql = query.replace("$start", f"TIMESTAMPTZ '{params['start']}'").replace(
                "$end", f"TIMESTAMPTZ '{params['end']}'"
            )
            duck.execute(sql).fetchall()
        duck_times.append(time.perf_counter() - began)
    return {
        "scale": scale,
        "page_p95_ms": p95(page) * 1000,
        "duckdb_p95_ms": p95(duck_times) * 1000,
        "refresh_seconds": refresh_seconds,
        "refresh_rows": state.rows,
        "rows_age_seconds": rows_age_seconds,
        "as_of_shown": shown_as_of == state.as_of.isoformat(),
        "live_p95_ms": p95(live) * 1000,
        "breaches": Breach.objects.count(),
        "conditions": Condition.objects.count(),
        "page": bool(url),
    }


if __name__ == "__main__":
    part, raw_args = sys.argv[1], json.loads(sys.argv[2])
    result = {
        "ingest": part_ingest,
        "archive": part_archive,
        "battery": part_battery,
        "mi": part_mi,
    }[part](raw_args)
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)
