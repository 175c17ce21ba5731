"""Cross-cutting checks that keep the platform honest as modules are added."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
# URL prefixes served by third-party code with its own access control.
THIRD_PARTY_PREFIXES = ("django-admin/", "health/")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _declared(callback) -> tuple[str, ...] | None:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    for candidate in (callback, view_class):
        if candidate is not None and getattr(candidate, "waymark_permissions", None):
            return candidate.waymark_permissions
    if view_class is not None and hasattr(view_class, "permission_classes"):
        return ("drf",)  # API views declare permission_classes; checked by the API tests
    return None


def test_every_page_url_declares_its_permission():
    missing = [
        route
        for route, callback in _walk(get_resolver().url_patterns)
        if not route.startswith(THIRD_PARTY_PREFIXES) and _declared(callback) is None
    ]
    assert missing == [], f"Views without requires()/signed_in/public: {missing}"


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


PLATFORM_APPS = {"core", "accounts", "people", "work", "correspondence", "documents", "api", "demo"}


def _own_app(path: Path) -> str:
    return path.relative_to(ROOT / "waymark").parts[0]


def test_module_apps_use_other_apps_only_through_services_and_selectors():
    """A module app (monitoring, casework, ...) must not import another module's models."""
    offences = []
    for path in (ROOT / "waymark").rglob("*.py"):
        app = _own_app(path)
        if app in PLATFORM_APPS or "migrations" in path.parts or "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("waymark.")
            ):
                parts = node.module.split(".")
                if (
                    len(parts) >= 3
                    and parts[1] != app
                    and parts[1] not in {"core", "accounts"}
                    and parts[2] == "models"
                    and parts[1] not in PLATFORM_APPS
                ):
                    offences.append(f"{path.relative_to(ROOT)} imports {node.module}")
    assert offences == []


def test_migrations_do_not_import_app_code():
    offences = []
    for path in (ROOT / "waymark").rglob("migrations/*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            module = getattr(node, "module", None) if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in [module or "", *names]:
                if name.startswith("waymark.") and not name.startswith("waymark.core.calendars"):
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []
