"""One oversight benchmark part in its own Django process (called by bench/oversight.py)."""

from __future__ import annotations

import io
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
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
# x1: a year of detention gatekeeping decisions across the casework teams, about the people they
# hold (an assumption for the benchmark: the seeds give no yearly count of gatekeeping decisions).
DECISIONS_X1 = 5_000
PEOPLE_X1 = 2_500
TEAMS = 8
COUNTRIES = ["ALB", "VNM", "ERI", "SDN", "IND", "NGA", "CHN", "ROU", "JAM", "PAK", "IRN", "POL"]
ETHNICITIES = ["White", "Black", "Asian", "Mixed", "Other"]
POINT, MONTHS = "casework.detention", 12


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def part_load(args: dict) -> dict:
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync
    from waymark.casework.models import DetentionRequest, GatekeepingDecision
    from waymark.people import services as people_services
    from waymark.people.models import Person, ProtectedCharacteristics
    from waymark.testing import user_make

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    roles_sync()
    # x100: the decisions are x10's copied ten times in SQL (``_replicate``): loading 250,000
    # people through the people service's audited bulk path takes longer than a session has.
    copies = int(args.get("copies") or 1)
    scale = float(args["scale"]) / copies
    rng = random.Random(20)
    teams = [
        Team.objects.get_or_create(slug=f"bench-cw-{i}", defaults={"name": f"Casework team {i}"})[0]
        for i in range(TEAMS)
    ]
    requester = user_make("case_owner", teams[0])
    user_make("performance_analyst", teams[0], username="bench-analyst")
    n_people = max(50, round(PEOPLE_X1 * scale))
    n_decisions = max(100, round(DECISIONS_X1 * scale))
    with clock.frozen(ANCHOR):
        specs = [
            {
                "given_names": f"Bench{i}",
                "family_name": "Person",
                "nationalities": [rng.choice(COUNTRIES)],
            }
            for i in range(n_people)
        ]
        people, _ = people_services.people_bulk_create(actor=None, people=specs, source="bench")
        ids = [p.pk for p in people]
        # Bench set-up: teams and assessments straight onto the rows, a few UPDATEs in all.
        for t, team in enumerate(teams):
            for a, assessment in enumerate(["vulnerable", "none_identified"]):
                chosen = [
                    pk for i, pk in enumerate(ids) if i % TEAMS == t and (i // TEAMS) % 2 == a
                ]
                Person.objects.filter(pk__in=chosen).update(
                    owning_team=team, vulnerability_assessment=assessment
                )
        ProtectedCharacteristics.objects.bulk_create(
            ProtectedCharacteristics(
                person_id=pk, ethnicity=rng.choice(ETHNICITIES), recorded_at=ANCHOR
            )
            for pk in ids
        )
        rows = []
        for _ in range(n_decisions):
            at = ANCHOR - timedelta(days=rng.randrange(0, 360), hours=rng.randrange(0, 24))
            accepted = rng.random() < 0.6
            rows.append(
                DetentionRequest(
                    person_id=rng.choice(ids),
                    requested_by=requester,
                    requested_at=at - timedelta(hours=4),
                    grounds="Bench",
                    decision=GatekeepingDecision.ACCEPTED
                    if accepted
                    else GatekeepingDecision.REJECTED,
                    rejection_reason="" if accepted else "no_realistic_prospect",
                    decided_at=at,
                )
            )
        DetentionRequest.objects.bulk_create(rows, batch_size=2000)
    if copies > 1:
        n_decisions = _replicate(copies, n_decisions)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_marker (value text)")
        cursor.execute("INSERT INTO bench_marker VALUES (%s)", [args["marker"]])
    return {
        "people": n_people,
        "decisions": n_decisions,
        "load_seconds": time.perf_counter() - began,
    }


def _replicate(copies: int, loaded: int) -> int:
    """Copy every detention decision ``copies - 1`` times with new keys (same people, dates and
    outcomes), so each group's counts are exactly ``copies`` times the loaded ones (checked)."""
    columns = (
        "requested_at, grounds, decision, rejection_reason, decision_note, decided_at, "
        "decided_by_id, person_id, requested_by_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO casework_detentionrequest ({columns}) "  # noqa: S608 - fixed names
            f"SELECT {columns} FROM casework_detentionrequest, generate_series(2, %s)",
            [copies],
        )
        cursor.execute(
            "SELECT count(*) FROM (SELECT person_id, decision, decided_at, count(*) AS n"
            " FROM casework_detentionrequest GROUP BY 1, 2, 3) g WHERE n %% %s <> 0",
            [copies],
        )
        assert cursor.fetchone()[0] == 0, "every decision is copied the same number of times"
        cursor.execute("SELECT count(*) FROM casework_detentionrequest")
        total = cursor.fetchone()[0]
    assert total == loaded * copies, (total, loaded, copies)
    return total


# The same rows the page reads, exported for DuckDB (not timed): each decision with its person's
# team, first nationality and ethnicity.
EXPORT = """
SELECT d.id, d.decision = 'accepted' AS outcome, d.decided_at, p.owning_team_id AS team_id,
       (SELECT n.country FROM people_personnationality n WHERE n.person_id = p.id ORDER BY n.id
        LIMIT 1) AS nationality,
       pc.ethnicity
FROM casework_detentionrequest d JOIN people_person p ON p.id = d.person_id
LEFT JOIN people_protectedcharacteristics pc ON pc.person_id = p.id
WHERE d.decision <> 'pending'
"""
# Per group: decisions and outcomes, in the period; the reference group's rate and each group's
# Katz interval in the same statement (what the page computes).
DUCK = """
WITH g AS (
  SELECT coalesce({col}, '') AS grp, count(*) AS n, sum(CASE WHEN outcome THEN 1 ELSE 0 END) AS a
  FROM decisions WHERE decided_at >= $s AND decided_at < $e GROUP BY 1
), ref AS (SELECT n AS n0, a AS c FROM g WHERE grp <> '' AND n >= 11 ORDER BY n DESC LIMIT 1)
SELECT grp, n, a, (a::DOUBLE / n) / (c::DOUBLE / n0) AS rr,
       exp(ln((a::DOUBLE / n) / (c::DOUBLE / n0))
           - 1.96 * sqrt(1.0 / a - 1.0 / n + 1.0 / c - 1.0 / n0)) AS lo,
       exp(ln((a::DOUBLE / n) / (c::DOUBLE / n0))
           + 1.96 * sqrt(1.0 / a - 1.0 / n + 1.0 / c - 1.0 / n0)) AS hi
FROM g, ref WHERE n >= 11 AND a > 0
"""


def part_fairness(args: dict) -> dict:
    import duckdb
    import psycopg
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User
    from waymark.core.read_models import read_model_refresh
    from waymark.oversight.selectors.fairness import READ_MODEL, period_for

    call_command("migrate", verbosity=0, interactive=False)  # a database loaded by older code
    n = 5 if args.get("quick") else 50  # a p95 of 15 samples was their largest: noise
    result: dict = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]), clock.frozen(ANCHOR):
        # The page reads the read model oversight.fairness (rebuilt when a minute old): one
        # rebuild timed here, then the page's GETs within the minute, as the EM and casework rows.
        began = time.perf_counter()
        state = read_model_refresh(READ_MODEL)
        result["rebuild_s"] = time.perf_counter() - began
        result["rebuild_rows"] = state.rows if state else 0
        print(
            f"  read model rebuilt in {result['rebuild_s']:.2f} s ({result['rebuild_rows']} rows)",
            flush=True,
        )
        client = Client()
        client.force_login(User.objects.get(username="bench-analyst"))
        for dimension in ("nationality", "ethnicity"):
            url = f"/oversight/fairness/?point={POINT}&dimension={dimension}&months={MONTHS}"
            result[f"page_{dimension}_p95_ms"] = (
                p95(harness.timed_gets(client, url, n, warm=2)) * 1000
            )
        start, end = period_for(MONTHS, today=ANCHOR.date())
    s = connection.settings_dict
    dsn = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} user={s['USER'] or 'postgres'}"
    if s.get("PASSWORD"):
        dsn += f" password={s['PASSWORD']}"
    buffer = io.BytesIO()
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY ({EXPORT}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for data in copy:
                buffer.write(data)
        result["decisions"] = cursor.execute(
            "SELECT count(*) FROM casework_detentionrequest"
        ).fetchone()[0]
    path = Path("/tmp/waymark-bench-oversight-decisions.csv")  # noqa: S108 - bench scratch file
    path.write_bytes(buffer.getvalue())
    duck = duckdb.connect()
    duck.execute(
        f"CREATE TABLE decisions AS SELECT * FROM read_csv('{path}', header=true, "  # noqa: S608
        "types={'nationality': 'VARCHAR', 'ethnicity': 'VARCHAR'})"
    )
    low = datetime.combine(start, datetime.min.time(), tzinfo=clock.LONDON).isoformat()
    high = datetime.combine(
        end + timedelta(days=1), datetime.min.time(), tzinfo=clock.LONDON
    ).isoformat()
    for dimension in ("nationality", "ethnicity"):
        statement = (
            DUCK.format(col=dimension)
            .replace("$s", f"TIMESTAMPTZ '{low}'")
            .replace("$e", f"TIMESTAMPTZ '{high}'")
        )
        times = []
        for _ in range(n):
            began = time.perf_counter()
            duck.execute(statement).fetchall()
            times.append(time.perf_counter() - began)
        result[f"duckdb_{dimension}_p95_ms"] = p95(times) * 1000
        print(
            f"  {dimension}: page p95 {result[f'page_{dimension}_p95_ms']:.0f} ms; DuckDB p50 "
            f"{statistics.median(times) * 1000:.1f} ms",
            flush=True,
        )
    return result


# --- the data-quality dashboard (issue 20 item 4) -------------------------------------------------
# x1: a year of daily measurements of every registered rule, for every team and for each of 25
# teams (the dashboard reads the every-team rows: each rule's latest and its last 12); x10 and
# x100 scale the teams (an assumption: the seeds give no count of teams measured).
DQ_TEAMS_X1 = 25
DQ_DAYS = 365


def part_load_dq(args: dict) -> dict:
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync
    from waymark.core.data_quality import data_quality_rules
    from waymark.testing import user_make

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    roles_sync()
    scale = float(args["scale"])
    n_teams = max(2, round(DQ_TEAMS_X1 * scale))
    teams = Team.objects.bulk_create(
        [Team(slug=f"bench-dq-{i}", name=f"Data-quality team {i}") for i in range(n_teams)]
    )
    user_make("performance_analyst", teams[0], username="bench-analyst")
    rng = random.Random(4)
    rules_ = data_quality_rules()
    first = ANCHOR.date() - timedelta(days=DQ_DAYS - 1)
    at = ANCHOR.isoformat()
    rows = 0
    with connection.cursor() as cursor:
        copy_sql = (
            "COPY oversight_dataqualityscore (rule_key, module, dimension, measured_on, "
            "measured_at, team_id, checked, failing, score, state) FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for rule in rules_:
                for d in range(DQ_DAYS):
                    day = first + timedelta(days=d)
                    total_checked = total_failing = 0
                    for team in [*teams, None]:
                        if team is None:
                            checked, failing = total_checked, total_failing
                        else:
                            checked = rng.randrange(50, 500)
                            failing = rng.randrange(0, max(1, checked // 20))
                            total_checked += checked
                            total_failing += failing
                        score = 100.0 * (checked - failing) / checked
                        state = "pass" if score >= 99 else "warn" if score >= 95 else "fail"
                        copy.write_row(
                            (
                                rule.key,
                                rule.module,
                                rule.dimension,
                                day,
                                at,
                                None if team is None else team.pk,
                                checked,
                                failing,
                                score,
                                state,
                            )
                        )
                        rows += 1
        cursor.execute("ANALYZE oversight_dataqualityscore")
        cursor.execute("CREATE TABLE bench_marker (value text)")
        cursor.execute("INSERT INTO bench_marker VALUES (%s)", [args["marker"]])
    return {
        "rules": len(rules_),
        "teams": n_teams,
        "scores": rows,
        "load_seconds": time.perf_counter() - began,
    }


# Each rule's latest every-team score and its last 12 (what the dashboard shows).
DQ_EXPORT = "SELECT rule_key, measured_on, team_id, checked, failing, score, state FROM oversight_dataqualityscore"
DQ_DUCK = """
SELECT rule_key, measured_on, checked, failing, score, state FROM (
  SELECT *, row_number() OVER (PARTITION BY rule_key ORDER BY measured_on DESC) AS rn
  FROM scores WHERE team_id IS NULL
) WHERE rn <= 12 ORDER BY rule_key, measured_on
"""


def part_data_quality(args: dict) -> dict:
    import duckdb
    import psycopg
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    n = 5 if args.get("quick") else 15
    result: dict = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]), clock.frozen(ANCHOR):
        client = Client()
        client.force_login(User.objects.get(username="bench-analyst"))
        result["page_p95_ms"] = (
            p95(harness.timed_gets(client, "/oversight/data-quality/", n, warm=2)) * 1000
        )
    s = connection.settings_dict
    dsn = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} user={s['USER'] or 'postgres'}"
    if s.get("PASSWORD"):
        dsn += f" password={s['PASSWORD']}"
    path = Path("/tmp/waymark-bench-oversight-dq.csv")  # noqa: S108 - bench scratch file
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor, path.open("wb") as out:
        with cursor.copy(f"COPY ({DQ_EXPORT}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for data in copy:
                out.write(data)
        result["scores"] = cursor.execute(
            "SELECT count(*) FROM oversight_dataqualityscore"
        ).fetchone()[0]
    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE scores AS SELECT * FROM read_csv('{path}', header=true)")  # noqa: S608
    times = []
    for _ in range(n):
        began = time.perf_counter()
        duck.execute(DQ_DUCK).fetchall()
        times.append(time.perf_counter() - began)
    result["duckdb_p95_ms"] = p95(times) * 1000
    print(
        f"  dashboard p95 {result['page_p95_ms']:.0f} ms; DuckDB p50 "
        f"{statistics.median(times) * 1000:.1f} ms over {result['scores']:,} scores",
        flush=True,
    )
    return result


PARTS = {
    "load": part_load,
    "fairness": part_fairness,
    "load_dq": part_load_dq,
    "data_quality": part_data_quality,
}

if __name__ == "__main__":
    part, raw = sys.argv[1], json.loads(sys.argv[2])
    out = PARTS[part](raw)
    print("BENCH-RESULT " + json.dumps(out), flush=True)
