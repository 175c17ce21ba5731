"""Competence withdrawal from oversight's pages (issue 20 item 2). The records and the service
live in work (``work.services.competence_withdraw``, which checks the permission, needs a reason
and audits ``competence.withdrawn``); oversight adds the rule that a holder may not withdraw their
own (like sign-off: someone else decides about a person's competence)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from waymark.work import services as work_services
from waymark.work.models import Competence


def competence_withdraw_by_other(*, actor, competence: Competence, reason: str) -> Competence:
    """Withdraw ``competence`` with ``reason``; refused (nothing changed) to its holder."""
    if actor is not None and competence.holder_id == actor.pk:
        raise ValidationError(
            {"reason": ["You cannot withdraw your own competence: ask an assessor to"]}
        )
    return work_services.competence_withdraw(actor=actor, competence=competence, reason=reason)
