"""The duty to notify (an adult who does not consent: no identifying details) and the enforcement
visit hook that turns an NRM entry recorded on a visit into a referral or a duty to notify."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import DutyToNotify, Referral
from waymark.nrm.services._common import (
    audit,
    authority_team,
    require,
    user_of,
)
from waymark.nrm.services.referral_forms import referral_form_current
from waymark.nrm.services.referrals import _codes, referral_create

logger = logging.getLogger(__name__)

IDENTIFYING = ("name", "given_names", "family_name", "date_of_birth", "address", "phone", "email")


def duty_to_notify_record(
    *,
    actor,
    referrer_type: str,
    nationality: str = "",
    sex: str = "",
    exploitation_types: list[str],
    control_methods: list[str],
    where_exploited: str = "",
    summary: str = "",
    referring_team=None,
    received_at: datetime | None = None,
    source_key: str | None = None,
    **identifying: Any,
) -> DutyToNotify:
    """The duty to notify for an adult who did not consent: no identifying details at all (any
    given are refused, not dropped, so the caller knows)."""
    require(actor, perms.REFER, "record a duty to notify")
    if identifying:
        raise ValidationError(
            "The duty to notify holds no identifying details: remove "
            + ", ".join(sorted(identifying))
        )
    if referrer_type not in rules.REFERRER_TYPES:
        raise ValidationError({"referrer_type": "Select the kind of first responder"})
    exploitation = _codes(
        exploitation_types, rules.EXPLOITATION_TYPES, "exploitation_types", "type of exploitation"
    )
    control = _codes(control_methods, rules.CONTROL_METHODS, "control_methods", "means of control")
    if source_key:
        existing = DutyToNotify.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    user = user_of(actor)
    try:
        with transaction.atomic():
            record = DutyToNotify.objects.create(
                received_at=received_at or clock.now(),
                referrer=user,
                referrer_type=referrer_type,
                referring_team=referring_team or (user.primary_team if user else None),
                nationality=(nationality or "").strip().upper()[:3],
                sex=(sex or "")[:10],
                exploitation_types=exploitation,
                control_methods=control,
                where_exploited=(where_exploited or "").strip()[:200],
                summary=(summary or "").strip(),
                source_key=source_key or None,
            )
            audit(
                actor=actor,
                verb="nrm.duty_to_notify_recorded",
                target=record,
                referrer_type=referrer_type,
                nationality=record.nationality,
            )
    except IntegrityError:
        # The same source recorded at the same moment (a visit's entry sent twice at once): the
        # insert waited for the other and is answered with it, as a later repeat is above.
        existing = (
            DutyToNotify.objects.filter(source_key=source_key).first() if source_key else None
        )
        if existing is None:
            raise
        return existing
    return record


# --- the enforcement visit hook ------------------------------------------------------------------


def _age_group(date_of_birth: date | None, on: date) -> str:
    if date_of_birth is None:
        return "unknown"
    years = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    return "child" if years < rules.AGE_OF_MAJORITY else "adult"


def referral_from_visit(
    *,
    actor,
    source_key: str,
    visit_reference: str,
    team_id=None,
    person_id=None,
    name_given: str = "",
    date_of_birth: date | None = None,
    nationality: str = "",
    detail: str = "",
    recorded_at: datetime | None = None,
    **_: Any,
):
    """Handler of ``operations.nrm_referral_recorded``: an NRM referral recorded on an enforcement
    visit becomes a referral of the same person (source ``operations_visit``, idempotent on the
    field entry's key). Without a person record there is nobody to refer safely (matching a name
    typed in the field could attach the account to the wrong person), so it becomes a duty to
    notify with no identifying details, pointing back to the visit where the details are held.
    Runs as the system: the officer's own permission was checked by operations."""
    from waymark.accounts.models import Team
    from waymark.people.models import Person

    if authority_team() is None:
        # No competent authority in this deployment: the visit's entry stands on its own.
        logger.warning(
            "NRM entry %s on visit %s: no competent authority team", source_key, visit_reference
        )
        return None
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    recorded_at = recorded_at or clock.now()
    text = (detail or "").strip() or f"Recorded on enforcement visit {visit_reference}"
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is None:
        return duty_to_notify_record(
            actor=None,
            referrer_type="enforcement_officer",
            nationality=nationality,
            exploitation_types=["not_specified"],
            control_methods=["other"],
            summary=(
                f"Recorded on enforcement visit {visit_reference}; the person was not identified. "
                "Details are held on the visit record."
            ),
            referring_team=team,
            received_at=recorded_at,
            source_key=source_key,
        )
    if authority_team() is None:
        # No competent authority in this deployment: the visit's entry stands on its own.
        logger.warning(
            "NRM entry %s on visit %s: no competent authority team", source_key, visit_reference
        )
        return None
    version = referral_form_current()
    answers = {
        q["key"]: (text if q["type"] == "text" else "")
        for q in version.questions
        if q.get("required")
    }
    dob = date_of_birth or person.date_of_birth
    age = _age_group(dob, timezone.localdate(recorded_at))
    referral = referral_create(
        actor=None,
        person=person,
        referrer_type="enforcement_officer",
        consent="child" if age == "child" else "consented",
        age_group=age,
        local_authority=(
            f"To be confirmed (enforcement visit {visit_reference})" if age == "child" else ""
        ),
        detained=False,
        exploitation_types=["not_specified"],
        control_methods=["other"],
        answers=answers,
        source="operations_visit",
        source_key=source_key,
        referring_team=team,
        received_at=recorded_at,
        referrer_label=(
            f"{actor.display_name} (enforcement visit {visit_reference})"
            if user_of(actor)
            else f"Enforcement visit {visit_reference}"
        ),
        nationality=nationality,
    )
    if user_of(actor) is not None and referral.referrer_id is None:
        Referral.objects.filter(pk=referral.pk).update(referrer=actor)
        referral.referrer = actor
    return referral
