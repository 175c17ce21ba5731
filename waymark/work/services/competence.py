"""Competence records (issue 20 item 2; docs/decisions/0016-competence-gate.md): sign-off by an
assessor and withdrawal. Get next and allocation read them (``waymark.work.selectors``); oversight's
pages write through these services."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.work import rules
from waymark.work.models import Competence
from waymark.work.registry import competence_label, competences
from waymark.work.services._common import _user

SIGN_OFF_COMPETENCE = "work.sign_off_competence"


def _snapshot(record: Competence) -> dict:
    return {
        "holder_id": record.holder_id,
        "competence_key": record.competence_key,
        "assessor_id": record.assessor_id,
        "expires_on": record.expires_on.isoformat(),
        "refresher_due_on": record.refresher_due_on.isoformat()
        if record.refresher_due_on
        else None,
        "withdrawn": record.withdrawn_at is not None,
    }


def competence_sign_off(
    *,
    actor: Actor,
    holder,
    competence_key: str,
    expires_on: date,
    refresher_due_on: date | None = None,
    evidence: str = "",
    assessor=None,
) -> Competence:
    """Record that ``holder`` was assessed competent for ``competence_key`` until ``expires_on``.

    A person signing off (``actor`` a user) is the assessor: they need ``work.sign_off_competence``
    and a valid assessor competence of their own (002 rec 2a), and may never sign off themselves.
    The system (``actor`` None: loading records from a training system, the demo) names the
    ``assessor``, who likewise may not be the holder. Every refusal is a ``ValidationError`` with
    the reason, and nothing is saved."""
    from waymark.work.selectors import competences_held

    user = _user(actor)
    if user is not None:
        if not user.has_perm(SIGN_OFF_COMPETENCE):
            raise PermissionDenied
        assessor = user
    if assessor is None:
        raise ValidationError("Name the assessor who signed the competence off")
    errors: dict[str, list[str]] = {}
    if competence_key not in {k.key for k in competences()}:
        errors.setdefault("competence_key", []).append("Select a competence")
    if assessor.pk == holder.pk:
        errors.setdefault("holder", []).append(
            "A competence cannot be signed off by its holder: another assessor must sign it off"
        )
    elif user is not None and rules.COMPETENCE_ASSESSOR not in competences_held(user):
        errors.setdefault("holder", []).append(
            f"You do not hold a valid {competence_label(rules.COMPETENCE_ASSESSOR)} competence, "
            "so you cannot sign off anyone else's"
        )
    today = clock.today()
    if expires_on <= today:
        errors.setdefault("expires_on", []).append("The expiry date must be in the future")
    elif expires_on > today + timedelta(days=rules.COMPETENCE_MAX_VALID_DAYS):
        errors.setdefault("expires_on", []).append(
            f"A competence may be signed off for at most {rules.COMPETENCE_MAX_VALID_DAYS} days"
        )
    if refresher_due_on is None and "expires_on" not in errors:
        refresher_due_on = max(
            today, expires_on - timedelta(days=rules.COMPETENCE_REFRESHER_LEAD_DAYS)
        )
    elif refresher_due_on is not None and (
        refresher_due_on < today or refresher_due_on > expires_on
    ):
        errors.setdefault("refresher_due_on", []).append(
            "The refresher must fall due between today and the expiry date"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = Competence.objects.create(
            holder=holder,
            competence_key=competence_key,
            assessor=assessor,
            signed_off_at=clock.now(),
            expires_on=expires_on,
            refresher_due_on=refresher_due_on,
            evidence=evidence.strip(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="competence.signed_off",
            target=record,
            payload={"new": _snapshot(record)},
        )
    return record


def competence_withdraw(*, actor: Actor, competence: Competence, reason: str) -> Competence:
    """Withdraw a competence before it expires (e.g. after failed quality reviews): from now its
    holder is not given the work it gates. Needs ``work.sign_off_competence`` and a reason; refused
    to the holder (someone else decides about a person's competence, as at sign-off)."""
    user = _user(actor)
    if user is not None and not user.has_perm(SIGN_OFF_COMPETENCE):
        raise PermissionDenied
    if user is not None and competence.holder_id == user.pk:
        raise ValidationError(
            {"reason": ["You cannot withdraw your own competence: ask an assessor to"]}
        )
    if not reason.strip():
        raise ValidationError({"reason": ["Enter why the competence is withdrawn"]})
    with transaction.atomic():
        record = Competence.objects.select_for_update().get(pk=competence.pk)
        if record.withdrawn_at is not None:
            raise ValidationError({"reason": ["This competence has already been withdrawn"]})
        old = _snapshot(record)
        record.withdrawn_at = clock.now()
        record.withdrawn_by = user
        record.withdrawn_reason = reason.strip()[:500]
        record.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="competence.withdrawn",
            target=record,
            payload={"old": old, "new": _snapshot(record), "reason": record.withdrawn_reason},
        )
    return record
