"""Referral quality: the score is the share of the checklist met, feedback goes to the referring
team's single point of contact, training is recorded, and the trends put them side by side."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.models import AuditEvent, Notification
from waymark.nrm import models as m
from waymark.nrm import rules, selectors, services

pytestmark = pytest.mark.django_db

ANSWERS = {"account": "Worked 16 hours a day on a farm", "indicators": "Passport held by boss"}


@pytest.fixture
def referral(frozen, authority_team, form_version, first_responder, person):
    return services.referral_create(
        actor=first_responder,
        person=person,
        referrer_type="detention_engagement_team",
        consent="consented",
        age_group="adult",
        detained=True,
        exploitation_types=["forced_labour"],
        control_methods=["debt_bondage"],
        answers=ANSWERS,
    )


def _checklist(met: int) -> dict[str, bool]:
    return {k: i < met for i, k in enumerate(rules.QUALITY_CHECKLIST)}


def test_the_score_is_the_share_met_and_feedback_reaches_the_point_of_contact(
    referral, specialist, first_responder
):
    assessment = services.referral_quality_assess(
        actor=specialist,
        referral=referral,
        checklist=_checklist(3),
        feedback="Say when and where",
        point_of_contact=first_responder,
    )
    assert assessment.score == 3 / len(rules.QUALITY_CHECKLIST)
    services.quality_feedback_send(actor=specialist, assessment=assessment)
    assert Notification.objects.filter(user=first_responder).count() == 1
    assert AuditEvent.objects.filter(verb="nrm.quality_feedback_sent").exists()
    with pytest.raises(ValidationError):
        services.quality_feedback_send(actor=specialist, assessment=assessment)


def test_bad_assessments_are_refused(referral, specialist, first_responder, decision_maker):
    with pytest.raises(PermissionDenied):
        services.referral_quality_assess(
            actor=first_responder, referral=referral, checklist=_checklist(6), feedback="x"
        )
    with pytest.raises(ValidationError) as caught:
        services.referral_quality_assess(
            actor=specialist, referral=referral, checklist={"account_detailed": True}, feedback=""
        )
    assert set(caught.value.message_dict) == {"checklist", "feedback"}
    with pytest.raises(ValidationError):
        services.referral_quality_assess(
            actor=specialist,
            referral=referral,
            checklist=_checklist(6),
            feedback="x",
            point_of_contact=decision_maker,
        )
    assert not m.QualityAssessment.objects.exists()
    assessment = services.referral_quality_assess(
        actor=specialist, referral=referral, checklist=_checklist(6), feedback="Good"
    )
    with pytest.raises(ValidationError) as caught:
        services.quality_feedback_send(actor=specialist, assessment=assessment)
    assert "point of contact" in caught.value.message_dict["point_of_contact"][0]


def test_training_and_trends(referral, specialist, first_responder, other_responder, nrm_manager):
    services.referral_quality_assess(
        actor=specialist, referral=referral, checklist=_checklist(6), feedback="Good"
    )
    services.first_responder_training_record(
        actor=first_responder, user=first_responder, course="NRM", completed_on=date(2026, 2, 1)
    )
    services.first_responder_training_record(
        actor=nrm_manager, user=first_responder, course="NRM refresh", completed_on=date(2026, 9, 1)
    )
    with pytest.raises(ValidationError):
        services.first_responder_training_record(
            actor=first_responder, user=other_responder, course="NRM", completed_on=date(2026, 1, 1)
        )
    with pytest.raises(ValidationError):
        services.first_responder_training_record(
            actor=nrm_manager, user=first_responder, course="", completed_on=date(2030, 1, 1)
        )
    rows = selectors.quality_trends(nrm_manager)
    assert len(rows) == 1
    row = rows[0]
    assert row["team"] == "Detention engagement team Heathrow"
    assert (row["assessed"], row["mean_score"], row["good_share"]) == (1, 1.0, 1.0)
    assert row["training"] == [
        {"name": first_responder.get_full_name(), "latest": date(2026, 9, 1)}
    ]
    assert selectors.quality_trends(first_responder) == []
