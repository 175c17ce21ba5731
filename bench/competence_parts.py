"""One competence-gate benchmark part in its own Django process (called by bench/competence.py)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from waymark.core import clock  # noqa: E402

ANCHOR = datetime.fromisoformat("2026-11-20T09:00:00+00:00")
GATED = "bench.gated"
SKILL = "bench_skill"
WAITING_X1 = 2000
OTHER_X1 = 20000


def _register():
    from waymark.work import registry

    registry.register_task_type(registry.TaskType(GATED, "Benchmark gated work", "bench", ""))
    registry.register_competence(registry.CompetenceKind(SKILL, "Benchmark skill"))
    registry.require_competence(GATED, SKILL)


def part_load(args: dict) -> dict:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (value text)")
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker VALUES (%s)", [args["marker"]])
    return {"loaded": True}


def _tasks_reset(queue, other_queue, scale: float) -> int:
    from waymark.work.models import Task, TaskStatus

    waiting = max(50, round(WAITING_X1 * scale))
    with transaction.atomic():
        Task.objects.all().delete()
        rows = [
            Task(
                task_type=GATED if n % 2 else "general.follow_up",
                queue=queue,
                title=f"Waiting {n}",
                status=TaskStatus.OPEN,
                priority=n % 7,
                due_at=ANCHOR + timedelta(hours=n % 300),
                created_at=ANCHOR,
            )
            for n in range(waiting)
        ]
        rows += [
            Task(
                task_type="general.follow_up",
                queue=other_queue,
                title=f"Other {n}",
                status=TaskStatus.OPEN,
                created_at=ANCHOR,
            )
            for n in range(round(OTHER_X1 * scale))
        ]
        Task.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Task._meta.db_table}")
    return waiting


def _presses(user, count: int) -> list[float]:
    from waymark.work.services import task_get_next

    times = []
    for _ in range(count):
        started = time.perf_counter()
        task = task_get_next(user=user)
        times.append(time.perf_counter() - started)
        if task is None:
            raise RuntimeError("the queue ran dry: the gate refused work the user holds")
    return times


def part_presses(args: dict) -> dict:
    from django.contrib.auth.models import Permission

    from waymark.accounts.models import Team, User
    from waymark.work import registry
    from waymark.work.models import Competence, Queue
    from waymark.work.services import competence_sign_off

    _register()
    scale = float(args["scale"])
    with clock.frozen(ANCHOR):
        team, _ = Team.objects.get_or_create(slug="bench-gate", defaults={"name": "Gate"})
        other_team, _ = Team.objects.get_or_create(slug="bench-other", defaults={"name": "Other"})
        queue, _ = Queue.objects.get_or_create(
            slug="bench-gate", defaults={"name": "G", "team": team}
        )
        other, _ = Queue.objects.get_or_create(
            slug="bench-other", defaults={"name": "O", "team": other_team}
        )
        user, _ = User.objects.get_or_create(
            username="bench-gated-worker", defaults={"grade": "EO"}
        )
        assessor, _ = User.objects.get_or_create(
            username="bench-assessor", defaults={"grade": "HEO"}
        )
        user.teams.add(team)
        user.user_permissions.add(Permission.objects.get(codename="take_tasks"))
        user = User.objects.get(pk=user.pk)
        Competence.objects.filter(holder=user).delete()
        for key in {SKILL, *registry.competence_requirements().values()}:
            competence_sign_off(
                actor=None,
                holder=user,
                assessor=assessor,
                competence_key=key,
                expires_on=clock.today() + timedelta(days=365),
            )
        gates = len(set(registry.competence_requirements().values()))
        required = dict(registry._REQUIRED)
        results = {}
        # alternate the two sides, so neither gains from a warmer cache
        for side in ("plain", "gated", "plain", "gated"):
            waiting = _tasks_reset(queue, other, scale)
            registry._REQUIRED.clear()
            if side == "gated":
                registry._REQUIRED.update(required)
            _presses(user, 20)  # warm: statement compiled, plan cached
            results.setdefault(side, []).extend(_presses(user, waiting - 20))
        registry._REQUIRED.update(required)
    return {
        "presses": len(results["gated"]),
        "gates": gates,
        "gated_ms": statistics.mean(results["gated"]) * 1000,
        "plain_ms": statistics.mean(results["plain"]) * 1000,
    }


PARTS = {"load": part_load, "presses": part_presses}

if __name__ == "__main__":
    part, raw = sys.argv[1], json.loads(sys.argv[2])
    out = PARTS[part](raw)
    print("BENCH-RESULT " + json.dumps(out), flush=True)
