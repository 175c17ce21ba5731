"""Reference data the apps' data migrations write, put back for tests that need it.

A transactional test's flush empties every table, so the teams, queues, letters and guidance pages
that the data migrations write (``casework/0002``, ``monitoring/0002``, ``operations/0002``, ``guidance/0002``) are gone
for the transactional tests that follow. Tests used to import those migrations to write the rows
again. Instead, :func:`capture` copies the rows from the freshly migrated test database once per
session (the plugin calls it right after ``django_db_setup``), and :func:`casework`,
:func:`monitoring` and :func:`guidance` write back whichever are missing, matching existing rows as
the migrations' ``seed`` functions do (a team by slug or name, a queue by slug, a letter by key and
version, a page by slug). In an ordinary test every row is still there and nothing is written.

The rows are the migrations' own, read from the database: nothing here copies their content, and
no test imports a migration. (The apps should own this data in a plain module each, e.g.
``waymark/casework/reference_data.py``, that the migration's frozen copy and this helper both
follow; see the test-kit notes in issue 15.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class _Rows:
    model: str  # "app_label.ModelName"
    where: dict[str, Any]  # picks the migration's rows out of the freshly migrated database
    match: tuple[tuple[str, ...], ...]  # how an existing row is recognised, tried in turn


_SETS: dict[str, tuple[_Rows, ...]] = {
    # waymark/casework/migrations/0002_casework_queues.py
    "casework": (
        _Rows(
            "accounts.Team",
            {"slug__in": ["criminal-casework-liverpool", "criminal-casework-leeds", "removals"]},
            (("slug",), ("name",)),
        ),
        _Rows(
            "work.Queue",
            {"slug__in": ["casework-intake", "trace-and-locate", "removals-gatekeeping"]},
            (("slug",),),
        ),
    ),
    # waymark/work/migrations/0003_platform_queues.py: the records team's platform queues
    # (correspondence to match, replies, ownership to decide)
    "platform": (
        _Rows("accounts.Team", {"slug": "records"}, (("slug",), ("name",))),
        _Rows(
            "work.Queue",
            {
                "slug__in": [
                    "correspondence",
                    "correspondence-match-needed",
                    "ownership-to-decide",
                ]
            },
            (("slug",),),
        ),
    ),
    # waymark/monitoring/migrations/0002_em_hub_queues_and_letters.py
    "monitoring": (
        _Rows("accounts.Team", {"slug": "em-hub"}, (("slug",), ("name",))),
        _Rows("work.Queue", {"slug__startswith": "em-hub-"}, (("slug",),)),
        _Rows(
            "documents.LetterTemplate",
            {"key__in": ["em-bail-204-warning", "em-final-warning"], "version": 1},
            (("key", "version"),),
        ),
    ),
    # waymark/operations/migrations/0002_h1_reference_data.py
    "operations": (
        _Rows("operations.Sector", {}, (("key",),)),
        _Rows("operations.PoliceForce", {}, (("code",),)),
        _Rows("accounts.Team", {"slug": "ice-central-london"}, (("slug",), ("name",))),
        _Rows("work.Queue", {"slug": "ops-authorisation"}, (("slug",),)),
        _Rows("operations.InterviewQuestion", {"predefined": True}, (("text", "predefined"),)),
    ),
    # waymark/guidance/migrations/0002_h4_operations_guidance.py
    "guidance": (
        _Rows("guidance.GuidancePage", {"module": "operations"}, (("slug",),)),
        _Rows(
            "guidance.GuidanceVersion", {"page__module": "operations"}, (("page_id", "version"),)
        ),
    ),
}

_captured: dict[str, dict[str, list[dict[str, Any]]]] = {}


def capture() -> None:
    """Copy the reference rows out of the freshly migrated test database (once per session)."""
    for name, sets in _SETS.items():
        _captured[name] = {
            rows.model: list(
                apps.get_model(rows.model).objects.filter(**rows.where).order_by("pk").values()
            )
            for rows in sets
        }


def restore(name: str) -> None:
    """Write back the reference rows of set ``name`` that are missing (idempotent)."""
    if name not in _captured or not all(_captured[name].values()):
        raise RuntimeError(
            f"No {name} reference data was captured from the test database at the start of the "
            "session: it is made by a data migration, so the database must be created with "
            "migrations (not --no-migrations, nor reused after a flush with --reuse-db)."
        )
    new_pk: dict[str, dict[Any, Any]] = {}
    for rows in _SETS[name]:
        model = apps.get_model(rows.model)
        label = model._meta.label
        pk_name = model._meta.pk.attname
        new_pk[label] = {}
        for captured in _captured[name][rows.model]:
            values = dict(captured)
            old = values.pop(pk_name)
            for field in model._meta.concrete_fields:
                target = field.related_model._meta.label if field.is_relation else None
                if target in new_pk and values[field.attname] is not None:
                    values[field.attname] = new_pk[target][values[field.attname]]
            row = None
            for keys in rows.match:
                row = model.objects.filter(**{key: values[key] for key in keys}).first()
                if row is not None:
                    break
            new_pk[label][old] = (row or model.objects.create(**values)).pk


def platform() -> None:
    """The platform's own queues and the records team that holds them (work migration 0003)."""
    restore("platform")


def casework() -> None:
    """Criminal casework's teams and queues (casework migration 0002)."""
    restore("casework")


def monitoring() -> None:
    """The EM Hub team, its queues and its two warning letters (monitoring migration 0002)."""
    restore("monitoring")


def operations() -> None:
    """Operations' sectors, police forces, the ICE team, its authorisation queue and the predefined
    interview questions (operations migration 0002)."""
    restore("operations")


def guidance() -> None:
    """The operations guidance pages at version 1, with their versions (guidance migration 0002)."""
    restore("guidance")
