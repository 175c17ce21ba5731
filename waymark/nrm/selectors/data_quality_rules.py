"""The competent authority's data-quality rules (issue 20 item 4), the counts its figures page
already shows (``selectors.figures.data_quality``) measured record by record: registered in
``registrations.register_oversight_feeds``; oversight never imports this module. The team is
the referral's owning team; no one person owns a referral's record, so the owner is left to the
team's queue."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from waymark.core import clock
from waymark.core.data_quality import DataQualityCheck, check_querysets
from waymark.nrm.models import (
    CheckStatus,
    Decision,
    DecisionStatus,
    Referral,
    ReferralStatus,
    SpecialistCheck,
)


def _referrals(population, failing, label: str) -> DataQualityCheck:
    return check_querysets(
        population,
        failing,
        kind="nrm-referral",
        label=label,
        team_field="owning_team_id",
        owner_field=None,
        person_field="person_id",
        reference_field="reference",
    )


def no_consent_check() -> DataQualityCheck:
    """Referrals: a consent status is recorded (completeness)."""
    return _referrals(
        Referral.objects.all(), Referral.objects.filter(consent=""), "No consent status on referral"
    )


def rg_past_target_check() -> DataQualityCheck:
    """Referrals awaiting a reasonable grounds decision: decided by the target date
    (timeliness)."""
    waiting = Referral.objects.filter(
        status__in=[ReferralStatus.RECEIVED, ReferralStatus.PREPARATION, ReferralStatus.RG_PENDING]
    )
    return _referrals(
        waiting,
        waiting.filter(rg_due_on__lt=clock.today(), decisions__isnull=True),
        "Past the reasonable grounds target with no decision:",
    )


def negative_without_check_check() -> DataQualityCheck:
    """Served negative decisions: a specialist check agreed them (consistency)."""
    agreed = SpecialistCheck.objects.filter(decision=OuterRef("pk"), status=CheckStatus.AGREED)
    served = Decision.objects.filter(status=DecisionStatus.SERVED, outcome="negative")
    return check_querysets(
        served,
        served.exclude(Exists(agreed)),
        kind="nrm-decision",
        label="Negative decision served without an agreed specialist check on",
        team_field="referral__owning_team_id",
        owner_field="decision_maker_id",
        person_field="referral__person_id",
        reference_field="referral__reference",
    )
