"""Reads for the authority's work lists: the decision maker's referrals, the specialist check
queue with its live backlog and the specialist to decision-maker ratio, and the home page's
counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, QuerySet

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.nrm import rules
from waymark.nrm.models import (
    CheckStatus,
    Decision,
    DecisionStage,
    DecisionStatus,
    QualityRating,
    Referral,
    ReferralStatus,
    SpecialistCheck,
)

OPEN_STATUSES = [
    ReferralStatus.RECEIVED,
    ReferralStatus.PREPARATION,
    ReferralStatus.RG_PENDING,
    ReferralStatus.RECOVERY,
    ReferralStatus.CG_PENDING,
]
AUTHORITY_TEAM_SLUG = "competent-authority"
DECISION_MAKER_ROLE = "nrm_decision_maker"
SPECIALIST_ROLE = "technical_specialist"

# Sort keys offered on the decision maker's queue -> ORDER BY.
QUEUE_SORTS = {
    "due": ("rg_due_on", "received_at", "pk"),
    "-due": ("-rg_due_on", "-received_at", "-pk"),
    "received": ("received_at", "pk"),
    "-received": ("-received_at", "-pk"),
    "status": ("status", "rg_due_on", "pk"),
}


def decision_maker_queue(user: Any, *, sort: str = "due", everyone: bool = False) -> QuerySet:
    """Open referrals allocated to ``user`` (every open referral for ``everyone``), with whether
    an RG decision has been served."""
    rg_served = Decision.objects.filter(
        referral=OuterRef("pk"), stage=DecisionStage.RG, status=DecisionStatus.SERVED
    )
    qs = Referral.objects.filter(status__in=OPEN_STATUSES)
    if not everyone:
        qs = qs.filter(decision_maker=user)
    return (
        qs.annotate(rg_served=Exists(rg_served))
        .only(
            "pk",
            "reference",
            "status",
            "rg_due_on",
            "received_at",
            "recovery_ends_on",
            "priority_cohort",
        )
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["due"]))
    )


def rg_target_status(referral: Any, today: date | None = None) -> tuple[str, str]:
    """(label, tag colour) for the referral's RG target."""
    today = today or clock.today()
    if getattr(referral, "rg_served", False) or referral.status in (
        ReferralStatus.RECOVERY,
        ReferralStatus.CG_PENDING,
    ):
        return "RG decided", "green"
    if referral.rg_due_on < today:
        return f"Overdue by {(today - referral.rg_due_on).days} days", "red"
    if referral.rg_due_on == today:
        return "Due today", "orange"
    return "On time", "blue"


def check_queue() -> QuerySet[SpecialistCheck]:
    """Pending specialist checks, oldest first."""
    return (
        SpecialistCheck.objects.filter(status=CheckStatus.PENDING)
        .select_related("decision", "decision__decision_maker", "decision__referral")
        .order_by("requested_at", "pk")
    )


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_days: int | None


def check_backlog() -> Backlog:
    row = SpecialistCheck.objects.filter(status=CheckStatus.PENDING).aggregate(
        n=Count("pk"), oldest=Min("requested_at")
    )
    oldest = row["oldest"]
    days = (clock.now() - oldest).days if oldest is not None else None
    return Backlog(pending=row["n"], oldest_days=days)


@dataclass(frozen=True)
class Ratio:
    decision_makers: int
    specialists: int
    per_specialist: float | None
    stated: int
    within: bool


def specialist_ratio(team: Team | None = None) -> Ratio:
    """Decision makers per technical specialist among the authority team's active members, against
    the stated rules.SPECIALIST_RATIO_STATED to 1."""
    team = team or Team.objects.filter(slug=AUTHORITY_TEAM_SLUG).first()
    members = User.objects.filter(is_active=True)
    members = members.filter(teams=team) if team is not None else members.none()
    makers = members.filter(groups__name=DECISION_MAKER_ROLE).distinct().count()
    specialists = members.filter(groups__name=SPECIALIST_ROLE).distinct().count()
    per = round(makers / specialists, 1) if specialists else None
    stated = rules.SPECIALIST_RATIO_STATED
    return Ratio(makers, specialists, per, stated, per is not None and per <= stated)


def home_counts(user: Any) -> dict[str, int]:
    """The counts on the authority's home page, by what the user may do."""
    counts: dict[str, int] = {
        "open": Referral.objects.filter(status__in=OPEN_STATUSES).count(),
        "rg_overdue": Referral.objects.filter(
            status__in=[
                ReferralStatus.RECEIVED,
                ReferralStatus.PREPARATION,
                ReferralStatus.RG_PENDING,
            ],
            rg_due_on__lt=clock.today(),
        ).count(),
    }
    if user.has_perm("nrm.decide_nrm"):
        counts["mine"] = Referral.objects.filter(
            status__in=OPEN_STATUSES, decision_maker=user
        ).count()
    if user.has_perm("nrm.check_nrm"):
        counts["checks"] = SpecialistCheck.objects.filter(status=CheckStatus.PENDING).count()
        counts["unrated"] = QualityRating.objects.filter(rating="").count()
    return counts
