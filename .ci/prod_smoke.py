"""Production smoke test: Waymark as an operator deploys it, fetched as a browser would.

With production settings (WAYMARK_ENV=production, a random SECRET_KEY, no DEBUG): collectstatic,
migrate a fresh database, check that ``demo_load`` refuses, seed one user (with an authenticator
app), one person and one task, start gunicorn on a loopback port, then fetch the sign-in page, sign
in with the password and the TOTP code, a person page, a queue page, a task page and the OpenAPI
schema, all with ``X-Forwarded-Proto: https`` as a TLS-terminating proxy sends. Any 5xx, a missing
security header or a person page reachable without the second factor fails.

On PostgreSQL it uses the two database roles of docs/deployment.md ("Database roles"): a fresh
owner role owns the database and runs the migrations (with WAYMARK_DB_APP_ROLE naming the other),
and everything else (the seed, the sequencer, gunicorn, audit_verify) connects as the
application's role, which must be refused UPDATE, DELETE, TRUNCATE and DROP of the audit table.

    .venv/bin/python .ci/prod_smoke.py            # a fresh PostgreSQL database on 127.0.0.1
    SMOKE_DATABASE=sqlite .venv/bin/python .ci/prod_smoke.py
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
PG = "postgres://postgres@127.0.0.1:5432"
FAILURES: list[str] = []


def step(message: str) -> None:
    print(f"--- {message}", flush=True)


def fail(message: str) -> None:
    print(f"FAIL: {message}", flush=True)
    FAILURES.append(message)


def run(args: list[str], env: dict, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)  # noqa: S603
    if check and result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
        raise SystemExit(f"FAIL: {' '.join(args[1:3])} exited {result.returncode}")
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(hex_key: str, at: float | None = None, step_seconds: int = 30, digits: int = 6) -> str:
    counter = int((at or time.time()) // step_seconds)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


class Browser:
    """HTTP over loopback as a browser behind a TLS proxy: keeps (secure) cookies, sends the
    proxy's X-Forwarded-Proto and the Origin that CSRF checks on HTTPS."""

    def __init__(self, port: int):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": self.host, "X-Forwarded-Proto": "https", "User-Agent": "waymark-prod-smoke",
                "Accept": "text/html,application/json"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent.update({"Content-Type": "application/x-www-form-urlencoded",
                         "Origin": f"https://{self.host}", "Referer": f"https://{self.host}{path}"})
        sent.update(headers or {})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        connection.close()
        if response.status >= 500:
            fail(f"{method} {path} answered {response.status}")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise SystemExit("FAIL: no CSRF token on the form")
        return match.group(1)


def expect(condition: bool, message: str) -> None:
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        FAILURES.append(message)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="waymark-prod-smoke-"))
    use_pg = os.environ.get("SMOKE_DATABASE", "postgres") == "postgres"
    token = secrets.token_hex(4)
    database = f"waymark_smoke_{token}"
    owner, app = f"waymark_smoke_owner_{token}", f"waymark_smoke_app_{token}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
        "WAYMARK_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "WAYMARK_VAR_DIR": str(work / "var"),
        "DATABASE_URL": (f"postgres://{app}@127.0.0.1:5432/{database}" if use_pg
                         else f"sqlite:///{work / 'waymark.sqlite3'}"),
        # The smoke run uploads nothing; a real deployment configures WAYMARK_CLAMD_SOCKET.
        "WAYMARK_ALLOW_UNSCANNED_UPLOADS": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The audit sequencer's signing key and checkpoint store, outside the database, as a
        # deployment configures them (docs/deployment.md); production refuses to seal without.
        "WAYMARK_AUDIT_SIGNING_KEY_FILE": str(work / "audit-signing-key.pem"),
        "WAYMARK_AUDIT_CHECKPOINT_DIR": str(work / "audit-checkpoints"),
    }
    server = None
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        (work / "audit-checkpoints").mkdir()
        (work / "audit-signing-key.pem").write_bytes(Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        owner_env = env
        if use_pg:
            step(f"create the roles {owner} (owner) and {app} (application), and the fresh "
                 f"database {database} owned by {owner}")
            for statement in (f'CREATE ROLE "{owner}" LOGIN', f'CREATE ROLE "{app}" LOGIN',
                              f'CREATE DATABASE "{database}" OWNER "{owner}"'):
                run(["psql", f"{PG}/postgres", "-q", "-c", statement], env)
            owner_env = {**env, "DATABASE_URL": f"postgres://{owner}@127.0.0.1:5432/{database}",
                         "WAYMARK_DB_APP_ROLE": app}
        step("collectstatic with production settings")
        run([PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        expect((work / "var/static/staticfiles.json").exists(), "the static manifest was written")
        step("migrate the fresh database" + (f" as {owner}" if use_pg else ""))
        run([PY, "manage.py", "migrate", "--noinput", "--verbosity", "0"], owner_env)
        if use_pg:
            step(f"the application's role {app} may append to the audit table, not change it")
            for statement in ("UPDATE core_auditevent SET verb = 'x'", "DELETE FROM core_auditevent",
                              "TRUNCATE core_auditevent", "DROP TABLE core_auditevent",
                              "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
                              "ALTER TABLE core_auditevent DETACH PARTITION core_auditevent_default"):
                refused = run(["psql", env["DATABASE_URL"], "-q", "-v", "ON_ERROR_STOP=1",
                               "-c", statement], env, check=False)
                expect(refused.returncode != 0 and ("permission denied" in refused.stderr
                                                    or "must be owner" in refused.stderr),
                       f"{app} is refused: {statement}")
        step("demo_load must refuse in production")
        refused = run([PY, "manage.py", "demo_load", "--scale", "0.01"], env, check=False)
        expect(refused.returncode != 0 and "never loaded in production" in refused.stderr,
               "demo_load refuses in production with a clear message")
        step("seed one user with an authenticator app, one person, one task")
        seeded = run([PY, "manage.py", "shell", "--verbosity", "0", "-c",
                      (ROOT / ".ci/prod_smoke_seed.py").read_text()], env)
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        step("the audit sequencer seals the seed's audit entries and publishes a signed checkpoint")
        run([PY, "manage.py", "audit_seal", "--once"], env)
        expect(any((work / "audit-checkpoints").rglob("*.json")), "a signed checkpoint was published")
        counts = run([PY, "manage.py", "shell", "--verbosity", "0", "-c",
                      "from waymark.people.models import Person; from waymark.accounts.models import User;"
                      "print(Person.objects.count(), User.objects.count())"], env).stdout.split()
        expect(counts == ["1", "1"], f"only the seeded person and user exist (demo_load wrote nothing): {counts}")

        port = free_port()
        step(f"gunicorn with production settings on 127.0.0.1:{port}")
        log = open(work / "gunicorn.log", "w")  # noqa: SIM115 (gunicorn writes it until the end)
        command = [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", "2", "--timeout", "60", "--access-logfile", "-"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603
                                  stderr=subprocess.STDOUT, start_new_session=True)
        browser = Browser(port)
        for _ in range(120):
            try:
                status, _, _ = browser.request("GET", "/health/", headers={"Accept": "application/json"})
                if status < 500:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("FAIL: gunicorn did not answer within 60 s")

        status, headers, html = browser.request("GET", "/accounts/sign-in/")
        expect(status == 200, f"the sign-in page answers 200 ({status})")
        expect("max-age=31536000" in headers.get("strict-transport-security", ""), "HSTS is sent")
        expect("content-security-policy" in headers, "a Content-Security-Policy is sent")
        css = re.search(r'href="(/static/waymark/application\.[0-9a-f]+\.css)"', html)
        expect(css is not None, "the page links the hashed stylesheet")
        if css:
            status, headers, body = browser.request("GET", css.group(1))
            expect(status == 200 and "text/css" in headers.get("content-type", "") and len(body) > 10_000,
                   f"the stylesheet is served ({len(body):,} characters)")
        status, headers, _ = browser.request("GET", "/accounts/sign-in/",
                                             headers={"X-Forwarded-Proto": "http"})
        expect(status == 301 and headers.get("location", "").startswith("https://"),
               "plain HTTP is redirected to HTTPS")

        status, headers, _ = browser.request("POST", "/accounts/sign-in/", {
            "csrfmiddlewaretoken": browser.csrf(html), "username": seed["username"],
            "password": seed["password"]})
        expect(status == 302 and "/accounts/verify/" in headers.get("location", ""),
               "the password alone leads to the security code step")
        status, headers, _ = browser.request("GET", f"/people/{seed['person']}/")
        expect(status == 302 and "/accounts/sign-in/" in headers.get("location", ""),
               "without the code the person page is not served")
        status, headers, _ = browser.request("GET", "/django-admin/")
        expect(status == 302, "without the code the admin is not served")
        status, headers, html = browser.request("GET", "/accounts/verify/")
        status, headers, _ = browser.request("POST", "/accounts/verify/", {
            "csrfmiddlewaretoken": browser.csrf(html), "code": totp(seed["totp_key"])})
        expect(status == 302, f"the security code completes sign-in ({status})")

        for label, path, marker in [
            ("a signed-in person page", f"/people/{seed['person']}/", "Smoketest"),
            ("a queue page", f"/work/queues/{seed['queue']}/", "Smoke test follow up"),
            ("a task page", f"/work/tasks/{seed['task']}/", "Smoke test follow up"),
            ("my work", "/", ""),
            ("the admin", "/django-admin/", ""),
        ]:
            status, headers, html = browser.request("GET", path)
            expect(status == 200 and marker.lower() in html.lower(), f"{label} answers 200 ({path}: {status})")
            if path.startswith(("/people/", "/work/tasks/")):
                expect("no-store" in headers.get("cache-control", ""), f"{label} is not cached")
        status, headers, body = browser.request("GET", "/api/v1/schema/", headers={"Accept": "*/*"})
        expect(status == 200 and "openapi" in body[:200], f"/api/v1/schema/ answers 200 ({status})")
        status, headers, body = browser.request("GET", "/api/v1/persons/",
                                                headers={"Accept": "application/json"})
        expect(status in (200, 401, 403), f"/api/v1/persons/ answers without a server error ({status})")

        if use_pg:
            sessions = run(["psql", f"{PG}/postgres", "-Atc",
                            "SELECT usename, count(*) FROM pg_stat_activity WHERE datname = "
                            f"'{database}' GROUP BY usename ORDER BY usename"], env).stdout.split()
            expect(sessions and all(line.startswith(f"{app}|") for line in sessions),
                   f"gunicorn connects as {app} only ({sessions})")

        step("the audit trail of everything above seals and verifies against its checkpoints")
        run([PY, "manage.py", "audit_seal", "--once"], env)
        verified = run([PY, "manage.py", "audit_verify"], env, check=False)
        expect(verified.returncode == 0, f"audit_verify passes ({verified.stdout.strip()[-300:]})")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            output = (work / "gunicorn.log").read_text()
            if FAILURES:
                print("--- gunicorn log (tail)\n" + output[-4000:])
        if use_pg:
            for statement in (f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                              f'DROP ROLE IF EXISTS "{app}"', f'DROP ROLE IF EXISTS "{owner}"'):
                run(["psql", f"{PG}/postgres", "-q", "-c", statement], env, check=False)
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"\nProduction smoke: {len(FAILURES)} failure(s)")
        return 1
    print("\nProduction smoke: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
