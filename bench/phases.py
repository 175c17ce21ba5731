"""One benchmark phase: one engine, one scale, inside a configured Django process.

Called by bench/run.py in a subprocess; returns a JSON-able dict of measurements.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import random
import re
import statistics
import time
from collections import Counter
from datetime import datetime, timedelta

from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from waymark.accounts.models import Team, User
from waymark.core import context
from waymark.demo.generator import demo_load, role_group
from waymark.people.models import ExternalReference, Person, PersonNationality, TimelineEvent
from waymark.people.search import person_search
from waymark.work.models import Queue, Task, TaskStatus

GET_NEXT_WORKERS = 8
BARE_GET_NEXT_SQL = (
    "SELECT id FROM work_task WHERE status = 'open' AND assignee_id IS NULL AND queue_id = %s "
    "ORDER BY priority DESC, due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# ------------------------------------------------------------------------------------------
# Loading


def _marker_get(table: str) -> str | None:
    if table not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table}")  # noqa: S608 - constant table name
        row = cursor.fetchone()
    return row[0] if row else None


def ensure_loaded(*, scale, seed, anchor, marker, marker_table) -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    seconds = None
    if _marker_get(marker_table) != marker:
        if Person.objects.exists():
            raise RuntimeError(
                "The bench database holds other data: run.py recreates it; do not share it"
            )
        started = time.monotonic()
        demo_load(
            scale=scale,
            seed=seed,
            anchor=datetime.fromisoformat(anchor),
            progress=lambda m: print("  " + m, flush=True),
            correspondence=False,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {marker_table} (value varchar(100))")
            cursor.execute(f"DELETE FROM {marker_table}")  # noqa: S608
            cursor.execute(f"INSERT INTO {marker_table} (value) VALUES (%s)", [marker])  # noqa: S608
        seconds = time.monotonic() - started
    return {
        "people": Person.objects.count(),
        "events": TimelineEvent.objects.count(),
        "tasks": Task.objects.count(),
        "seconds": seconds,
    }


# ------------------------------------------------------------------------------------------
# Person search


def _typo(word: str) -> str:
    if len(word) < 5:
        return word
    i = len(word) // 2
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def search_cases(count: int) -> list[dict]:
    """Deterministic queries spread over the data: names, typos, reversed, reference, filters."""
    total = Person.objects.count()
    step = max(1, total // count)
    pks = list(Person.objects.order_by("pk").values_list("pk", flat=True)[::step][:count])
    cases = []
    for person in Person.objects.filter(pk__in=pks).order_by("pk"):
        ref = ExternalReference.objects.filter(person=person, reference_type="home_office").first()
        nationality = PersonNationality.objects.filter(person=person).first()
        first_given = person.given_names.split()[0]
        cases += [
            {"query": f"{person.given_names} {person.family_name}"},
            {"query": f"{first_given} {_typo(person.family_name)}"},
            {"query": person.family_name},
            {"query": f"{person.family_name.upper()}, {first_given}"},
            {"reference": ref.value if ref else person.reference},
            {
                "date_of_birth": person.date_of_birth,
                "nationality": nationality.country if nationality else "",
            },
        ]
    return cases


def bench_search(*, user, iterations: int, count: int) -> dict:
    cases = search_cases(count)
    for case in cases:  # warm caches (permissions on the user object, connection, plans)
        person_search(user=user, **case)
    timings, bare = [], []
    captured = []
    for case in cases:
        with CaptureQueriesContext(connection) as ctx:
            person_search(user=user, **case)
        captured.append([q["sql"] for q in ctx.captured_queries])
    with connection.cursor() as cursor:
        for _ in range(iterations):
            for case, statements in zip(cases, captured, strict=True):
                started = time.perf_counter()
                person_search(user=user, **case)
                timings.append(time.perf_counter() - started)
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                bare.append(time.perf_counter() - started)
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "bare_p50": statistics.median(bare),
        "bare_p95": percentile(bare, 0.95),
        "queries": len(cases),
        "samples": len(timings),
    }


# ------------------------------------------------------------------------------------------
# Pages


def _queue_url(queue: Queue) -> str | None:
    for name, args in (
        ("work:queue", [queue.slug]),
        ("work:queue", [queue.pk]),
        ("work:queue-detail", [queue.pk]),
        ("work:queue-detail", [queue.slug]),
    ):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


# The signed-in user as the authentication middleware reads them (the bare view reads them too):
# Django's read (SQLite), or on PostgreSQL ``accounts.backends``' one statement with the user's
# permissions and unread count. Until 2026-12-06 only Django's was recognised, so on PostgreSQL
# the bare view ran that statement twice (its own middleware's read and the replay), which made
# the baseline about 0.4 ms a request slower than the page's real SQL.
_USER_LOAD = re.compile(
    r'^SELECT "accounts_user"\..* WHERE "accounts_user"\."id" = \S+ LIMIT 21$'
    r'|^SELECT u\..* FROM "accounts_user" u WHERE u\."id" = \S+$',
    re.S,
)


def _replayed(sql: str) -> bool:
    """A statement of the page the bare view runs: every read (a SELECT, or a WITH that reads),
    except the session and the signed-in user, which the bare view reads itself. Before
    2026-12-05 the test was "starts with SELECT and not with SELECT "accounts_user"": a read
    written as a CTE (the queue page's task types) and the queue page's team members with their
    workload (a SELECT of users) were left out of the baseline and counted as the page's own cost."""
    text = sql.lstrip()
    head = text[:6].upper()
    if head.startswith("WITH"):
        upper = text.upper()
        return " INSERT " not in upper and " UPDATE " not in upper and " DELETE " not in upper
    if head != "SELECT":
        return False
    return "django_session" not in text and not _USER_LOAD.match(text)


def _kept_with_params(found: list, execute, sql, params, many, context):
    """An execute wrapper noting each statement with its parameters apart."""
    found.append((sql, params if isinstance(params, dict) else tuple(params or ())))
    return execute(sql, params, many, context)


def _page_bench(client: Client, urls: list[str], repeats: int) -> dict:
    import bench_urls

    for url in urls:  # warm
        response = client.get(url)
        if response.status_code != 200:
            return {"error": f"{url} answered {response.status_code}"}
    times, bare_times, prepared_times, query_counts = [], [], [], []
    prepared = connection.vendor == "postgresql"
    for url in urls:
        with_params: list[tuple[str, tuple]] = []
        with (
            CaptureQueriesContext(connection) as ctx,
            connection.execute_wrapper(functools.partial(_kept_with_params, with_params)),
        ):
            client.get(url)
        statements = [q["sql"] for q in ctx.captured_queries if _replayed(q["sql"])]
        # The same reads with their parameters: _replayed reads the text with them written in.
        separate = [
            pair
            for pair, q in zip(with_params, ctx.captured_queries, strict=True)
            if _replayed(q["sql"])
        ]
        query_counts.append(len(ctx.captured_queries))
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
            bench_urls.BARE_SQL[:] = statements
            started = time.perf_counter()
            response = client.get("/__bench__/bare/")
            bare_times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            if prepared:
                bench_urls.BARE_STATEMENTS[:] = separate
                started = time.perf_counter()
                response = client.get("/__bench__/bare-prepared/")
                prepared_times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
    result = {
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "bare_p50": statistics.median(bare_times),
        "bare_p95": percentile(bare_times, 0.95),
        "queries": max(query_counts),
        "samples": len(times),
    }
    if prepared_times:
        result["bare_prepared_p50"] = statistics.median(prepared_times)
        result["bare_prepared_p95"] = percentile(prepared_times, 0.95)
    return result


def bench_pages(*, user, repeats: int, count: int) -> tuple[dict, dict]:
    with override_settings(ROOT_URLCONF="bench_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        team_ids = list(user.teams.values_list("pk", flat=True))
        people = list(
            Person.objects.filter(owning_team_id__in=team_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        step = max(1, len(people) // count)
        person_urls = [reverse("people:detail", args=[pk]) for pk in people[::step][:count]]
        person = _page_bench(client, person_urls, repeats)
        queues = list(Queue.objects.filter(team_id__in=team_ids).order_by("pk"))
        queue_urls = [u for u in (_queue_url(q) for q in queues) if u]
        if not queue_urls:
            queue = {"error": "no queue page URL (work:queue) yet"}
        else:
            queue_urls = [u + suffix for u in queue_urls for suffix in ("", "?page=2")][
                : max(2, count // 2)
            ]
            queue = _page_bench(client, queue_urls, repeats)
    return person, queue


# ------------------------------------------------------------------------------------------
# get-next on PostgreSQL


def _bench_team_and_users() -> tuple[Queue, list[User]]:
    team, _ = Team.objects.get_or_create(
        slug="bench-get-next", defaults={"name": "Benchmark: get next"}
    )
    queue, _ = Queue.objects.get_or_create(
        slug="bench-get-next", defaults={"name": "Benchmark: get next", "team": team}
    )
    group = role_group("case_owner")
    users = []
    for n in range(GET_NEXT_WORKERS):
        user, _ = User.objects.get_or_create(username=f"bench-worker-{n}", defaults={"grade": "EO"})
        user.groups.add(group)
        user.teams.add(team)
        users.append(user)
    return queue, users


def _tasks_reset(queue: Queue, count: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.fromisoformat("2026-11-20T09:00:00+00:00")
    with transaction.atomic():
        Task.objects.filter(queue=queue).delete()
        Task.objects.bulk_create(
            [
                Task(
                    task_type="bench.item",
                    queue=queue,
                    title=f"Benchmark task {n}",
                    status=TaskStatus.OPEN,
                    priority=rng.choice([0, 0, 0, 10, 50]),
                    due_at=now + timedelta(hours=rng.randint(1, 500)),
                    deadline_rule="bench",
                    created_at=now,
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
    # Statistics for the fresh rows, as autovacuum would gather for a real queue; without them the
    # planner guesses one row a queue and may sort the queue instead of reading the get-next index
    # (for either side of the comparison).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Task._meta.db_table}")


def _waymark_worker(user_id, barrier, results):
    from waymark.work.services import task_get_next

    user = User.objects.get(pk=user_id)
    ids, seen = [], set()
    barrier.wait()
    with context.acting("job"):
        while True:
            task = task_get_next(user=user)
            if task is None or task.pk in seen:
                break
            seen.add(task.pk)
            ids.append(task.pk)
    connections.close_all()
    results.put(ids)


def _bare_worker(user_id, queue_id, barrier, results):
    import psycopg

    ids = []
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        barrier.wait()
        while True:
            with conn.transaction():
                row = conn.execute(BARE_GET_NEXT_SQL, [queue_id]).fetchone()
                if row is None:
                    break
                conn.execute(
                    "UPDATE work_task SET assignee_id = %s, allocated_at = now() WHERE id = %s",
                    [user_id, row[0]],
                )
            ids.append(row[0])
    results.put(ids)


def _run_workers(target, args_for) -> tuple[list[list[int]], float]:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(GET_NEXT_WORKERS + 1)
    results = ctx.Queue()
    connections.close_all()
    procs = [
        ctx.Process(target=target, args=(*args_for(n), barrier, results))
        for n in range(GET_NEXT_WORKERS)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    collected = [results.get(timeout=1800) for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return collected, elapsed


def _doubles(collected: list[list[int]]) -> int:
    return sum(
        count - 1 for count in Counter(i for ids in collected for i in ids).values() if count > 1
    )


def bench_get_next(*, tasks: int, seed: int) -> dict:
    try:
        from waymark.work.services import task_get_next  # noqa: F401
    except ImportError:
        return {"error": "waymark.work.services.task_get_next not available"}
    queue, users = _bench_team_and_users()
    _tasks_reset(queue, tasks, seed)
    collected, elapsed = _run_workers(_waymark_worker, lambda n: (users[n].pk,))
    waymark_total = sum(len(ids) for ids in collected)
    waymark_doubles = _doubles(collected)
    left = Task.objects.filter(queue=queue, status=TaskStatus.OPEN, assignee__isnull=True).count()
    _tasks_reset(queue, tasks, seed)
    bare_collected, bare_elapsed = _run_workers(_bare_worker, lambda n: (users[n].pk, queue.pk))
    bare_total = sum(len(ids) for ids in bare_collected)
    Task.objects.filter(queue=queue).delete()
    return {
        "waymark_per_s": waymark_total / elapsed,
        "bare_per_s": bare_total / bare_elapsed,
        "waymark_doubles": waymark_doubles,
        "bare_doubles": _doubles(bare_collected),
        "waymark_allocated": waymark_total,
        "bare_allocated": bare_total,
        "left_unallocated": left,
        "tasks": tasks,
    }


# ------------------------------------------------------------------------------------------


def run(*, engine, scale, quick, iterations, get_next, seed, anchor, marker, marker_table) -> dict:
    result: dict = {"engine": engine, "scale": scale}
    result["load"] = ensure_loaded(
        scale=scale, seed=seed, anchor=anchor, marker=marker, marker_table=marker_table
    )
    print(
        f"  data: {result['load']['people']:,} people, {result['load']['events']:,} events",
        flush=True,
    )
    user = User.objects.get(username="case-owner")
    result["search"] = bench_search(user=user, iterations=iterations, count=4 if quick else 15)
    print(f"  search p50 {result['search']['p50'] * 1000:.1f} ms", flush=True)
    result["person_page"], result["queue_page"] = bench_pages(
        user=user, repeats=2 if quick else 5, count=4 if quick else 20
    )
    print("  pages measured", flush=True)
    if get_next and connection.vendor == "postgresql":
        result["get_next"] = bench_get_next(tasks=400 if quick else 4000, seed=seed)
        print("  get-next measured", flush=True)
    return result
