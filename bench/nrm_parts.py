"""One modern-slavery benchmark part in its own Django process (called by bench/nrm.py)."""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from waymark.core import clock  # noqa: E402

ANCHOR = datetime.fromisoformat("2026-11-20T09:00:00+00:00")
PEOPLE = 300
CHECK_BACKLOG_X1 = 40  # negative decisions waiting for a specialist at x1
QUARTER = "2026-Q3"
Q3 = (date(2026, 7, 1), date(2026, 9, 30))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def part_load(args: dict) -> dict:
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync
    from waymark.nrm.demo import nrm_demo_load
    from waymark.people import services as people_services
    from waymark.testing import user_make

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    roles_sync()
    team, _ = Team.objects.get_or_create(
        slug="competent-authority", defaults={"name": "Competent authority (modern slavery)"}
    )
    countries = ["ALB", "VNM", "ERI", "SDN", "IND", "NGA", "CHN", "ROU", "GBR", "PAK", "IRN"]
    with clock.frozen(ANCHOR):
        for i in range(PEOPLE):
            people_services.person_create(
                actor=None,
                given_names=f"Bench{i}",
                family_name="Person",
                date_of_birth=date(1980 + i % 30, 1 + i % 12, 1 + i % 28),
                nationalities=(countries[i % len(countries)],),
                owning_team=team,
            )
    scale = float(args["scale"])
    copies = 1
    if scale > REPLICATE_ABOVE:
        # Above x10 the demo loader (one referral at a time through the services) would take
        # hours: load x10 through it, then copy its rows in SQL (see replicate()).
        copies = round(scale / REPLICATE_ABOVE)
        scale = REPLICATE_ABOVE
    counts = nrm_demo_load(anchor=ANCHOR, scale=scale, seed=2026)
    if copies > 1:
        replicate(copies)
        counts = {
            "referrals": scalar("SELECT count(*) FROM nrm_referral"),
            "decisions": scalar("SELECT count(*) FROM nrm_decision"),
        }
    user_make("nrm_manager", team, username="bench-nrm-manager")
    # A live backlog for the check queue: the latest negative decisions still awaiting their check.
    backlog = max(1, round(CHECK_BACKLOG_X1 * float(args["scale"])))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE nrm_specialistcheck SET status = 'pending', completed_at = NULL,"
            " specialist_id = NULL WHERE id IN (SELECT id FROM nrm_specialistcheck"
            " ORDER BY requested_at DESC LIMIT %s)",
            [backlog],
        )
        cursor.execute(
            "UPDATE nrm_decision SET status = 'awaiting_check', served_at = NULL,"
            " served_by_id = NULL WHERE id IN (SELECT decision_id FROM nrm_specialistcheck"
            " WHERE status = 'pending')"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (value varchar(100))")
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker (value) VALUES (%s)", [args["marker"]])
    return {**counts, "load_seconds": time.perf_counter() - began}


def _urlconf():
    import types

    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import path

    # The site's URLs, with a stand-in for any nrm page not in this branch yet (see stub_urls).
    from waymark.nrm.tests.stub_urls import urlpatterns as site_urlpatterns

    module = types.ModuleType("nrm_bench_urls")
    module.BARE = []

    @login_required
    def bare(request):
        rows = 0
        with connection.cursor() as cursor:
            for statement, params in module.BARE:
                cursor.execute(statement, params)
                if cursor.description is not None:
                    rows += len(cursor.fetchall())
        return HttpResponse(f"{rows} rows", content_type="text/plain")

    module.urlpatterns = [*site_urlpatterns, path("__bench__/nrm/", bare)]
    sys.modules[module.__name__] = module
    return module


def _captured(client, url: str) -> list[tuple[str, object]]:
    """The (sql, params) a GET of ``url`` runs, captured with an execute wrapper."""
    statements: list[tuple[str, object]] = []

    def wrapper(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return statements


def _page_vs_bare(client, url: str, module, n: int) -> dict:
    """The page against the bare view running the SQL the page ran that the bare view does not."""
    module.BARE[:] = []
    common = [sql for sql, _ in _captured(client, "/__bench__/nrm/")]
    page = _captured(client, url)
    own = []
    for sql, params in page:
        if sql in common:
            common.remove(sql)
        elif not sql.upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            own.append((sql, params))
    page_times = harness.timed_gets(client, url, n)
    module.BARE[:] = own
    bare_times = harness.timed_gets(client, "/__bench__/nrm/", n)
    return {
        "queries": len(page),
        "p95_ms": p95(page_times) * 1000,
        "bare_p95_ms": p95(bare_times) * 1000,
        "p50_ms": statistics.median(page_times) * 1000,
    }


def part_queues(args: dict) -> dict:
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User

    module = _urlconf()
    n = 10 if args.get("quick") else 50
    # The busiest decision maker (most open referrals) and a specialist.
    maker_id = scalar(
        "SELECT decision_maker_id FROM nrm_referral WHERE status NOT IN ('concluded', 'withdrawn')"
        " GROUP BY decision_maker_id ORDER BY count(*) DESC LIMIT 1"
    )
    maker = User.objects.get(pk=maker_id)
    specialist = User.objects.filter(groups__name="technical_specialist").first()
    result: dict = {
        "open_for_maker": scalar(
            "SELECT count(*) FROM nrm_referral WHERE decision_maker_id = %s"
            " AND status NOT IN ('concluded', 'withdrawn')",
            [maker_id],
        ),
        "checks": scalar("SELECT count(*) FROM nrm_specialistcheck WHERE status = 'pending'"),
    }
    with (
        override_settings(ROOT_URLCONF=module.__name__, ALLOWED_HOSTS=["testserver"]),
        clock.frozen(ANCHOR),
    ):
        client = Client()
        client.force_login(maker)
        result["queue"] = _page_vs_bare(client, "/nrm/queue/", module, n)
        client.force_login(specialist)
        result["check"] = _page_vs_bare(client, "/nrm/checks/", module, n)
    return result


# DuckDB: the figures page's aggregates over an export of the same rows.
TABLES = {
    "referral": "SELECT id, received_at, referrer_type, nationality, age_group, status,"
    " exploitation_types::text AS exploitation_types, owning_team_id, rg_due_on,"
    " last_activity_at, consent FROM nrm_referral",
    "quality": "SELECT referral_id, score FROM nrm_qualityassessment",
    "decision": "SELECT id, referral_id, stage, outcome, status, decision_maker_id, made_at,"
    " served_at, reconsideration_of_id FROM nrm_decision",
    "checks": "SELECT decision_id, status, requested_at, completed_at FROM nrm_specialistcheck",
    "rating": "SELECT r.rating, r.rated_at, d.decision_maker_id FROM nrm_qualityrating r"
    " JOIN nrm_decision d ON d.id = r.decision_id",
    "advice": "SELECT level, requested_at, given_at FROM nrm_safeguardingadvice",
}
DUCK_QUERIES = [
    "SELECT owning_team_id, count(*) FROM referral WHERE received_at >= $s AND received_at < $e"
    " GROUP BY 1",
    "SELECT r.owning_team_id, count(*) FILTER (WHERE d.stage='rg' AND d.outcome <> 'negative'),"
    " count(*) FILTER (WHERE d.stage='rg' AND d.outcome = 'negative'),"
    " count(*) FILTER (WHERE d.stage='cg' AND d.outcome <> 'negative'),"
    " count(*) FILTER (WHERE d.stage='cg' AND d.outcome = 'negative')"
    " FROM decision d JOIN referral r ON r.id = d.referral_id WHERE d.status='served'"
    " AND d.served_at >= $s AND d.served_at < $e GROUP BY 1",
    "SELECT referrer_type, count(*) FROM referral WHERE received_at >= $s AND received_at < $e"
    " GROUP BY 1",
    "SELECT nationality, count(*) FROM referral WHERE received_at >= $s AND received_at < $e"
    " GROUP BY 1",
    "SELECT age_group, count(*) FROM referral WHERE received_at >= $s AND received_at < $e"
    " GROUP BY 1",
    "SELECT t, count(*) FROM (SELECT unnest(from_json(exploitation_types, '[\"VARCHAR\"]')) AS t"
    " FROM referral WHERE received_at >= $s AND received_at < $e) GROUP BY 1",
    "SELECT count(*) FILTER (WHERE q.score >= 0.8), count(*) FILTER (WHERE q.score < 0.8),"
    " count(*) FILTER (WHERE q.score IS NULL) FROM referral r LEFT JOIN quality q"
    " ON q.referral_id = r.id WHERE r.received_at >= $s AND r.received_at < $e",
    "SELECT stage, outcome, count(*) FROM decision WHERE status='served' AND served_at >= $s"
    " AND served_at < $e GROUP BY 1, 2",
    "SELECT d.stage, count(*), median(epoch(d.served_at - r.received_at) / 86400),"
    " avg(CASE WHEN CAST(d.served_at AS DATE) <= r.rg_due_on THEN 1 ELSE 0 END)"
    " FROM decision d JOIN referral r ON r.id = d.referral_id WHERE d.status='served'"
    " AND d.reconsideration_of_id IS NULL AND d.served_at >= $s AND d.served_at < $e GROUP BY 1",
    "SELECT status, count(*), epoch(min(last_activity_at)) FROM referral WHERE status NOT IN"
    " ('concluded', 'withdrawn') AND last_activity_at < $now - INTERVAL 20 DAY GROUP BY 1",
    "SELECT decision_maker_id, count(*) FROM decision WHERE made_at >= $s AND made_at < $e"
    " GROUP BY 1",
    "SELECT decision_maker_id, rating, count(*) FROM rating WHERE rating <> '' AND rated_at >= $s"
    " AND rated_at < $e GROUP BY 1, 2",
    "SELECT count(*) FILTER (WHERE status='pending'), epoch(min(requested_at) FILTER"
    " (WHERE status='pending')), count(*) FILTER (WHERE status='agreed' AND completed_at >= $s"
    " AND completed_at < $e), count(*) FILTER (WHERE status='disagreed' AND completed_at >= $s"
    " AND completed_at < $e) FROM checks",
    "SELECT strftime(rated_at, '%Y-%m'), rating, count(*) FROM rating WHERE rating <> ''"
    " AND rated_at >= $s AND rated_at < $e GROUP BY 1, 2",
    "SELECT level, count(*), count(given_at), median(epoch(given_at - requested_at) / 86400)"
    " FROM advice WHERE requested_at >= $s AND requested_at < $e GROUP BY 1",
    "SELECT count(*) FILTER (WHERE consent = '') FROM referral",
    "SELECT count(*) FROM referral r WHERE status IN ('received','preparation','rg_pending')"
    " AND rg_due_on < CAST($now AS DATE) AND NOT EXISTS (SELECT 1 FROM decision d"
    " WHERE d.referral_id = r.id)",
    "SELECT count(*) FROM decision d WHERE status='served' AND outcome='negative' AND NOT EXISTS"
    " (SELECT 1 FROM checks c WHERE c.decision_id = d.id AND c.status='agreed')",
]


REPLICATE_ABOVE = 10.0


def replicate(copies: int) -> None:
    """Make ``copies`` times the competent authority's rows: every ``nrm_`` table that refers to
    a referral (directly or through another such table) is copied ``copies - 1`` times with new
    keys (``id + k * max(id)``), its references to copied tables shifted the same way and its
    unique text columns suffixed ``-k``; dates, people and staff are kept, so each quarter's
    figures are those of x10 with every count multiplied (medians and shares unchanged)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text"
            " FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid"
            " AND a.attnum = c.conkey[1] WHERE c.contype = 'f'"
            " AND c.conrelid::regclass::text LIKE 'nrm\\_%%'"
        )
        fks = cursor.fetchall()
        copied = {"nrm_referral"}
        grew = True
        while grew:
            grew = False
            for table, _column, target in fks:
                if target in copied and table not in copied:
                    copied.add(table)
                    grew = True
        shifts = {
            t: {c: target for tt, c, target in fks if tt == t and target in copied} for t in copied
        }
        maxima = {}
        for table in copied:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
            maxima[table] = cursor.fetchone()[0]
        order = []
        pending = set(copied)
        while pending:  # parents first
            for table in sorted(pending):
                if all(t == table or t not in pending for t in shifts[table].values()):
                    order.append(table)
                    pending.discard(table)
                    break
            else:
                raise RuntimeError(f"cycle among {pending}")
        for table in order:
            cursor.execute(
                "SELECT a.attname, t.typcategory FROM pg_attribute a JOIN pg_type t"
                " ON t.oid = a.atttypid WHERE a.attrelid = %s::regclass AND a.attnum > 0"
                " AND NOT a.attisdropped ORDER BY a.attnum",
                [table],
            )
            columns = cursor.fetchall()
            cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                " AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND i.indisunique"
                " AND NOT i.indisprimary AND i.indnatts = 1",
                [table],
            )
            unique = {row[0] for row in cursor.fetchall()}
            for k in range(1, copies):
                select = []
                for name, category in columns:
                    if name == "id":
                        select.append(f"id + {k * maxima[table]}")
                    elif name in shifts[table]:
                        select.append(f"{name} + {k * maxima[shifts[table][name]]}")
                    elif name in unique and category == "S":
                        select.append(f"CASE WHEN {name} = '' THEN '' ELSE {name} || '-{k}' END")
                    elif name in unique:
                        select.append("NULL")
                    else:
                        select.append(name)
                names = ", ".join(name for name, _ in columns)
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT {', '.join(select)}"  # noqa: S608
                    f" FROM {table} WHERE id <= {maxima[table]}"
                )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT max(id) FROM {table}))"
            )


def part_figures(args: dict) -> dict:
    import duckdb
    import psycopg
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User

    n = 5 if args.get("quick") else (20 if float(args["scale"]) < 50 else 8)
    result: dict = {
        "referrals": scalar("SELECT count(*) FROM nrm_referral"),
        "decisions": scalar("SELECT count(*) FROM nrm_decision"),
    }
    url = f"/nrm/figures/?quarter={QUARTER}"
    with override_settings(ALLOWED_HOSTS=["testserver"]), clock.frozen(ANCHOR):
        client = Client()
        client.force_login(User.objects.get(username="bench-nrm-manager"))
        page = harness.timed_gets(client, url, n, warm=2)
    result["page_p95_ms"] = p95(page) * 1000
    # The page reads the read model (rows at most a minute old): how long one rebuild of every
    # offered quarter takes bounds that age, so it is measured too.
    from waymark.core.read_models import read_model_refresh

    with clock.frozen(ANCHOR):
        began = time.perf_counter()
        state = read_model_refresh("nrm.figures")
        result["rebuild_s"] = time.perf_counter() - began
    result["rebuild_rows"] = state.rows if state else 0
    duck = duckdb.connect()
    s = connection.settings_dict
    dsn = (
        f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']}"
        f" user={s['USER'] or 'postgres'}"
    )
    if s.get("PASSWORD"):
        dsn += f" password={s['PASSWORD']}"
    with psycopg.connect(dsn) as conn:
        for name, statement in TABLES.items():
            buffer = io.BytesIO()
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
            ):
                for data in copy:
                    buffer.write(data)
            path = Path(f"/tmp/waymark-bench-nrm-{name}.csv")  # noqa: S108 - bench scratch file
            path.write_bytes(buffer.getvalue())
            typed = dict.fromkeys(
                ("consent", "nationality", "rating", "exploitation_types", "outcome"), "VARCHAR"
            )
            header = buffer.getvalue().split(b"\n", 1)[0].decode().strip().split(",")
            typed = {k: v for k, v in typed.items() if k in header}
            clause = f", types={typed!r}" if typed else ""
            duck.execute(
                f"CREATE OR REPLACE TABLE \"{name}\" AS SELECT * FROM read_csv('{path}',"  # noqa: S608
                f" header=true{clause})"
            )
    start = datetime.combine(Q3[0], datetime.min.time(), tzinfo=clock.LONDON).isoformat()
    end = datetime.combine(date(2026, 10, 1), datetime.min.time(), tzinfo=clock.LONDON).isoformat()
    times = []
    for _ in range(n):
        began = time.perf_counter()
        for query in DUCK_QUERIES:
            statement = (
                query.replace("$s", f"TIMESTAMPTZ '{start}'")
                .replace("$e", f"TIMESTAMPTZ '{end}'")
                .replace("$now", f"TIMESTAMPTZ '{ANCHOR.isoformat()}'")
            )
            duck.execute(statement).fetchall()
        times.append(time.perf_counter() - began)
    result["duckdb_p95_ms"] = p95(times) * 1000
    print(
        f"  figures page p50 {statistics.median(page) * 1000:.0f} ms; DuckDB p50 "
        f"{statistics.median(times) * 1000:.1f} ms",
        flush=True,
    )
    return result


PARTS = {"load": part_load, "queues": part_queues, "figures": part_figures}

if __name__ == "__main__":
    part, raw = sys.argv[1], json.loads(sys.argv[2])
    out = PARTS[part](raw)
    print("BENCH-RESULT " + json.dumps(out), flush=True)
