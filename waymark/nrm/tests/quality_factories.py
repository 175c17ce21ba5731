"""Records made directly on the models for the quality, queue and figures tests (the referral and
decision services are written alongside; these tests are about what comes after)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from waymark.core.clock import LONDON
from waymark.nrm import rules
from waymark.nrm.models import Decision, Referral, SpecialistCheck

_seq = itertools.count(1)


def referral_make(person, form_version, *, received_at: datetime, **fields) -> Referral:
    n = next(_seq)
    values = {
        "reference": f"NRM-T{n:06d}",
        "person": person,
        "form_version": form_version,
        "answers": {"account": "An account", "indicators": "Indicators"},
        "received_at": received_at,
        "referrer_type": "detention_engagement_team",
        "consent": "consented",
        "age_group": "adult",
        "nationality": "ALB",
        "exploitation_types": ["forced_labour"],
        "rg_due_on": rules.rg_due_on(received_at.date()),
        "last_activity_at": received_at,
        "status": "rg_pending",
    }
    values.update(fields)
    return Referral.objects.create(**values)


def decision_make(
    referral,
    guidance,
    maker,
    *,
    stage="cg",
    outcome="positive_trafficking",
    status="served",
    made_at: datetime,
    served_at: datetime | None = None,
    **fields,
) -> Decision:
    values = {
        "referral": referral,
        "stage": stage,
        "outcome": outcome,
        "status": status,
        "decision_maker": maker,
        "legal_test": rules.CG_TEST if stage == "cg" else rules.RG_TEST,
        "guidance": guidance,
        "evidence_considered": "Evidence",
        "rationale": "Rationale",
        "made_at": made_at,
        "served_at": served_at
        if served_at is not None
        else (made_at + timedelta(days=1) if status == "served" else None),
    }
    values.update(fields)
    return Decision.objects.create(**values)


def served_positive_cgs(
    count, person, form_version, guidance, maker, *, on: date
) -> list[Decision]:
    at = datetime(on.year, on.month, on.day, 10, 0, tzinfo=LONDON)
    out = []
    for _ in range(count):
        referral = referral_make(
            person, form_version, received_at=at - timedelta(days=60), status="concluded"
        )
        out.append(
            decision_make(referral, guidance, maker, made_at=at - timedelta(days=1), served_at=at)
        )
    return out


def check_make(decision, *, requested_at: datetime, **fields) -> SpecialistCheck:
    return SpecialistCheck.objects.create(decision=decision, requested_at=requested_at, **fields)
