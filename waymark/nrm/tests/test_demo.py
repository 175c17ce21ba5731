"""The competent authority's demo: a year at the IECA's volumes, about half positive, and the
figures come out in the national statistics' shape."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from waymark.core.clock import LONDON
from waymark.core.demo_loaders import demo_loaders
from waymark.nrm import rules
from waymark.nrm.demo import nrm_demo_load
from waymark.nrm.models import (
    Decision,
    GuidanceEdition,
    QualityRating,
    Referral,
    ReferralFormVersion,
    SampleRound,
    SpecialistCheck,
)
from waymark.nrm.selectors import figures as fig
from waymark.people import services as people_services

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ANCHOR = datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)


def test_demo_loader_is_registered():
    assert "nrm" in [loader.name for loader in demo_loaders()]


def test_a_year_at_the_iecas_volumes_about_half_positive(authority_team):
    for i, country in enumerate(["ALB", "VNM", "ERI", "SDN", "IND"]):
        people_services.person_create(
            actor=None,
            given_names=f"Demo{i}",
            family_name="Person",
            date_of_birth=date(1990, 1, 1 + i),
            nationalities=(country,),
            owning_team=authority_team,
        )
    counts = nrm_demo_load(anchor=ANCHOR, scale=1.0, seed=7)
    assert counts["referrals"] == 4 * rules.DEMO_REFERRALS_PER_QUARTER
    assert Referral.objects.count() == 4 * rules.DEMO_REFERRALS_PER_QUARTER
    for stage in ("rg", "cg"):
        served = Decision.objects.filter(stage=stage, status="served")
        positive = served.filter(outcome__in=rules.POSITIVE_OUTCOMES).count()
        assert 0.4 < positive / served.count() < 0.65, stage
    negatives = Decision.objects.filter(outcome="negative")
    assert SpecialistCheck.objects.filter(status="agreed").count() == negatives.count()
    # Further information asked before about one RG decision in 25; late without good reason
    # only when answered after the due date.
    from waymark.nrm.models import InformationRequest

    rgs = Decision.objects.filter(stage="rg").count()
    assert counts["information_requests"] == round(rgs / 25)
    for request in InformationRequest.objects.all():
        assert request.sent_at < request.answered_at
        if request.late_without_good_reason:
            assert request.answered_at.astimezone(LONDON).date() > request.due_on
    assert Decision.objects.exclude(urgent_service_by=None).exists()
    assert Decision.objects.exclude(safeguarding_level=None).exists()
    assert GuidanceEdition.objects.exclude(superseded_on=None).count() == 1
    assert set(ReferralFormVersion.objects.values_list("version", flat=True)) == {1, 2}
    assert SampleRound.objects.count() >= 3
    assert not QualityRating.objects.filter(rating="").exists()

    q3 = (date(2026, 7, 1), date(2026, 9, 30))
    rows = fig.all_figures(*q3)
    (authority,) = rows["by_competent_authority"]
    assert 600 < authority[1] < 660  # about 631 a quarter
    assert {r[0] for r in rows["referrals_by_referrer_type"]} >= {"Police", "Local authority"}
    assert len(rows["referrals_by_nationality"]) == 5
    assert {r[0] for r in rows["decisions_by_stage_and_outcome"]} == {
        "Reasonable grounds",
        "Conclusive grounds",
    }
    assert rows["time_to_decision"][0][3] > 0.5  # most RG decisions within 5 working days
    assert fig.data_quality()["negative_without_check"] == 0
