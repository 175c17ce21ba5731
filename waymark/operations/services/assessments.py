"""The risk, community-impact and plan assessments a visit needs before authorisation (brief
operations.md §3)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from waymark.core import clock
from waymark.operations import rules
from waymark.operations.models import (
    IdentifiedRisk,
    ImpactAssessment,
    PlanAssessment,
    RiskAssessment,
    Visit,
)
from waymark.operations.services._common import (
    PLAN,
    _audit,
    _editable,
    _fresh,
    _locked,
    _raise,
    _require,
    _require_visible,
    _text,
)
from waymark.operations.services.planning import _material_change


def risk_assessment_record(
    *, actor, visit: Visit, rating: str, rationale: str, risks: Iterable[tuple[str, str]]
) -> RiskAssessment:
    """The enforcement planning assessment: a rating, and at least one risk with its mitigation,
    for every rating (green included). A changed rating is a material change."""
    _require(actor, PLAN, "record a risk assessment")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    if rating not in rules.RATINGS:
        errors["rating"] = "Select the risk rating: green, amber or red"
    rationale = _text(errors, "rationale", rationale, "Enter the reasons for the rating")
    rows = [
        ((r or "").strip(), (m or "").strip())
        for r, m in risks
        if (r or "").strip() or (m or "").strip()
    ]
    if not rows:
        errors["risks"] = (
            "Record at least one identified risk and its mitigation, whatever the rating"
        )
    for risk, mitigation in rows:
        if len(risk) < rules.RISK_MIN_CHARACTERS:
            errors["risks"] = (
                f"Describe each risk in at least {rules.RISK_MIN_CHARACTERS} characters"
            )
        elif len(mitigation) < rules.RISK_MIN_CHARACTERS:
            errors["risks"] = (
                f"Every risk needs a mitigation of at least {rules.RISK_MIN_CHARACTERS} "
                f"characters: “{risk[:40]}” has none"
            )
    _raise(errors)
    with transaction.atomic():
        visit = _locked(visit)
        _editable(visit)
        old_rating = visit.risk_rating
        if old_rating and old_rating != rating:
            _material_change(actor=actor, visit=visit, changed=["risk_rating"])
        assessment = RiskAssessment.objects.create(
            visit=visit,
            plan_version=visit.plan_version,
            rating=rating,
            rationale=rationale,
            assessed_by=actor,
            assessed_at=clock.now(),
        )
        IdentifiedRisk.objects.bulk_create(
            [IdentifiedRisk(assessment=assessment, risk=r, mitigation=m) for r, m in rows]
        )
        visit.risk_rating, visit.updated_at = rating, clock.now()
        visit.save()
        _audit(
            actor=actor,
            verb="operations.risk_assessed",
            target=visit,
            old={"risk_rating": old_rating},
            new={"risk_rating": rating, "risks": len(rows), "assessment": assessment.pk},
        )
    return assessment


def impact_assessment_record(
    *,
    actor,
    visit: Visit,
    groups_affected: str,
    community_tensions: str,
    equality_considerations: str,
    mitigations: str,
) -> ImpactAssessment:
    """The equality and community impact assessment (ECIA), required before a red visit is authorised."""
    _require(actor, PLAN, "record an impact assessment")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    values = {
        "groups_affected": _text(
            errors, "groups_affected", groups_affected, "Enter the groups affected"
        ),
        "community_tensions": _text(
            errors,
            "community_tensions",
            community_tensions,
            "Enter the community tensions considered",
        ),
        "equality_considerations": _text(
            errors,
            "equality_considerations",
            equality_considerations,
            "Enter the equality considerations",
        ),
        "mitigations": _text(errors, "mitigations", mitigations, "Enter the mitigations"),
    }
    _raise(errors)
    with transaction.atomic():
        _editable(visit)
        ecia = ImpactAssessment.objects.create(
            visit=visit, completed_by=actor, completed_at=clock.now(), **values
        )
        _audit(actor=actor, verb="operations.ecia_completed", target=visit, new={"ecia": ecia.pk})
    return ecia


def plan_assessment_record(
    *, actor, visit: Visit, proportionate: str, legal: str, accountable: str, necessary: str
) -> PlanAssessment:
    """The PLAN assessment, a rationale for each letter, for the current plan version."""
    _require(actor, PLAN, "record a PLAN assessment")
    _require_visible(actor, visit)
    visit = _fresh(visit)
    errors: dict[str, str] = {}
    given = {
        "proportionate": proportionate,
        "legal": legal,
        "accountable": accountable,
        "necessary": necessary,
    }
    values = {
        key: _text(errors, key, value, f"Enter why the visit is {label.lower()}")
        for (key, label), value in zip(rules.PLAN_LETTERS.items(), given.values(), strict=True)
    }
    _raise(errors)
    with transaction.atomic():
        _editable(visit)
        plan = PlanAssessment.objects.create(
            visit=visit,
            plan_version=visit.plan_version,
            recorded_by=actor,
            recorded_at=clock.now(),
            **values,
        )
        _audit(
            actor=actor,
            verb="operations.plan_assessed",
            target=visit,
            new={"plan_assessment": plan.pk, "plan_version": visit.plan_version},
        )
    return plan
