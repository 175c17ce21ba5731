"""One quality-assurance benchmark part in its own Django process (called by bench/oversight_qa.py).

The work drawn from is a bench table (``bench_qa_work``: id, module, worker, team, date) holding
x<scale> of a month's decisions across four modules' kinds, each registered as a work kind through
``waymark.core.assurance`` exactly as the modules register theirs (a population function reading
one table). Waymark's draw is the whole service: population read, seeded ranking per stratum,
the monthly cap, the record (population ids, hash, strata), the sampled items, their review tasks
and the audit entry. The baseline draws the same number of ids per kind with bare SQL
(``ORDER BY random() LIMIT n``), recording nothing."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from waymark.core import assurance, clock  # noqa: E402

ANCHOR = datetime.fromisoformat("2026-11-20T09:00:00+00:00")
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
# A month's decisions at x1 across the modules' kinds (of the order the demo makes).
MONTHLY_X1 = {
    "monitoring.em_review_decision": 900,
    "monitoring.breach_decision": 700,
    "casework.case_note": 1200,
    "nrm.decision": 210,
}
RATE_PERCENT = "10"
WORKERS = 60


def _population(module_kind: str):
    def population(start: date, end: date) -> list[assurance.WorkItem]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, worker_id, team_id, done_on FROM bench_qa_work "
                "WHERE kind = %s AND done_on BETWEEN %s AND %s",
                [module_kind, start, end],
            )
            return [
                assurance.WorkItem(id=i, worker_id=w, team_id=t, on=d, url=f"/work/{i}/")
                for i, w, t, d in cursor.fetchall()
            ]

    return population


def _register() -> None:
    for key in MONTHLY_X1:
        assurance._KINDS[key] = assurance.WorkKind(key, key, key.split(".")[0], _population(key))


def part_load(args: dict) -> dict:
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync
    from waymark.testing import user_make

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    roles_sync()
    team, _ = Team.objects.get_or_create(slug="bench-qa", defaults={"name": "Bench QA"})
    workers = [
        user_make("em_caseworker", team, username=f"bench-worker-{n}") for n in range(WORKERS)
    ]
    user_make("assurance", team, username="bench-assurance")
    rng = random.Random(20)
    rows = []
    days = (MONTH[1] - MONTH[0]).days + 1
    for kind, per_month in MONTHLY_X1.items():
        for _ in range(round(per_month * args["scale"])):
            rows.append(
                (
                    kind,
                    rng.choice(workers).pk,
                    team.pk,
                    MONTH[0] + timedelta(days=rng.randrange(days)),
                )
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_qa_work (id bigserial PRIMARY KEY, kind text, worker_id int, "
            "team_id int, done_on date)"
        )
        cursor.executemany(
            "INSERT INTO bench_qa_work (kind, worker_id, team_id, done_on) VALUES (%s,%s,%s,%s)",
            rows,
        )
        cursor.execute("CREATE INDEX ON bench_qa_work (kind, done_on)")
        cursor.execute("ANALYZE bench_qa_work")
        cursor.execute("CREATE TABLE bench_marker (value text)")
        cursor.execute("INSERT INTO bench_marker VALUES (%s)", [args["marker"]])
    return {"work": len(rows), "load_seconds": time.perf_counter() - began}


def part_draw(args: dict) -> dict:
    from waymark.accounts.models import User
    from waymark.oversight.services import qa as services

    _register()
    actor = User.objects.get(username="bench-assurance")
    repeats = 3 if args.get("quick") else 7
    waymark_times, bare_times, sizes = [], [], {}
    with clock.frozen(ANCHOR):
        for _ in range(repeats):
            with transaction.atomic():
                rules_ = [
                    services.rule_create(
                        actor=actor,
                        name=key,
                        kind_key=key,
                        method="random",
                        rate_percent=RATE_PERCENT,
                        monthly_cap=10_000,
                    )
                    for key in MONTHLY_X1
                ]
                began = time.perf_counter()
                for rule in rules_:
                    draw = services.sample_draw(
                        actor=actor, rule=rule, period_start=MONTH[0], period_end=MONTH[1]
                    )
                    sizes[rule.kind_key] = len(draw.drawn)
                waymark_times.append(time.perf_counter() - began)
                transaction.set_rollback(True)
            began = time.perf_counter()
            with connection.cursor() as cursor:
                for key, size in sizes.items():
                    cursor.execute(
                        "SELECT id FROM bench_qa_work WHERE kind = %s AND done_on BETWEEN %s AND %s "
                        "ORDER BY random() LIMIT %s",
                        [key, MONTH[0], MONTH[1], size],
                    )
                    cursor.fetchall()
            bare_times.append(time.perf_counter() - began)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_qa_work")
        work = cursor.fetchone()[0]
    return {
        "work": work,
        "drawn": sum(sizes.values()),
        "waymark_ms": statistics.median(waymark_times) * 1000,
        "bare_ms": statistics.median(bare_times) * 1000,
    }


PARTS = {"load": part_load, "draw": part_draw}

if __name__ == "__main__":
    part, raw = sys.argv[1], json.loads(sys.argv[2])
    out = PARTS[part](raw)
    print("BENCH-RESULT " + json.dumps(out), flush=True)
