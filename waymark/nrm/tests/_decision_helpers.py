"""Builders for the decision tests: a referral made directly on the models (helper A's
``referral_create`` is tested on its own), and a decision walked to a given point through the
services."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from waymark.core import clock
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import services as s

_seq = count(1)


def referral_make(*, person, form_version, referrer=None, team=None, **fields) -> m.Referral:
    now = clock.now()
    values = {
        "reference": f"NRM-T{next(_seq):05d}",
        "person": person,
        "form_version": form_version,
        "answers": {"account": "Made to work without pay", "indicators": "Debt bondage"},
        "status": m.ReferralStatus.RG_PENDING,
        "received_at": now,
        "referrer": referrer,
        "referrer_type": "detention_engagement_team",
        "consent": "consented",
        "age_group": "adult",
        "rg_due_on": rules.rg_due_on(now.date()),
        "owning_team": team,
        "last_activity_at": now,
    }
    values.update(fields)
    return m.Referral.objects.create(**values)


def draft(referral, actor, *, stage="rg", outcome="positive", level=None) -> m.Decision:
    return s.decision_draft(
        actor=actor,
        referral=referral,
        stage=stage,
        outcome=outcome,
        evidence_considered="The referral and the casework records",
        rationale="The account is consistent and detailed",
        safeguarding_level=level,
    )


def served(referral, actor, specialist=None, *, stage="rg", outcome="positive") -> m.Decision:
    """A decision drafted, signed off, checked where negative, and served by post."""
    decision = draft(referral, actor, stage=stage, outcome=outcome)
    s.decision_sign_off(actor=actor, decision=decision)
    if not decision.positive:
        check = decision.checks.get()
        s.check_agree(actor=specialist, check=check)
        decision.refresh_from_db()
    s.decision_serve(actor=actor, decision=decision, method="post")
    decision.refresh_from_db()
    referral.refresh_from_db()
    return decision


def later(days: int):
    """The clock frozen ``days`` after now (a context manager)."""
    return clock.frozen(clock.now() + timedelta(days=days))
