"""What the module benchmarks (em.py, casework.py, operations.py) share: a PostgreSQL database per
module and scale, loaded once and marked, and each part run in its own process so one part's
caches and imports cannot flatter the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def db_url(module: str, suffix: str) -> str:
    """``<DATABASE_URL name or waymark_bench>_<module>_<suffix>`` on the same server."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = "postgres://postgres@127.0.0.1:5432/waymark_bench"
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "waymark_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{module}_{suffix}"))


def db_prepare(url: str, marker: str) -> bool:
    """Create the database if missing or holding other data; True if it is ready (loaded)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            with psycopg.connect(url) as conn:
                try:
                    row = conn.execute("SELECT value FROM bench_marker").fetchone()
                except psycopg.errors.UndefinedTable:
                    row = None
            if row and row[0] == marker:
                return True
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return False


def run_part(script: str, part: str, url: str, args, **extra) -> dict:
    """Run ``bench/<script> <part> <json args>`` against ``url``; its ``BENCH-RESULT`` line is the result."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AXES_ENABLED": "false",
        "WAYMARK_ENV": "development",
    }
    cmd = [sys.executable, str(ROOT / "bench" / script), part, json.dumps({**vars(args), **extra})]
    print(f"\n== {part} ({url.rsplit('/', 1)[-1]})", flush=True)
    result = None
    with subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:  # noqa: S603
        for line in proc.stdout:
            if line.startswith("BENCH-RESULT "):
                result = json.loads(line.removeprefix("BENCH-RESULT "))
            else:
                print(line, end="", flush=True)
    if proc.returncode != 0 or result is None:
        return {"error": f"{part} failed (exit {proc.returncode})"}
    return result


def timed_gets(client, url: str, n: int, warm: int = 5) -> list[float]:
    """Seconds for each of ``n`` GETs of ``url`` after ``warm`` untimed ones; every answer must be 200."""
    for _ in range(warm):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    return times
