"""Waymark load test: gunicorn with production settings on loopback, driven by locust.

    .venv/bin/python bench/load.py [--steps 5,10,20,40,60,80,120,160] [--step-seconds 40] [--workers 2]

1. Copies the x1 bench database (``<DATABASE_URL name>_x1``, made by ``bench/run.py --scales 1``)
   to ``<name>_load`` so the run's writes never touch the bench data.
2. Prepares it with production settings: a confirmed authenticator app and a signed-in,
   second-factor-verified session for each user the test plays (caseworkers of three teams, EM
   caseworkers, case owners, field officers on deployed visits), a supplier client with a signing
   secret, and the people, queues, searches and visits each may use (``LOAD_PLAN``).
3. Starts gunicorn as production does (``WAYMARK_ENV=production``, ``--workers`` sync workers,
   behind ``X-Forwarded-Proto: https``) on a loopback port, and runs ``bench/locustfile.py``
   headless at each step of users until the p95 of all requests passes 300 ms.
4. Then the person page alone with 1 user and with 50 users.

Every step is bounded in time (``--step-seconds``) and in requests (``--max-requests``). Prints a
results table and writes bench/results/load-latest.md. The mix (per user, per minute):
caseworkers (6 of 8 users) open person pages 10, search 4, open a queue 3, take the next task 1;
field officers (1 of 8) record 3 entries and open 2 person pages; the supplier (1 of 8) sends one
breach event a second. These follow the seeds' shape: person views dominate (every piece of work
is about a person), breach events are the largest machine flow, field entries come in bursts
from the ~10 officers on each visit.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results" / "load-latest.md"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/waymark_bench"
P95_LIMIT_MS = 300
STATIC_VAR = ROOT / "var" / "load"

SETUP = r"""
import json, secrets, sys
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from waymark.accounts.models import User
from waymark.monitoring import rules as em_rules
from waymark.monitoring.models import Condition, ConditionStatus, SupplierClient
from waymark.operations.models import Visit, VisitOfficer
from waymark.people.models import Person
from waymark.people.selectors import person_visible_queryset
from waymark.work.selectors import queue_visible_queryset
from waymark.core import clock

def session_for(user):
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="Load test", defaults={"confirmed": True, "key": secrets.token_hex(20)})
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(b), "get_user"))
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    people = list(person_visible_queryset(user).order_by("?").values_list("pk", flat=True)[:300])
    queues = list(queue_visible_queryset(user).filter(team__in=user.teams.all(), is_active=True)
                  .values_list("slug", flat=True))
    visits = list(VisitOfficer.objects.filter(officer=user, visit__status="deployed")
                  .values_list("visit_id", flat=True))
    return {"user": user.username, "key": store.session_key, "people": people,
            "queues": queues, "visits": visits}

def users(prefixes):
    return list(User.objects.filter(is_active=True, is_machine=False).filter(
        username__regex=r"^(" + "|".join(prefixes) + r")").order_by("username"))

caseworkers = users(["caseworker-croydon", "caseworker-liverpool", "caseworker-leeds",
                     "caseworker-em-hub", "case-owner", "em-caseworker"])
officers = [u for u in users(["field-officer", "officer-in-charge", "ice-"])
            if VisitOfficer.objects.filter(officer=u, visit__status="deployed").exists()][:12]
sessions = {"caseworker": [s for s in map(session_for, caseworkers) if s["people"]],
            "field_officer": [s for s in map(session_for, officers) if s["people"]]}
people = list(Person.objects.order_by("?").values_list("family_name", "given_names",
                                                        "date_of_birth", "nationalities__country")[:200])
searches = []
for i, (family, given, born, country) in enumerate(people):
    first = (given.split() or [""])[0]
    searches.append(f"name={first}+{family}" if i % 3 else f"name={family}")
    if born and i % 4 == 0:
        searches.append(f"date_of_birth_0={born.day}&date_of_birth_1={born.month}"
                        f"&date_of_birth_2={born.year}&nationality={country or ''}")
machine = User.objects.filter(is_machine=True, username="supplier").first()
SupplierClient.objects.update_or_create(client_id="load", defaults={
    "label": "Load test supplier", "secret": SECRET, "machine_user": machine,
    "created_at": clock.now()})
em_people = list(Condition.objects.filter(status=ConditionStatus.ACTIVE)
                 .values_list("person__reference", flat=True)[:500])
print("LOAD-PLAN " + json.dumps({
    "sessions": sessions, "searches": searches,
    "session_cookie": settings.SESSION_COOKIE_NAME, "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "supplier": {"client_id": "load", "secret": SECRET, "people": em_people,
                 "breach_types": [t for t in em_rules.BREACH_TYPE_LABELS]},
}))
"""


def pg_url(suffix: str) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_PG
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "waymark_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def database_copy(source: str, target: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(source)._replace(path="/postgres"))
    src, dst = urlsplit(source).path.lstrip("/"), urlsplit(target).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [src]).fetchone():
            raise SystemExit(
                f"No database {src}: load it first with "
                "`DATABASE_URL=... .venv/bin/python bench/run.py --scales 1 --engines postgresql`"
            )
        conn.execute(f'DROP DATABASE IF EXISTS "{dst}" WITH (FORCE)')
        # The bench database is only read while it is copied (no other session may be in it).
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [src]
        )
        conn.execute(f'CREATE DATABASE "{dst}" TEMPLATE "{src}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database: str, work: Path) -> dict:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "WAYMARK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Kept between runs (var/ is not committed): collectstatic runs only when the CSS changed.
        "WAYMARK_VAR_DIR": str(STATIC_VAR),
        "DATABASE_URL": database,
        "WAYMARK_ALLOW_UNSCANNED_UPLOADS": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "WAYMARK_AUDIT_CHECKPOINT_DIR": str(work / "audit-checkpoints"),
        # The load test signs in with prepared sessions; a lock-out has nothing to count.
        "AXES_ENABLED": "false",
    }


def run_step(env: dict, plan: Path, port: int, users: int, seconds: int, args, mix: str) -> dict:
    prefix = Path(tempfile.mkdtemp(prefix="waymark-load-")) / "step"
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 2)),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    locust_env = {
        **os.environ,
        "LOAD_PLAN": str(plan),
        "LOAD_MIX": mix,
        "LOAD_MAX_REQUESTS": str(args.max_requests),
    }
    subprocess.run(  # noqa: S603
        command, env=locust_env, cwd=ROOT, capture_output=True, timeout=seconds + 60
    )
    rows = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):  # locust writes N/A when a name saw no request
        return 0.0


def figures(row: dict) -> dict:
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": _number(row["Requests/s"]),
        "p50": _number(row["50%"]),
        "p95": _number(row["95%"]),
    }


def wait_until_serving(port: int) -> None:
    """Until a worker answers (gunicorn binds the port before its workers have booted)."""
    import http.client

    for _ in range(240):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            # Not /health/: it reports the audit sealing lag, and no sequencer runs here.
            conn.request("GET", "/accounts/sign-in/", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within two minutes")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", default="5,10,20,40,60,80,120,160")
    parser.add_argument("--step-seconds", type=int, default=40)
    parser.add_argument(
        "--workers", type=int, default=5, help="gunicorn sync workers (docs: 2 x cores + 1)"
    )
    parser.add_argument("--max-requests", type=int, default=20000, help="per step")
    parser.add_argument("--compare-seconds", type=int, default=30)
    args = parser.parse_args()
    if not (ROOT / "waymark/core/static/waymark/application.css").exists():
        raise SystemExit("Compile the stylesheet first (`make css`): production pages link it")
    started = time.monotonic()
    source, target = pg_url("x1"), pg_url("load")
    work = Path(tempfile.mkdtemp(prefix="waymark-load-"))
    (work / "audit-checkpoints").mkdir()
    env = production_env(target, work)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (work / "audit-signing-key.pem").write_bytes(key)
    env["WAYMARK_AUDIT_SIGNING_KEY_FILE"] = str(work / "audit-signing-key.pem")
    print(
        f"{time.strftime('%H:%M:%S')} copy {source.rsplit('/', 1)[-1]} to {target.rsplit('/', 1)[-1]}",
        flush=True,
    )
    database_copy(source, target)
    subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    manifest = STATIC_VAR / "static" / "staticfiles.json"
    stylesheet = ROOT / "waymark/core/static/waymark/application.css"
    if not manifest.exists() or manifest.stat().st_mtime < stylesheet.stat().st_mtime:
        subprocess.run(  # noqa: S603
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
    supplier_secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    setup = subprocess.run(  # noqa: S603
        [
            str(BIN / "python"),
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            f"SECRET = {supplier_secret!r}\n" + SETUP,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [x for x in setup.stdout.splitlines() if x.startswith("LOAD-PLAN ")]
    if setup.returncode != 0 or not lines:
        print(setup.stdout[-2000:], setup.stderr[-3000:])
        return 1
    plan_data = json.loads(lines[-1].removeprefix("LOAD-PLAN "))
    plan_data["csrf"] = secrets.token_hex(
        16
    )  # a 32-character CSRF secret, sent as cookie and header
    plan = work / "plan.json"
    plan.write_text(json.dumps(plan_data))
    print(
        f"sessions: {len(plan_data['sessions']['caseworker'])} caseworkers, "
        f"{len(plan_data['sessions']['field_officer'])} field officers",
        flush=True,
    )
    port = free_port()
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    steps: list[dict] = []
    compare: dict[int, dict] = {}
    try:
        wait_until_serving(port)
        # Warm every worker (imports, templates, connections) before anything is measured.
        run_step(env, plan, port, args.workers * 2, 15, args, "mixed")
        for users in [int(x) for x in args.steps.split(",")]:
            rows = run_step(env, plan, port, users, args.step_seconds, args, "mixed")
            total = figures(rows["Aggregated"])
            per = {name: figures(row) for name, row in rows.items()}
            steps.append({"users": users, "total": total, "per": per})
            print(
                f"{users:>3} users: {total['rps']:.1f} req/s, p95 {total['p95']:.0f} ms, "
                f"{total['failures']} failures of {total['requests']}",
                flush=True,
            )
            if total["p95"] > P95_LIMIT_MS:
                break
        for users in (1, 50):
            rows = run_step(env, plan, port, users, args.compare_seconds, args, "person")
            compare[users] = figures(rows.get("person page", rows["Aggregated"]))
            print(f"person page, {users} users: p95 {compare[users]['p95']:.0f} ms", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    text = report(steps, compare, args, time.monotonic() - started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print("\n" + text)
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    return 0


def report(steps: list[dict], compare: dict, args, elapsed: float) -> str:
    passing = [s for s in steps if s["total"]["p95"] <= P95_LIMIT_MS]
    knee = passing[-1] if passing else None
    cores = os.cpu_count() or 1
    lines = [
        f"# Waymark load test ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"gunicorn, production settings, {args.workers} sync workers on a {cores}-core machine "
        f"shared with PostgreSQL and locust itself; x1 seed data; {args.step_seconds} s a step; "
        f"run took {elapsed / 60:.1f} min.",
        "",
        "| users | requests/s | p50 ms | p95 ms | failures | person page p95 | search p95 "
        "| queue page p95 | get next p95 | supplier event p95 | field entry p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = [
        "person page",
        "person search",
        "queue page",
        "get next",
        "supplier event",
        "field entry",
    ]
    for s in steps:
        t = s["total"]
        cells = [f"{s['per'][n]['p95']:.0f}" if n in s["per"] else "-" for n in names]
        lines.append(
            f"| {s['users']} | {t['rps']:.1f} | {t['p50']:.0f} | {t['p95']:.0f} | "
            f"{t['failures']} of {t['requests']} | " + " | ".join(cells) + " |"
        )
    lines.append("")
    if knee:
        lines.append(
            f"Knee (the last step with p95 ≤ {P95_LIMIT_MS} ms): {knee['users']} users, "
            f"{knee['total']['rps']:.1f} requests/s, {knee['total']['rps'] / cores:.1f} requests/s "
            f"per core ({cores} cores running app, database and load generator)."
        )
    else:
        lines.append(f"No step kept p95 ≤ {P95_LIMIT_MS} ms.")
    if compare:
        one, fifty = compare.get(1), compare.get(50)
        if one and fifty:
            lines.append(
                f"Person page alone: p95 {one['p95']:.0f} ms with 1 user, {fifty['p95']:.0f} ms "
                f"with 50 users ({fifty['rps']:.1f} requests/s; failures {fifty['failures']})."
            )
    failures = {
        name: fig["failures"]
        for s in steps
        for name, fig in s["per"].items()
        if fig["failures"] and name != "Aggregated"
    }
    lines.append(f"Failures by request: {failures or 'none'}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
