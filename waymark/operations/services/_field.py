"""Helpers for the field services: reading a loosely typed ``data`` dict (JSON from a phone or a
form's cleaned data), the officer's assignment, and the entry's time and place."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from waymark.core import clock
from waymark.operations import permissions as perms
from waymark.operations import rules
from waymark.operations.models import (
    FieldEntry,
    Visit,
    VisitOfficer,
)

MODULE = "operations"


RECORD = perms.RECORD


COMMAND = perms.COMMAND


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _text(data: dict, key: str, *, limit: int = 2000) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValidationError({key: "Enter text"})
    return str(value).strip()[:limit]


def _bool(data: dict, key: str) -> bool | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "on", "yes", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "off", "no", "0"):
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValidationError({key: "Choose yes or no"})


def _int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({key: "Enter a whole number"})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({key: "Enter a whole number"}) from None
    if number < 0 or number > 2**31 - 1:
        raise ValidationError({key: "Enter a whole number of 0 or more"})
    return number


def _choice(data: dict, key: str, choices: dict[str, str], message: str) -> str:
    value = _text(data, key, limit=40)
    if value and value not in choices:
        raise ValidationError({key: message})
    return value


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValidationError({key: "Send a list"})
    return value


def _date(data: dict, key: str) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({key: "Enter a real date (YYYY-MM-DD)"}) from None


def _canonical(data: Any) -> Any:
    """The entry's content as JSON (how it is stored and how a replay is compared)."""
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


NOT_ASSIGNED = "Only officers assigned to this visit may record entries on it"


def _may_record(actor) -> None:
    if actor is None or not actor.has_perm(RECORD):
        raise PermissionDenied("Your role does not allow you to record field entries")


def _assignment(*, actor, visit: Visit) -> VisitOfficer:
    _may_record(actor)
    assignment = VisitOfficer.objects.filter(visit=visit, officer=actor).first()
    if assignment is None:
        raise PermissionDenied(NOT_ASSIGNED)
    return assignment


def _assignment_locked(*, actor, visit: Visit) -> VisitOfficer:
    """The officer's assignment to the visit, locked for this transaction, with the visit and its
    premises read fresh in the same statement."""
    if connection.vendor != "postgresql" or getattr(actor, "pk", None) is None:
        assignment = (
            VisitOfficer.objects.select_for_update(of=("self",))
            .select_related("visit__premises")
            .filter(visit_id=visit.pk, officer=actor)
            .first()
        )
    else:
        # One statement written once: the ORM compiled this locking read for every entry sent.
        from waymark.core import row_models
        from waymark.core.kept_cursors import fetch_one

        read = row_models.joined(VisitOfficer, _ASSIGNMENT_RELATED)
        sql, sql_numbered = _assignment_locked_sql()
        row = fetch_one(
            connection, sql, (visit.pk, actor.pk), sql_numbered=sql_numbered, prepared=True
        )
        assignment = (
            None if row is None else cast(VisitOfficer, read.instance(row, connection.alias))
        )
    if assignment is None:
        raise PermissionDenied(NOT_ASSIGNED)
    return cast(VisitOfficer, assignment)


_ASSIGNMENT_RELATED = ("visit", "visit__premises")


@cache
def _assignment_locked_sql() -> tuple[str, str]:
    from waymark.core import row_models

    q = connection.ops.quote_name
    meta = VisitOfficer._meta
    return row_models.joined(VisitOfficer, _ASSIGNMENT_RELATED).statement(
        f"t.{q(meta.get_field('visit').column)} = %s "
        f"AND t.{q(meta.get_field('officer').column)} = %s",
        "FOR UPDATE OF t",
    )


def _check_time(*, visit: Visit, recorded_at: datetime) -> None:
    if not isinstance(recorded_at, datetime) or recorded_at.tzinfo is None:
        raise ValidationError(
            {"recorded_at": "Send the time the entry was made, with its time zone"}
        )
    now = clock.now()
    if recorded_at > now + rules.FIELD_CLOCK_TOLERANCE:
        raise ValidationError(
            {"recorded_at": "The entry's time is in the future: check the phone's clock"}
        )
    started = visit.deployed_at or visit.planned_start
    if recorded_at < started - rules.FIELD_BEFORE_DEPLOYMENT_MARGIN:
        raise ValidationError({"recorded_at": "The entry's time is before the visit was deployed"})
    if now - recorded_at > rules.OFFLINE_REPLAY_LIMIT:
        raise ValidationError(
            {
                "recorded_at": "The entry is too old to be accepted from the offline queue: "
                "record it in the debrief instead"
            }
        )


def _client_uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"client_uuid": "The entry's id must be a UUID"}) from None


def _location(latitude, longitude, accuracy_m) -> tuple[float | None, float | None, float | None]:
    def number(value, key):
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValidationError({key: "Send a number"}) from None

    lat, lon, acc = (
        number(latitude, "latitude"),
        number(longitude, "longitude"),
        number(accuracy_m, "accuracy_m"),
    )
    if (lat is None) != (lon is None):
        raise ValidationError({"latitude": "Send both latitude and longitude, or neither"})
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
        raise ValidationError({"latitude": "The location is not a real place"})
    if acc is not None and acc < 0:
        raise ValidationError({"accuracy_m": "Accuracy cannot be negative"})
    return lat, lon, acc


Writer = Callable[[FieldEntry], Any]
