"""Reads about decisions: a referral's decisions and what the user may do with each, the
specialist check backlog, the live specialist-to-decision-maker ratio and the negative decisions
made under superseded guidance."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import (
    CheckStatus,
    Decision,
    DecisionStatus,
    Reconsideration,
    Referral,
    SafeguardingAdvice,
    SpecialistCheck,
)

SPECIALIST_ROLE = "technical_specialist"
DECISION_MAKER_ROLE = "nrm_decision_maker"
AUTHORITY_TEAM_SLUG = "competent-authority"


def decisions_for_referral(referral: Referral) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(referral=referral)
        .select_related("decision_maker", "guidance")
        .prefetch_related("checks", "safeguarding_advice")
        .order_by("made_at", "pk")
    )


def decision_actions(user: Any, decision: Decision) -> list[tuple[str, str]]:
    """(label, url name) of what ``user`` may do with ``decision`` now."""
    actions: list[tuple[str, str]] = []
    if not perms.is_authority(user):
        return actions
    own = decision.decision_maker_id == user.pk
    decides = user.has_perm(perms.DECIDE)
    if decision.status in (DecisionStatus.DRAFT, DecisionStatus.RETURNED) and own and decides:
        actions.append(("Revise or sign off", "nrm:decision"))
    pending = next((c for c in decision.checks.all() if c.status == CheckStatus.PENDING), None)
    if pending is not None and user.has_perm(perms.CHECK) and not own:
        actions.append(("Check the decision", "nrm:check"))
    if (
        decision.status == DecisionStatus.AWAITING_CHECK
        and not decision.urgent_service_by_id
        and user.has_perm(perms.MANAGE)
    ):
        actions.append(("Authorise urgent service", "nrm:urgent-service"))
    servable = decision.status == DecisionStatus.READY or (
        decision.status == DecisionStatus.AWAITING_CHECK and decision.urgent_service_by_id
    )
    if servable and (decides or user.has_perm(perms.MANAGE)):
        actions.append(("Letter and service", "nrm:decision-serve"))
    if decision.status == DecisionStatus.SERVED and not decision.positive:
        actions.append(("Record a reconsideration request", "nrm:reconsideration-new"))
    return actions


def check_backlog(now=None) -> dict[str, Any]:
    """Specialist checks waiting: how many and the age of the oldest, in days."""
    now = now or clock.now()
    pending = SpecialistCheck.objects.filter(status=CheckStatus.PENDING)
    oldest = pending.order_by("requested_at").values_list("requested_at", flat=True).first()
    return {
        "count": pending.count(),
        "oldest_age_days": (now - oldest).days if oldest else None,
        "oldest_requested_at": oldest,
    }


def pending_checks() -> QuerySet[SpecialistCheck]:
    return (
        SpecialistCheck.objects.filter(status=CheckStatus.PENDING)
        .select_related("decision", "decision__referral", "decision__decision_maker")
        .order_by("requested_at")
    )


def specialist_ratio(team_slug: str = AUTHORITY_TEAM_SLUG) -> dict[str, Any]:
    """Users holding each role in the authority's team, and decision makers per specialist,
    against the stated ratio (rules.SPECIALIST_RATIO_STATED : 1)."""
    users = get_user_model().objects.filter(teams__slug=team_slug, is_active=True)
    specialists = users.filter(groups__name=SPECIALIST_ROLE).distinct().count()
    makers = users.filter(groups__name=DECISION_MAKER_ROLE).distinct().count()
    ratio = round(makers / specialists, 1) if specialists else None
    low, high = rules.SPECIALIST_RATIO_STRETCHED
    return {
        "specialists": specialists,
        "decision_makers": makers,
        "ratio": ratio,
        "stated": rules.SPECIALIST_RATIO_STATED,
        "over_stated": (ratio is None and makers > 0)
        or (ratio or 0) > rules.SPECIALIST_RATIO_STATED,
        "stretched_range": (low, high),
    }


def superseded_negative_decisions(on=None) -> QuerySet[Decision]:
    """Served negative decisions made under a guidance edition superseded since, not yet
    reconsidered or offered reconsideration."""
    on = on or clock.today()
    return (
        Decision.objects.filter(status=DecisionStatus.SERVED, guidance__superseded_on__lte=on)
        .exclude(outcome__in=rules.POSITIVE_OUTCOMES)
        .exclude(Exists(Reconsideration.objects.filter(decision=OuterRef("pk"))))
        .select_related("referral", "guidance", "decision_maker")
        .order_by("served_at", "pk")
    )


def advice_queue() -> QuerySet[SafeguardingAdvice]:
    return (
        SafeguardingAdvice.objects.filter(given_at__isnull=True)
        .select_related("decision", "decision__referral")
        .order_by("requested_at")
    )
