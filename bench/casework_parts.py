"""One casework benchmark part in its own Django process (called by bench/casework.py)."""

from __future__ import annotations

import json
import statistics
import sys
import time
import types
from datetime import datetime, timedelta
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import casework_duck  # noqa: E402  bench/casework_duck.py
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from waymark.core import clock  # noqa: E402

ANCHOR = datetime.fromisoformat("2026-11-20T09:00:00+00:00")  # a Friday
TODAY = ANCHOR.date()
PEOPLE_X1 = 85_000
CENTRES_X1 = 40  # about 2,100 people per centre, about 300 events a centre a day
OWNING_TEAMS_X1 = 20  # criminal-casework teams owning the cases (about 4,250 people each)
OWNER_CASES = 150  # the benchmarked case owner's own caseload


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def mark(marker: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (value varchar(100))")
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker (value) VALUES (%s)", [marker])


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def sizes(args: dict) -> tuple[int, int, int]:
    scale = float(args["scale"])
    people = int(PEOPLE_X1 * scale)
    return people, max(2, round(CENTRES_X1 * scale)), max(2, round(OWNING_TEAMS_X1 * scale))


# ------------------------------------------------------------------------------------------------
# Load (once per database; the driver marks it so it is reused)


def part_load(args: dict) -> dict:
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync

    call_command("migrate", verbosity=0, interactive=False)
    roles_sync()
    people, centres, owning = sizes(args)
    began = time.perf_counter()
    now = ANCHOR
    sql(
        "INSERT INTO accounts_team (slug, name, unit, nation, is_active) SELECT "
        "'reporting-centre-bench-' || lpad(g::text, 4, '0'),"
        " 'Reporting centre ' || g, 'Reporting centres', 'england-and-wales', true FROM generate_series(1, %s) g",
        [centres],
    )
    sql(
        "INSERT INTO accounts_team (slug, name, unit, nation, is_active) SELECT "
        "'criminal-casework-bench-' || lpad(g::text, 4, '0'),"
        " 'Criminal casework ' || g, %s, 'england-and-wales', true FROM generate_series(1, %s) g",
        [_casework_unit(), owning],
    )
    centre_ids = list(
        Team.objects.filter(slug__startswith="reporting-centre-bench-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    team_ids = list(
        Team.objects.filter(slug__startswith="criminal-casework-bench-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    owner = User.objects.create(
        username="bench-owner", first_name="Bench", last_name="Owner", is_active=True
    )
    owner.teams.add(team_ids[0])
    owner.groups.add(Group.objects.get(name="case_owner"))
    officer = User.objects.create(
        username="bench-centre", first_name="Bench", last_name="Centre", is_active=True
    )
    officer.teams.add(centre_ids[0])
    officer.groups.add(Group.objects.get(name="reporting_centre"))
    # People: owning team round robin; the first OWNER_CASES people of the owner's team are the
    # owner's caseload, the rest of the team have no named owner.
    sql(
        """
        INSERT INTO people_person (reference, record_status, given_names, family_name, date_of_birth, sex,
            gender_as_recorded, main_language, interpreter_needed, no_fixed_abode, email, legal_rep_firm,
            legal_rep_contact, release_date, harm_level, vulnerability_assessment, immigration_status,
            ownership_state, owning_team_id, case_owner_id, search_name, restricted_access, created_at, updated_at)
        SELECT 'WM-' || lpad(g::text, 7, '0'), 'active', 'Given' || (g %% 997), 'Family' || (g %% 7919),
            DATE '1970-01-01' + (g %% 15000), (ARRAY['male','male','male','male','female'])[1 + g %% 5], '', '',
            false, g %% 20 = 0, '', '', '', DATE %(today)s - (g %% 1500),
            (ARRAY['low','medium','medium','high','very_high','not_assessed'])[1 + g %% 6],
            (ARRAY['not_yet_assessed','none_identified','vulnerable'])[1 + g %% 3], '', 'owned',
            (%(teams)s::int[])[1 + g %% %(nteams)s],
            CASE WHEN g %% %(nteams)s = 0 AND g / %(nteams)s < %(owned)s THEN %(owner)s END,
            'given' || (g %% 997) || ' family' || (g %% 7919), false, %(now)s, %(now)s
        FROM generate_series(0, %(n)s - 1) g
    """,
        {
            "today": TODAY,
            "teams": team_ids,
            "nteams": len(team_ids),
            "owned": OWNER_CASES,
            "owner": owner.pk,
            "now": now,
            "n": people,
        },
    )
    sql(
        """
        INSERT INTO casework_case (person_id, status, detained, formerly_mappa, computed_band, computed_reason,
            band_override, band_override_reason, consecutive_missed, out_of_contact_since, next_review_due,
            opened_at, updated_at)
        SELECT p.id, 'open', false, false, 1 + p.id %% 4, 'Bench band ' || (1 + p.id %% 4),
            NULL, '', 0, NULL, DATE %(today)s + (p.id %% 91)::int, %(now)s, %(now)s
        FROM people_person p
    """,
        {"today": TODAY, "now": now},
    )
    # Restrictions: weekly, 15% fortnightly with a reason (hashed, so no centre is all fortnightly);
    # start days spread over the past year so every weekday is as busy as the next; centre round
    # robin; windows 09:00 to 16:00.
    sql(
        """
        INSERT INTO casework_reportingrestriction (person_id, centre_id, place_kind, police_station, frequency_days,
            frequency_reason, window_start, window_minutes, window_reason, detain_on_reporting, starts_on, ends_on,
            set_at, change_summary, version)
        SELECT p.id, (%(centres)s::int[])[(1 + p.id %% %(ncentres)s)::int], 'reporting_centre', '',
            CASE WHEN abs(hashint8(p.id)) %% 100 < 15 THEN 14 ELSE 7 END,
            CASE WHEN abs(hashint8(p.id)) %% 100 < 15 THEN 'history_of_compliance' ELSE '' END,
            TIME '09:00' + make_interval(mins => (30 * ((p.id / %(ncentres)s) %% 15))::int), 60, '', false,
            DATE %(today)s - 365 + (p.id %% 364)::int, NULL, %(now)s, '', 1
        FROM people_person p
    """,
        {"centres": centre_ids, "ncentres": len(centre_ids), "today": TODAY, "now": now},
    )
    mark(args["marker"])
    return {
        "people": people,
        "centres": centres,
        "teams": owning,
        "load_seconds": time.perf_counter() - began,
    }


def _casework_unit() -> str:
    from waymark.casework import rules

    return getattr(rules, "CRIMINAL_CASEWORK_UNIT", "Criminal casework")


# ------------------------------------------------------------------------------------------------
# 1. Generate a year of reporting events


BASELINE_SQL = """
INSERT INTO casework_reportingevent
    (person_id, restriction_id, centre_id, due_on, window_start, window_minutes, outcome, outcome_reason, cancelled)
SELECT r.person_id, r.id, r.centre_id, d::date, r.window_start, r.window_minutes, '', '', false
FROM casework_reportingrestriction r
CROSS JOIN LATERAL generate_series(
    (%(first)s::date
     + ((r.frequency_days - ((%(first)s::date - r.starts_on) %% r.frequency_days))
        %% r.frequency_days))::timestamp,
    %(last)s::date::timestamp, make_interval(days => r.frequency_days)) AS d
"""


def _reset_events() -> None:
    sql("TRUNCATE casework_reportingevent RESTART IDENTITY CASCADE")
    sql("CHECKPOINT")


def part_generate(args: dict) -> dict:
    from waymark.casework import services

    horizon = int(args["horizon"])
    first = TODAY
    last = first + timedelta(days=horizon)
    restrictions = scalar("SELECT count(*) FROM casework_reportingrestriction")
    _reset_events()
    began = time.perf_counter()
    created = services.events_generate(first=first, horizon_days=horizon)
    app_seconds = time.perf_counter() - began
    print(f"  events_generate: {created:,} rows in {app_seconds:.1f} s", flush=True)
    began = time.perf_counter()
    again = services.events_generate(first=first, horizon_days=horizon)
    rerun_seconds = time.perf_counter() - began
    print(f"  re-run: {again:,} rows in {rerun_seconds:.1f} s", flush=True)
    # Baseline: the same rows, one plain INSERT ... SELECT into the same (truncated) table, with the
    # same indexes and constraints. Every restriction starts before ``first`` and has no end, so the
    # GREATEST/LEAST guards of the application's statement are not needed.
    _reset_events()
    began = time.perf_counter()
    plain = sql(BASELINE_SQL, {"first": first, "last": last})
    base_seconds = time.perf_counter() - began
    print(f"  plain INSERT: {plain:,} rows in {base_seconds:.1f} s", flush=True)
    _reset_events()
    return {
        "restrictions": restrictions,
        "horizon": horizon,
        "created": created,
        "plain_rows": plain,
        "app_rate": created / app_seconds,
        "base_rate": plain / base_seconds,
        "app_seconds": app_seconds,
        "base_seconds": base_seconds,
        "rerun_created": again,
        "rerun_seconds": rerun_seconds,
    }


# ------------------------------------------------------------------------------------------------
# 2. Missed-event sweep over a week


CHASE_SELECT = """
SELECT id, centre_id FROM casework_reportingevent
WHERE outcome = '' AND NOT cancelled AND chased_at IS NULL AND due_on <= %(cutoff)s
"""


def part_sweep(args: dict) -> dict:
    from waymark.casework import services

    _reset_events()
    first = TODAY - timedelta(days=7)
    with connection.cursor() as cursor:
        cursor.execute(services.GENERATE_SQL, {"first": first, "last": TODAY - timedelta(days=1)})
    # Realistic outcomes: about 14% no show, 1.2% never recorded, the rest attended.
    sql("SELECT setseed(0.42)")
    sql("""
        UPDATE casework_reportingevent SET
            outcome = CASE WHEN x < 0.012 THEN '' WHEN x < 0.152 THEN 'no_show' ELSE 'attended' END,
            outcome_recorded_at = CASE WHEN x < 0.012 THEN NULL ELSE due_on + window_start + interval '30 minutes' END
        FROM (SELECT id AS eid, random() AS x FROM casework_reportingevent) r WHERE id = r.eid
    """)
    sql("VACUUM ANALYZE casework_reportingevent")
    events = scalar("SELECT count(*) FROM casework_reportingevent")
    blank = scalar("SELECT count(*) FROM casework_reportingevent WHERE outcome = ''")
    # Past events all end before ANCHOR - grace; running on successive days gives the same
    # candidates each time with a new dedupe key for the centre tasks (a new day's chase).
    with transaction.atomic():
        services.outcomes_missing_chase(
            now=ANCHOR + timedelta(days=10)
        )  # warm-up: creates the centres' queues
    times, base_times, chased = [], [], []
    for rep in range(3):
        sql("UPDATE casework_reportingevent SET chased_at = NULL WHERE chased_at IS NOT NULL")
        now = ANCHOR + timedelta(days=rep)
        began = time.perf_counter()
        with transaction.atomic():  # as the sweep runner (work.sweeps.sweeps_run_all) calls it
            chased.append(services.outcomes_missing_chase(now=now))
        times.append(time.perf_counter() - began)
        sql("UPDATE casework_reportingevent SET chased_at = NULL WHERE chased_at IS NOT NULL")
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(CHASE_SELECT, {"cutoff": (now - timedelta(hours=2)).date()})
            found = len(cursor.fetchall())
        base_times.append(time.perf_counter() - began)
    tasks = scalar(
        "SELECT count(*) FROM work_task WHERE dedupe_key LIKE 'reporting.outcomes_missing:%%'"
    )
    print(
        f"  {events:,} events, {blank:,} blank; chased {chased}, SELECT found {found:,}; "
        f"{tasks:,} centre tasks after 4 runs",
        flush=True,
    )
    return {
        "events": events,
        "blank": blank,
        "chased": chased[-1],
        "found": found,
        "tasks": tasks,
        "app_seconds": statistics.median(times),
        "base_seconds": statistics.median(base_times),
    }


# ------------------------------------------------------------------------------------------------
# 3. Pages


def _bench_urlconf():
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import path

    from config.urls import urlpatterns as site_urlpatterns

    module = types.ModuleType("casework_bench_urls")
    module.BARE = []  # [(sql, params)], set by the benchmark

    @login_required
    def bare(request):
        rows = 0
        with connection.cursor() as cursor:
            for statement, params in module.BARE:
                cursor.execute(statement, params)
                rows += len(cursor.fetchall())
        return HttpResponse(f"{rows} rows", content_type="text/plain")

    module.urlpatterns = [*site_urlpatterns, path("__bench__/casework/", bare)]
    sys.modules[module.__name__] = module
    return module


_timed = harness.timed_gets


def part_pages(args: dict) -> dict:
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from waymark.accounts.models import User
    from waymark.casework import selectors, services
    from waymark.casework.models import ReportingEvent

    # Table state: the sweep part's week of past events (with outcomes) if present, plus the next
    # 28 days (the application's default horizon) generated by the application's statement.
    if not scalar("SELECT count(*) FROM casework_reportingevent WHERE due_on < %s", [TODAY]):
        part_sweep_setup_only()
    with clock.frozen(ANCHOR):
        services.events_generate(first=TODAY, horizon_days=28)
    sql("ANALYZE casework_reportingevent")
    events = scalar("SELECT count(*) FROM casework_reportingevent")
    n = 10 if args.get("quick") else 50
    officer = User.objects.get(username="bench-centre")
    owner = User.objects.get(username="bench-owner")
    centre = officer.teams.get()
    module = _bench_urlconf()
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)  # keep the captured queries of a request
    result: dict = {"events": events}
    with (
        override_settings(ROOT_URLCONF=module.__name__, ALLOWED_HOSTS=["testserver"]),
        clock.frozen(ANCHOR),
    ):
        client = Client()
        client.force_login(officer)
        day_rows = selectors.day_list_events(centre, TODAY).count()
        url = f"/casework/centre/?centre={centre.pk}&day={TODAY.isoformat()}"
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        day_queries = len(ctx.captured_queries)
        page = _timed(client, url, n)
        qs = selectors.day_list_events(centre, TODAY).select_related(
            "person", "restriction", "outcome_recorded_by"
        )
        module.BARE[:] = [qs[: selectors.DAY_LIST_PAGE].query.sql_with_params()]
        bare = _timed(client, "/__bench__/casework/", n)
        result.update(
            {
                "day_rows": day_rows,
                "day_queries": day_queries,
                "day_p95_ms": p95(page) * 1000,
                "day_bare_p95_ms": p95(bare) * 1000,
            }
        )
        print(
            f"  centre day list: {day_rows} events that day, {day_queries} queries; "
            f"p50 {statistics.median(page) * 1000:.1f} ms, bare p50 {statistics.median(bare) * 1000:.1f} ms",
            flush=True,
        )

        client = Client()
        client.force_login(owner)
        mine = selectors.caseload(owner, owner=owner)
        caseload = mine.count()
        url = "/casework/lists/mine/"
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        captured = list(ctx.captured_queries)
        slow = sorted(captured, key=lambda q: -float(q["time"]))[:2]
        page = _timed(client, url, n)
        from waymark.casework.views import PAGE_SIZE

        module.BARE[:] = [mine[:PAGE_SIZE].query.sql_with_params()]
        bare = _timed(client, "/__bench__/casework/", n)
        team_people = scalar(
            "SELECT count(*) FROM people_person WHERE owning_team_id = %s",
            [owner.teams.values_list("pk", flat=True).get()],
        )
        result.update(
            {
                "caseload": caseload,
                "team_people": team_people,
                "mine_queries": len(captured),
                "mine_p95_ms": p95(page) * 1000,
                "mine_bare_p95_ms": p95(bare) * 1000,
            }
        )
        print(
            f"  my caseload: {caseload} cases ({team_people:,} people in the team), {len(captured)} "
            f"queries; p50 {statistics.median(page) * 1000:.1f} ms, bare p50 {statistics.median(bare) * 1000:.1f} ms",
            flush=True,
        )
        for q in slow:
            print(f"    slowest: {q['time']} s {q['sql'][:300]}", flush=True)
    by_centre = ReportingEvent.objects.filter(due_on=TODAY).values("centre").annotate(n=Count("pk"))
    result["centre_day_max"] = max((r["n"] for r in by_centre), default=0)
    return result


def part_sweep_setup_only() -> None:
    from waymark.casework import services

    with connection.cursor() as cursor:
        cursor.execute(
            services.GENERATE_SQL,
            {"first": TODAY - timedelta(days=7), "last": TODAY - timedelta(days=1)},
        )
    sql("UPDATE casework_reportingevent SET outcome = 'attended' WHERE due_on < %s", [TODAY])


CHECKED_UP_TO = 1_000_000  # cases: above, the live figures (checked against DuckDB's) take minutes


def part_figures(args: dict) -> dict:
    """The casework figures page on its read model (issue 17 item 4): the rebuild timed on its own,
    the page's p95, the rows' age; DuckDB computing every figure the page shows over an export of
    the same rows (``casework_duck``; the export is not timed)."""
    import duckdb
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User
    from waymark.core.read_models import read_model_refresh

    call_command("migrate", verbosity=0, interactive=False)  # the read model's table
    analyst, _created = User.objects.get_or_create(
        username="bench-analyst", defaults={"first_name": "Bench", "last_name": "Analyst"}
    )
    analyst.groups.add(Group.objects.get(name="performance_analyst"))
    n = 5 if args.get("quick") else 20
    result: dict = {"cases": scalar("SELECT count(*) FROM casework_case")}
    began = time.perf_counter()
    with clock.frozen(ANCHOR):
        state = read_model_refresh("casework.figures")
    assert state is not None
    result["refresh_seconds"] = time.perf_counter() - began
    result["refresh_rows"] = state.rows
    with override_settings(ALLOWED_HOSTS=["testserver"]), clock.frozen(ANCHOR):
        client = Client()
        client.force_login(analyst)
        page = _timed(client, "/casework/figures/", n)
        text = client.get("/casework/figures/").content.decode()
    result["page_p95_ms"] = p95(page) * 1000
    result["as_of_shown"] = f'data-as-of="{state.as_of.isoformat()}"' in text
    result["rows_age_seconds"] = time.perf_counter() - began
    duck = duckdb.connect()
    casework_duck.load(connection, duck)
    times = casework_duck.timed(duck, ANCHOR.astimezone(clock.LONDON).date(), n)
    result["duck_p95_ms"] = p95(times) * 1000
    result["duck_figures"] = len(casework_duck.queries(ANCHOR.date()))
    if result["cases"] <= CHECKED_UP_TO:
        from waymark.casework.selectors.figures import mi_figures

        with clock.frozen(ANCHOR):
            live = mi_figures()  # the live definitions, once (not timed)
        result["duck_disagrees"] = casework_duck.agreement(
            duck, ANCHOR.astimezone(clock.LONDON).date(), live
        )
        assert not result["duck_disagrees"], result["duck_disagrees"]
    print(
        f"  figures: rebuild {result['refresh_seconds']:.2f} s ({state.rows} rows); page p50 "
        f"{statistics.median(page) * 1000:.0f} ms; DuckDB p50 {statistics.median(times) * 1000:.1f} ms"
        f" ({result['duck_figures']} statements, every figure)",
        flush=True,
    )
    return result


if __name__ == "__main__":
    part, raw_args = sys.argv[1], json.loads(sys.argv[2])
    parts = {
        "load": part_load,
        "generate": part_generate,
        "sweep": part_sweep,
        "pages": part_pages,
        "figures": part_figures,
    }
    result = parts[part](raw_args)
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)
