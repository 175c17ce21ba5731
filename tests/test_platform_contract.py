"""The platform contract, checked (docs/platform-contracts.md; decision 0013).

Import rules are enforced by import-linter (`make lint`, contracts in pyproject.toml). These tests
check what an import graph cannot see: that no app writes another app's tables, that every model
with a status has its state machine declared, that every audit verb is declared with its s62
category, that every module follows the template, and that the docs index what exists.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps

from waymark.core import workflows
from waymark.core.audit import declared_verbs

ROOT = Path(__file__).resolve().parent.parent
WAYMARK = ROOT / "waymark"
PLATFORM_APPS = [
    "core",
    "accounts",
    "people",
    "work",
    "documents",
    "correspondence",
    "guidance",
    "api",
]
MODULE_APPS = ["monitoring", "casework", "operations", "linkage", "nrm", "oversight"]
WRITES = {
    "create",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
}
# Demo loaders bulk-build fixture rows for every app in one pass (a national-scale demo in
# seconds); they are not services and run only on an empty, non-production database.
NOT_SERVICES = ("demo.py", "demo/", "migrations/", "tests/")
# Services modules allowed past the size limit, each with its reason. Empty: none is.
SIZE_LIMIT = 550
OVERSIZE_ALLOWED: dict[str, str] = {}


def _source_files(app: str):
    for path in sorted((WAYMARK / app).rglob("*.py")):
        rel = path.relative_to(WAYMARK).as_posix()
        if any(part in rel for part in NOT_SERVICES):
            continue
        yield path, rel


def _model_apps() -> dict[str, str]:
    """Model class name -> app label, for Waymark's own models (names are unique across apps)."""
    found: dict[str, str] = {}
    for model in apps.get_models():
        if model.__module__.startswith("waymark."):
            found[model.__name__] = model._meta.app_label
    return found


def _foreign_model_names(tree: ast.AST, app: str, owners: dict[str, str]):
    """Names bound in this file to another app's models, and aliases of other apps' models
    modules."""
    names: dict[str, str] = {}
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("waymark."):
            parts = node.module.split(".")
            other = parts[1]
            if other == app:
                continue
            if len(parts) == 3 and parts[2] == "models":
                for alias in node.names:
                    if owners.get(alias.name) == other:
                        names[alias.asname or alias.name] = other
            elif len(parts) == 2:
                for alias in node.names:
                    if alias.name == "models":
                        modules[alias.asname or alias.name] = other
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if (
                    len(parts) == 3
                    and parts[:1] == ["waymark"]
                    and parts[2] == "models"
                    and parts[1] != app
                    and alias.asname
                ):
                    modules[alias.asname] = parts[1]
    return names, modules


def _model_of(node: ast.AST, names: dict[str, str], modules: dict[str, str]) -> str | None:
    """If ``node`` is ``X`` or ``m.X`` naming another app's model, that model's name."""
    if isinstance(node, ast.Name) and node.id in names:
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and node.attr[:1].isupper()
    ):
        return f"{node.value.id}.{node.attr}"
    return None


def _cross_app_writes(app: str) -> list[str]:
    owners = _model_apps()
    offences = []
    for path, rel in _source_files(app):
        tree = ast.parse(path.read_text())
        names, modules = _foreign_model_names(tree, app, owners)
        if not names and not modules:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            # X(...): building a row of another app's model
            model = _model_of(func, names, modules)
            if model is not None:
                offences.append(f"{rel}:{node.lineno} builds {model}(...)")
                continue
            # X.objects....write(...)
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                base = func.value
                while isinstance(base, ast.Call | ast.Attribute):
                    if isinstance(base, ast.Attribute) and base.attr == "objects":
                        model = _model_of(base.value, names, modules)
                        if model is not None:
                            offences.append(f"{rel}:{node.lineno} {model}.objects...{func.attr}()")
                        break
                    base = base.func if isinstance(base, ast.Call) else base.value
    return offences


@pytest.mark.parametrize("app", PLATFORM_APPS + MODULE_APPS)
def test_no_app_writes_another_apps_tables(app):
    """Writes to another app's models go through that app's services (work.task_create,
    people.services...), never ``Model(...)``, ``.objects.create/update/delete/bulk_create``."""
    assert _cross_app_writes(app) == []


def test_the_cross_app_write_check_catches_a_write():
    """The scan above is not vacuous: it reports a module building a task row itself."""
    source = (
        "from waymark.work.models import Task, Queue\n"
        "def f(q):\n"
        "    Task(title='x', queue=q)\n"
        "    Queue.objects.get_or_create(slug='x')\n"
        "    Task.objects.filter(pk=1).update(status='done')\n"
    )
    tree = ast.parse(source)
    names, modules = _foreign_model_names(tree, "monitoring", _model_apps())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    hits = [
        n
        for n in calls
        if _model_of(n.func, names, modules)
        or (isinstance(n.func, ast.Attribute) and n.func.attr in WRITES)
    ]
    assert len(hits) == 3


def _import_workflows() -> None:
    for config in apps.get_app_configs():
        name = f"{config.name}.workflows"
        if config.name.startswith("waymark.") and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def test_every_model_with_a_status_has_a_transitions_table():
    _import_workflows()
    declared = workflows.registered()
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("waymark.")
        and any(f.name == "status" for f in model._meta.get_fields())
        and (model._meta.label_lower, "status") not in declared
    ]
    assert missing == [], f"Models with a status but no Workflow in workflows.py: {missing}"
    for (label, field), workflow in declared.items():
        assert workflow.transitions, f"{label}.{field} has an empty TRANSITIONS table"


def _literal_verbs() -> dict[str, str]:
    """Every verb written as a literal in a call's ``verb=`` keyword (or a ``"verb": ...`` dict
    entry), outside tests: verb -> where."""
    found: dict[str, str] = {}
    for path in sorted(WAYMARK.rglob("*.py")):
        rel = path.relative_to(WAYMARK).as_posix()
        if "/tests/" in rel or "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, ast.Call):
                values = [k.value for k in node.keywords if k.arg == "verb"]
            elif isinstance(node, ast.Dict):
                values = [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "verb"
                ]
            for value in values:
                # An f-string's fragments are not verbs: the verbs it builds are checked when recorded
                # (WAYMARK_AUDIT_VERBS_STRICT, below).
                fragments = {
                    id(part)
                    for joined in ast.walk(value)
                    if isinstance(joined, ast.JoinedStr)
                    for part in ast.walk(joined)
                }
                for const in ast.walk(value):
                    if id(const) in fragments:
                        continue
                    if (
                        isinstance(const, ast.Constant)
                        and isinstance(const.value, str)
                        and re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", const.value)
                    ):
                        found.setdefault(const.value, f"{rel}:{node.lineno}")
    return found


def test_every_audit_verb_in_the_code_is_declared_with_its_category():
    declared = declared_verbs()
    undeclared = {verb: where for verb, where in _literal_verbs().items() if verb not in declared}
    assert undeclared == {}, "Declare these in the app's registrations.AUDIT_VERBS"


def test_the_suite_refuses_an_undeclared_verb():
    """Under the suite (WAYMARK_AUDIT_VERBS_STRICT) recording an undeclared verb is an error, so
    verbs built at run time (f-strings) are checked too, by every test that records one."""
    from django.conf import settings

    from waymark.core.audit import verb_check
    from waymark.core.models import AuditAction

    assert settings.WAYMARK_AUDIT_VERBS_STRICT
    with pytest.raises(LookupError):
        verb_check("nobody.declared_this", AuditAction.ALTERATION)
    verb, category = next(iter(declared_verbs().items()))
    other = next(a for a in AuditAction.values if a != category)
    with pytest.raises(LookupError):
        verb_check(verb, other)


@pytest.mark.parametrize("app", MODULE_APPS)
def test_every_module_follows_the_template(app):
    base = WAYMARK / app
    expected = [
        "workflows.py",
        "rules.py",
        "permissions.py",
        "registrations.py",
        "README.md",
        "services/__init__.py",
        "selectors/__init__.py",
    ]
    assert [name for name in expected if not (base / name).exists()] == []
    # Models in one file, or a package split by sub-domain when one file would be too long.
    assert (base / "models.py").exists() or (base / "models" / "__init__.py").exists()
    assert not (base / "setup.py").exists(), "registrations.py replaces setup.py"
    assert not (base / "services.py").exists() and not (base / "selectors.py").exists()


@pytest.mark.parametrize("app", PLATFORM_APPS + MODULE_APPS)
def test_no_services_selectors_or_views_module_is_oversized(app):
    oversized = []
    for path in (WAYMARK / app).rglob("*.py"):
        rel = path.relative_to(WAYMARK).as_posix()
        kind = path.parent.name if path.parent.name != app else path.stem
        if kind not in {"services", "selectors", "views"} or rel in OVERSIZE_ALLOWED:
            continue
        lines = len(path.read_text().splitlines())
        if lines > SIZE_LIMIT:
            oversized.append(f"{rel}: {lines} lines")
    assert oversized == []


def test_no_registration_conflict_is_swallowed():
    """A second, different registration of the same name is an error at start-up: no wrapper
    may suppress it."""
    offences = []
    for path in sorted(WAYMARK.rglob("*.py")):
        rel = path.relative_to(WAYMARK).as_posix()
        if "/tests/" in rel:
            continue
        text = path.read_text()
        if "def _safely" in text or re.search(r"suppress\(ValueError\)[^\n]*\n\s+register", text):
            offences.append(rel)
    assert offences == []


WORK_PACKAGE_TAG = re.compile(r"(?<![A-Za-z0-9_/.-])H[1-4](?![0-9A-Za-z_])")


def test_no_work_package_tags_or_scaffolding_left_in_code():
    offences = []
    for path in sorted(WAYMARK.rglob("*.py")):
        rel = path.relative_to(WAYMARK).as_posix()
        if "/migrations/" in rel:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # In comments only: "XXX" is also a real code (ICAO 9303's unspecified nationality).
            if WORK_PACKAGE_TAG.search(line) or re.search(
                r"#.*(?<![\"'])\b(TODO|FIXME|XXX)\b(?![\"'])", line
            ):
                offences.append(f"{rel}:{number}: {line.strip()[:80]}")
    assert offences == []


def test_docs_index_every_module_and_every_decision():
    index = (ROOT / "docs" / "README.md").read_text()
    decisions = sorted(
        p.name for p in (ROOT / "docs" / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md")
    )
    assert [d for d in decisions if d not in index] == []
    assert [app for app in PLATFORM_APPS + MODULE_APPS if f"waymark/{app}/" not in index] == []
    readmes = [
        app for app in PLATFORM_APPS + MODULE_APPS if not (WAYMARK / app / "README.md").exists()
    ]
    assert readmes == []


def test_the_architecture_diagram_is_the_code_s_import_graph():
    """docs/architecture.md shows what `manage.py module_graph` prints: regenerate it with that
    command when an import between apps is added or removed."""
    from waymark.core.management.commands.module_graph import mermaid

    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"<!-- module-graph:start -->\n```mermaid\n(.*?)\n```", text, re.S)
    assert block, "docs/architecture.md has lost its module-graph block"
    assert block.group(1).strip() == mermaid().strip()


def test_no_module_imports_another_module():
    """The graph itself: no arrow between two modules, none from the platform to a module."""
    from waymark.core.management.commands.module_graph import PLATFORM, app_graph

    edges = app_graph()
    forbidden = [
        f"{source} -> {target}"
        for source, targets in edges.items()
        for target in targets
        if target in MODULE_APPS and (source in MODULE_APPS or source in PLATFORM)
    ]
    assert forbidden == []
