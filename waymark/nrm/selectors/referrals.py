"""Reads of referrals, their preparation and their quality, every one limited by
``permissions.may_see_referral`` (the authority's roles see all; a first responder their own)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from waymark.nrm import permissions as perms
from waymark.nrm.models import (
    FirstResponderTraining,
    InformationRequest,
    QualityAssessment,
    Referral,
)


def referral_visible_queryset(user: Any) -> QuerySet[Referral]:
    qs = Referral.objects.select_related("person", "form_version", "referring_team")
    if perms.is_authority(user):
        return qs
    if user is not None and user.is_authenticated and user.has_perm(perms.REFER):
        return qs.filter(referrer=user)
    return qs.none()


def referral_get_visible(user: Any, pk: int) -> Referral:
    """The referral, or 404 (never 403) for someone who may not see it."""
    referral = referral_visible_queryset(user).filter(pk=pk).first()
    if referral is None:
        raise Http404("No such referral")
    return referral


def referrals_of(user: Any) -> QuerySet[Referral]:
    """A first responder's own referrals, newest first."""
    return referral_visible_queryset(user).filter(referrer=user)


def referrals_for_person(user: Any, person: Any) -> QuerySet[Referral]:
    return referral_visible_queryset(user).filter(person=person)


def referral_form_questions(referral: Referral) -> list[dict[str, Any]]:
    """The questions of the version this referral answered, each with its answer."""
    return [
        {**q, "answer": referral.answers.get(q["key"], "")} for q in referral.form_version.questions
    ]


def quality_trends(user: Any) -> list[dict[str, Any]]:
    """Referral quality by referring team by month: assessed count, mean score and share good, with
    each team's first responders' latest training dates beside them."""
    if not perms.is_authority(user):
        return []
    from waymark.nrm import rules

    rows = (
        QualityAssessment.objects.annotate(month=TruncMonth("referral__received_at"))
        .values(
            "month",
            "score",
            "referral__referring_team_id",
            "referral__referring_team__name",
        )
        .order_by("referral__referring_team__name", "month")
    )
    grouped: dict[tuple, list[float]] = defaultdict(list)
    names: dict[Any, str] = {}
    for row in rows:
        team_id = row["referral__referring_team_id"]
        names[team_id] = row["referral__referring_team__name"] or "No team"
        grouped[(team_id, row["month"])].append(row["score"])
    training: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    latest = (
        FirstResponderTraining.objects.values(
            "user_id", "user__first_name", "user__last_name", "user__teams"
        )
        .annotate(latest=Max("completed_on"))
        .order_by("user__last_name")
    )
    for t in latest:
        training[t["user__teams"]].append(
            {
                "name": f"{t['user__first_name']} {t['user__last_name']}".strip(),
                "latest": t["latest"],
            }
        )
    out = []
    for (team_id, month), scores in sorted(
        grouped.items(), key=lambda kv: (names[kv[0][0]], kv[0][1])
    ):
        out.append(
            {
                "team": names[team_id],
                "team_id": team_id,
                "month": month,
                "assessed": len(scores),
                "mean_score": sum(scores) / len(scores),
                "good_share": sum(1 for s in scores if rules.quality_good(s)) / len(scores),
                "training": training.get(team_id, []),
            }
        )
    return out


def allocation_candidates(user: Any) -> dict[str, list[Any]]:
    """Who a manager may name on a referral: active members of the competent authority's team
    who may make decisions, and who may prepare cases (by permission, as the service checks)."""
    from django.contrib.auth import get_user_model

    from waymark.nrm import rules

    if not (user is not None and user.is_authenticated and user.has_perm(perms.MANAGE)):
        return {"decision_makers": [], "case_preparers": []}
    members = list(
        get_user_model()
        .objects.filter(teams__slug=rules.AUTHORITY_TEAM_SLUG, is_active=True, is_machine=False)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    return {
        "decision_makers": [u for u in members if u.has_perm(perms.DECIDE)],
        "case_preparers": [u for u in members if u.has_perm(perms.PREPARE)],
    }


def information_request_get_visible(user: Any, pk: int) -> InformationRequest:
    """A further-information request on a referral the user may see, or 404."""
    request = InformationRequest.objects.select_related("referral").filter(pk=pk).first()
    if (
        request is None
        or not referral_visible_queryset(user).filter(pk=request.referral_id).exists()
    ):
        raise Http404("No such request")
    return request
