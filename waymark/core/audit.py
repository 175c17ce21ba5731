"""Writing the audit trail, and verifying it.

Every service that changes personal data, and every view of a person or a restricted item, calls
``audit_record``. An append is one plain INSERT in the caller's transaction: no lock, no read of
anything else. Each entry stores ``entry_hash = sha256(canonical content)``. The sequencer
(``core.audit_sequencer``) later seals committed entries, in sequence order, into Merkle-tree
batches chained to each other and signed into checkpoints outside the database; ``audit_verify``
(``core.audit_verification``) checks the entries against the batches and the batches against the
checkpoints (decision 0015).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC
from types import SimpleNamespace
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field

from waymark.core import clock, context
from waymark.core.bulk_insert import JsonText, bulk_insert_rows
from waymark.core.kept_cursors import fetch_one
from waymark.core.models import AuditAction, AuditEvent

CONSULTED = frozenset({AuditAction.CONSULTATION, AuditAction.DISCLOSURE})
_ACTIONS = frozenset(AuditAction.values)
_ATTNAMES = tuple(field.attname for field in AuditEvent._meta.concrete_fields)
NOTED_PEOPLE_LIMIT = 500  # people ids kept in one consultation entry; the count is always kept


@dataclass
class RequestLedger:
    """What one request has recorded so far: whether it logged a consultation (or disclosure) of
    its own, the people and count a list noted (``note_consulted``), and the people whose records
    it loaded (the fallback for pages that note nobody). The personal-data middleware writes one
    consultation entry for requests that logged none."""

    consulted: bool = False
    people: set[int] = field(default_factory=set)
    count: int | None = None
    loaded: set[int] = field(default_factory=set)


_ledger: contextvars.ContextVar[RequestLedger | None] = contextvars.ContextVar(
    "waymark_ledger", default=None
)


def ledger_open() -> tuple[RequestLedger, contextvars.Token]:
    ledger = RequestLedger()
    return ledger, _ledger.set(ledger)


def ledger_close(token: contextvars.Token) -> None:
    _ledger.reset(token)


def note_consulted(*, people=(), count: int | None = None) -> None:
    """A list or search tells the request's consultation entry whom it showed (ids) and how many
    matched; outside a request it does nothing."""
    ledger = _ledger.get()
    if ledger is None:
        return
    ledger.people.update(int(pk) for pk in people if pk is not None)
    if count is not None:
        ledger.count = (ledger.count or 0) + count


def _mark_consulted(action: str) -> None:
    ledger = _ledger.get()
    if ledger is not None and action in CONSULTED:
        ledger.consulted = True


def current_ledger() -> RequestLedger | None:
    return _ledger.get()


# ------------------------------------------------------------------------------------------------
# The verb registry: every verb a service records is declared once, with its s62 category, in its
# app's ``registrations.AUDIT_VERBS`` ({verb: AuditAction}). With ``WAYMARK_AUDIT_VERBS_STRICT`` on
# (the test suite) recording an undeclared verb, or a verb under another category, is an error;
# tests/test_architecture.py also checks every literal verb in the code is declared.

_declared: dict[str, str] | None = None


def declared_verbs() -> dict[str, str]:
    """Every declared verb and its s62 category, gathered from each installed app's
    ``registrations.AUDIT_VERBS``. A verb declared twice with different categories is an error."""
    global _declared
    if _declared is None:
        import importlib
        import importlib.util

        from django.apps import apps
        from django.core.exceptions import ImproperlyConfigured

        found: dict[str, str] = {}
        for config in apps.get_app_configs():
            name = f"{config.name}.registrations"
            if not config.name.startswith("waymark.") or importlib.util.find_spec(name) is None:
                continue
            for verb, category in getattr(importlib.import_module(name), "AUDIT_VERBS", {}).items():
                if verb in found and found[verb] != str(category):
                    raise ImproperlyConfigured(f"Audit verb {verb!r} is declared twice")
                found[verb] = str(category)
        _declared = found
    return _declared


def verb_check(verb: str, action: str) -> None:
    from django.conf import settings

    if not getattr(settings, "WAYMARK_AUDIT_VERBS_STRICT", False):
        return
    declared = declared_verbs().get(verb)
    if declared is None:
        raise LookupError(f"Audit verb {verb!r} is not declared in any app's AUDIT_VERBS")
    if declared != str(action):
        raise LookupError(f"Audit verb {verb!r} is declared as {declared}, recorded as {action}")


def canonical(event: Any) -> str:
    """The entry's content as canonical JSON: what its hashes cover."""
    content = {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "channel": event.channel,
        "action": event.action,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "person_id": event.person_id,
        "payload": event.payload,
        "recipient": event.recipient,
        "purpose": event.purpose,
        "request_id": event.request_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(event: AuditEvent) -> str:
    """``entry_hash``: the SHA-256 of the entry's canonical content (hex)."""
    return hashlib.sha256(canonical(event).encode()).hexdigest()


def _json_safe(value: Any) -> Any:
    """The payload as plain JSON values whose text every database stores: a NUL character (which
    PostgreSQL's jsonb refuses) becomes U+FFFD and a lone surrogate becomes "?", in keys and
    values alike. A request carrying them (a fuzzer's query string) is still audited, not a 500."""
    return _text_safe(json.loads(json.dumps(value, default=str)))


def _json_safe_text(value: Any) -> tuple[Any, str]:
    """``_json_safe(value)`` and its JSON text, from one ``dumps``: a text with neither a NUL
    escape nor a lone surrogate needs no repair, so its ``loads`` is the answer without walking
    every string (that walk was a third of ``audit_record_many``'s time)."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    if "\\u0000" not in text and (text.isascii() or _encodes(text)):
        return json.loads(text), text
    safe = _json_safe(value)
    return safe, json.dumps(safe, ensure_ascii=False)


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _text_safe(value: Any) -> Any:
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_text_safe(key): _text_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_safe(item) for item in value]
    return value


def _who(actor: Any, action: str, verb: str) -> tuple[Any, Any, str]:
    """An append's checks (the action known, the verb named for it) and who it is by: the acting
    context, the signed-in user or None, and the label (the user's name, else the machine client
    of the context, else "system")."""
    if action not in _ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    verb_check(verb, action)
    return _by(actor)


def _by(actor: Any) -> tuple[Any, Any, str]:
    acting = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    return acting, user, user.get_username() if user else (acting.client_label or "system")


def audit_record(
    *,
    actor: Any,
    action: str,
    verb: str,
    target: Any = None,
    target_type: str = "",
    target_id: str | int = "",
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
    recipient: str = "",
    purpose: str = "",
) -> AuditEvent:
    """Append one entry to the audit trail and return it.

    ``actor`` is a user, or None for the system or a machine client (the acting context then names
    the client). ``target`` may be any model instance; its label and primary key are recorded.
    """
    acting, user, label = _who(actor, action, verb)
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    values = {
        "sequence": None,
        "occurred_at": clock.now(),
        "actor_id": user.pk if user else None,
        "actor_label": label,
        "channel": acting.channel,
        "action": action,
        "verb": verb,
        "target_type": target_type,
        "target_id": str(target_id) if target_id != "" else "",
        "person_id": person_id,
        "payload": _json_safe(payload or {}),
        "recipient": recipient,
        "purpose": purpose,
        "request_id": acting.request_id,
        "entry_hash": "",
        "xact_id": None,
    }
    # Positional: the model's quick path (keyword arguments cost a fifth of an append's CPU).
    event = AuditEvent(*[values[name] for name in _ATTNAMES])  # type: ignore[misc]
    if user is not None:
        AuditEvent.actor.field.set_cached_value(event, user)
    event.entry_hash = content_hash(event)
    _insert(event)  # one INSERT; the database numbers it (decision 0015)
    _mark_consulted(action)
    return event


# The columns an append writes (the database gives ``sequence`` and ``xact_id``).
_APPEND_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "channel",
    "action",
    "verb",
    "target_type",
    "target_id",
    "person_id",
    "payload",
    "recipient",
    "purpose",
    "request_id",
    "entry_hash",
)
_APPEND_SQL = (
    f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(_APPEND_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(_APPEND_COLUMNS))}) RETURNING sequence"
)


def _insert(event: AuditEvent) -> None:
    """Write one entry. On PostgreSQL a statement written once, not compiled by the ORM for every
    append: the compiler was four fifths of an append's CPU, and every view of a person appends
    (issue 17, 8 writers: 355 appends a second through ``save`` against 1,634 plain INSERTs).
    Elsewhere the ORM's ``save``."""
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    if connection.vendor != "postgresql":
        event.save(force_insert=True, using=using)
        return
    from psycopg.types.json import Jsonb

    values = [getattr(event, column) for column in _APPEND_COLUMNS]
    values[_APPEND_COLUMNS.index("payload")] = Jsonb(event.payload)
    row = fetch_one(connection, _APPEND_SQL, values)  # a cursor kept for the connection
    if row is None:  # INSERT ... RETURNING always gives its row
        raise RuntimeError("The audit append returned no sequence number")
    event.sequence = row[0]
    event._state.adding = False
    event._state.db = using


# Stand-ins for the two values of an entry the database fills in from the row it is recording
# (``audit_append_for_row``): written into the canonical text, then cut out of it.
_TARGET_STANDIN = "waymark-audit-target-standin-7c1e"
_PERSON_STANDIN = -7_165_302_948_113


@dataclass(frozen=True)
class RowAppend:
    """An ``INSERT ... SELECT ... FROM <source> RETURNING sequence`` appending one entry for each
    row of ``source`` (a CTE of the same statement), and its parameters."""

    sql: str
    params: list[Any]


def audit_append_for_row(
    *,
    actor: Any,
    action: str,
    verb: str,
    target_type: str,
    source: str,
    payload: dict[str, Any] | None = None,
) -> RowAppend:
    """PostgreSQL: the append of an entry whose target and person are a row that the same statement
    writes (``source``: a CTE returning the row's integer ``id`` and its ``person_id``), so that a
    change and its entry take one round trip (get next: claim and record, issue 17). The entry is
    what ``audit_record(target=row, person_id=row.person_id, ...)`` would append: its hash is the
    SHA-256 of the same canonical text, which Python writes here with stand-ins for the two values
    and the database completes from the row (integers, written alike by both; the text is ASCII, as
    ``canonical`` escapes everything else). The caller runs the statement; ``audit_appended`` then
    notes it as ``audit_record`` does."""
    acting, user, label = _who(actor, action, verb)
    safe_payload = _json_safe(payload or {})
    # Only the attributes ``canonical`` and the parameters read: no model instance (a fifth of
    # the press's own CPU went on building two).
    event = SimpleNamespace(
        occurred_at=clock.now(),
        actor_id=user.pk if user else None,
        actor_label=label,
        channel=acting.channel,
        action=action,
        verb=verb,
        target_type=target_type,
        target_id=_TARGET_STANDIN,
        person_id=_PERSON_STANDIN,
        payload=safe_payload,
        recipient="",
        purpose="",
        request_id=acting.request_id,
    )
    text = canonical(event)
    # The keys are sorted, so the person's value comes before the target's.
    person_mark, target_mark = str(_PERSON_STANDIN), json.dumps(_TARGET_STANDIN)
    person_at, target_at = text.find(person_mark), text.find(target_mark)
    if text.count(person_mark) != 1 or text.count(target_mark) != 1 or target_at < person_at:
        raise ValueError("An audit payload may not contain the row append's stand-ins")
    from psycopg.types.json import Jsonb

    values = [
        Jsonb(safe_payload) if column == "payload" else getattr(event, column)
        for column in _APPEND_COLUMNS
        if column not in ("target_id", "person_id", "entry_hash")
    ]
    values += [
        text[:person_at],
        text[person_at + len(person_mark) : target_at],
        text[target_at + len(target_mark) :],
    ]
    return RowAppend(sql=row_append_sql(source), params=values)


@functools.cache
def row_append_sql(source: str) -> str:
    """The statement of ``audit_append_for_row``: the row's values and the hash expression, the
    other columns' parameters (cast to their columns' types) and then the hash's three pieces."""
    connection = connections[router.db_for_write(AuditEvent)]
    expressions = []
    for column in _APPEND_COLUMNS:
        if column == "target_id":
            expressions.append(f"{source}.id::text")
        elif column == "person_id":
            expressions.append(f"{source}.person_id")
        elif column == "entry_hash":
            expressions.append(
                f"encode(sha256(convert_to(%s::text || COALESCE({source}.person_id::text, 'null') "
                f"|| %s::text || '\"' || {source}.id::text || '\"' || %s::text, 'UTF8')), 'hex')"
            )
        else:
            model_field = AuditEvent._meta.get_field(column)
            assert isinstance(model_field, Field)  # a concrete column, never a relation's reverse
            expressions.append(f"%s::{model_field.db_type(connection)}")
    return (
        f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(_APPEND_COLUMNS)}) "  # noqa: S608 (column names and the CTE's name)
        f"SELECT {', '.join(expressions)} FROM {source} RETURNING sequence"
    )


def audit_appended(action: str) -> None:
    """An entry from ``audit_append_for_row`` was written: note it as ``audit_record`` does."""
    _mark_consulted(action)


def audit_record_many(*, actor: Any, entries: list[dict[str, Any]], batch_size: int = 2000) -> int:
    """Append many entries at once (a bulk import writing thousands of records): plain appends
    like ``audit_record``, in the caller's transaction, all or none: one ``COPY`` on PostgreSQL
    (the trigger numbers each row as it does an INSERT; the entries are not given their
    sequence), one INSERT per ``batch_size`` entries elsewhere. Each entry has the
    keyword arguments of ``audit_record`` (``action``, ``verb``, ``target_type``, ``target_id``,
    ``person_id``, ``payload``...)."""
    if not entries:
        return 0
    acting, user, label = _by(actor)
    with transaction.atomic(savepoint=False):
        # One entry object hashes every entry in turn and the rows go in as tuples, each payload
        # dumped once: an instance an entry and ``_json_safe`` were over half of the time here.
        scratch = AuditEvent(
            occurred_at=clock.now(),
            actor=user,
            actor_label=label,
            channel=acting.channel,
            request_id=acting.request_id,
        )
        rows = []
        for entry in entries:
            if entry["action"] not in _ACTIONS:
                raise ValueError(f"Unknown audit action {entry['action']!r}")
            verb_check(entry["verb"], entry["action"])
            target_id = entry.get("target_id", "")
            scratch.action, scratch.verb = entry["action"], entry["verb"]
            scratch.target_type = entry.get("target_type", "")
            scratch.target_id = str(target_id) if target_id != "" else ""
            scratch.person_id = entry.get("person_id")
            scratch.payload, text = _json_safe_text(entry.get("payload") or {})
            scratch.recipient = entry.get("recipient", "")
            scratch.purpose = entry.get("purpose", "")
            rows.append(  # in the order of _APPEND_COLUMNS
                (
                    scratch.occurred_at,
                    scratch.actor_id,
                    label,
                    acting.channel,
                    scratch.action,
                    scratch.verb,
                    scratch.target_type,
                    scratch.target_id,
                    scratch.person_id,
                    JsonText(text),
                    scratch.recipient,
                    scratch.purpose,
                    acting.request_id,
                    content_hash(scratch),
                )
            )
        bulk_insert_rows(AuditEvent, _APPEND_COLUMNS, rows, batch_size=batch_size)
    for entry in entries:
        _mark_consulted(entry["action"])
    return len(rows)


@dataclass(frozen=True)
class VerifyResult:
    """What ``audit_verify`` found. ``checked``: entries verified in sealed batches.
    ``first_broken_sequence``: the first entry found altered, removed or inserted (None if none
    can be named); ``first_bad_range``: the first range of sequence numbers that does not hold
    (a re-hashed range, a cut tail, a truncation); ``problem`` says what. ``unanchored``: sealed
    ranges no signed checkpoint covers (the checkpoint store missing or behind). ``unsealed``:
    committed entries the sequencer has not sealed yet (not checked, not a fault)."""

    checked: int
    first_broken_sequence: int | None
    problem: str
    first_bad_range: tuple[int, int] | None = None
    sealed_through: int = 0
    anchored_through: int = 0
    unanchored: tuple[tuple[int, int], ...] = ()
    unsealed: int = 0
    batches: int = 0
    checkpoints: int = 0
    checkpoint_store: str = ""  # the store's directory; empty if it is missing
    checked_from: int = 1  # the first entry read (after an incremental run's anchor)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def anchored(self) -> bool:
        return not self.unanchored


def audit_verify(**options: Any) -> VerifyResult:
    """Check every sealed entry against its batch, every batch against the chain and the signed
    checkpoints (``core.audit_verification.audit_verify``)."""
    from waymark.core.audit_verification import audit_verify as verify

    return verify(**options)
