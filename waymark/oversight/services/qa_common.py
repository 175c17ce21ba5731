"""Helpers the quality-assurance services share (actor, permission, audit)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from waymark.core.audit import audit_record
from waymark.oversight import rules
from waymark.oversight.registrations import AUDIT_VERBS

TEXT_MAX = rules.TEXT_MAX_CHARS


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, perm: str, doing: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _audit(*, actor, verb: str, target, payload: dict[str, Any], person_id=None) -> None:
    audit_record(
        actor=actor,
        action=AUDIT_VERBS[verb],
        verb=verb,
        target=target,
        person_id=person_id,
        payload=payload,
    )
