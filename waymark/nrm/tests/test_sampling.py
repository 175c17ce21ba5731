"""Dip sampling of positive conclusive grounds decisions, ratings and trend reviews (002 rec 5c,
6b-c): 20% drawn, reproducible from the recorded seed, kept at 20% while more than half red."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.models import AuditEvent
from waymark.nrm import services
from waymark.nrm.models import QualityRating, SampleRound, TrendReview
from waymark.nrm.tests.quality_factories import served_positive_cgs
from waymark.work.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def october(person, form_version, guidance_edition, decision_maker):
    return served_positive_cgs(
        50, person, form_version, guidance_edition, decision_maker, on=date(2026, 10, 14)
    )


def _rate_all(actor, sample_round, reds):
    for i, rating in enumerate(QualityRating.objects.filter(sample_round=sample_round)):
        red = i < reds
        services.quality_rate(
            actor=actor,
            rating=rating,
            rating_value="red" if red else "green",
            reason_codes=["wrong_test"] if red else ["sound"],
            notes="Wrong test applied" if red else "",
        )


def test_twenty_percent_of_positive_cgs_drawn_with_rating_rows_and_tasks(specialist, october):
    sample_round = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    assert sample_round.rate == 0.20
    assert sample_round.population == sorted(d.pk for d in october)
    assert len(sample_round.drawn) == 10
    assert set(sample_round.drawn) <= set(sample_round.population)
    assert "standard rate of 20%" in sample_round.rate_reason
    ratings = QualityRating.objects.filter(sample_round=sample_round)
    assert sorted(ratings.values_list("decision_id", flat=True)) == sample_round.drawn
    assert all(r.rating == "" for r in ratings)
    assert Task.objects.filter(task_type="nrm.dip_sample_rate").count() == 10
    assert AuditEvent.objects.filter(verb="nrm.dip_sample_drawn").count() == 1


def test_draw_is_reproducible_from_the_recorded_seed(specialist, october):
    sample_round = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    stored = SampleRound.objects.get(pk=sample_round.pk)
    assert services.dip_sample_rederive(stored) == stored.drawn
    stored.seed += 1
    assert services.dip_sample_rederive(stored) != stored.drawn


def test_rate_stays_at_20_percent_while_more_than_half_red_and_eases_after_two_rounds(
    specialist, nrm_manager, person, form_version, guidance_edition, decision_maker
):
    for month in (7, 8, 9, 10):
        served_positive_cgs(
            20, person, form_version, guidance_edition, decision_maker, on=date(2026, month, 10)
        )
    july = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 7, 1), period_end=date(2026, 7, 31)
    )
    assert len(july.drawn) == 4
    _rate_all(specialist, july, reds=3)  # 75% red: more than half
    august = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 8, 1), period_end=date(2026, 8, 31)
    )
    assert august.rate == 0.20 and "more than 50%" in august.rate_reason
    _rate_all(nrm_manager, august, reds=2)  # exactly half: not over, but one round is not enough
    september = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30)
    )
    assert september.rate == 0.20
    _rate_all(specialist, september, reds=1)
    october = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    assert october.rate == 0.10 and "eased" in october.rate_reason
    assert len(october.drawn) == 2


def test_draw_refuses_bad_periods_and_other_roles(specialist, decision_maker, october):
    with pytest.raises(PermissionDenied):
        services.dip_sample_draw(
            actor=decision_maker, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
        )
    with pytest.raises(ValidationError, match="before its start"):
        services.dip_sample_draw(
            actor=specialist, period_start=date(2026, 10, 31), period_end=date(2026, 10, 1)
        )
    with pytest.raises(ValidationError, match="No positive"):
        services.dip_sample_draw(
            actor=specialist, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30)
        )
    services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    with pytest.raises(ValidationError, match="already covers"):
        services.dip_sample_draw(
            actor=specialist, period_start=date(2026, 10, 10), period_end=date(2026, 10, 20)
        )
    assert SampleRound.objects.count() == 1


def test_rating_closes_the_task_and_never_by_the_decision_maker(
    specialist, authority_team, october
):
    from waymark import testing

    sample_round = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    rating = QualityRating.objects.filter(sample_round=sample_round).first()
    maker_as_specialist = rating.decision.decision_maker
    maker_as_specialist.groups.add(
        *testing.user_make("technical_specialist", authority_team).groups.all()
    )
    maker = type(maker_as_specialist).objects.get(pk=maker_as_specialist.pk)
    with pytest.raises(PermissionDenied, match="you made"):
        services.quality_rate(
            actor=maker, rating=rating, rating_value="green", reason_codes=["sound"]
        )
    with pytest.raises(ValidationError) as err:
        services.quality_rate(
            actor=specialist, rating=rating, rating_value="purple", reason_codes=[]
        )
    assert set(err.value.message_dict) == {"rating", "reason_codes"}
    with pytest.raises(ValidationError, match="Explain a red"):
        services.quality_rate(
            actor=specialist, rating=rating, rating_value="red", reason_codes=["credibility"]
        )
    rating.refresh_from_db()
    assert rating.rating == ""
    services.quality_rate(
        actor=specialist, rating=rating, rating_value="amber", reason_codes=["rationale_unclear"]
    )
    rating.refresh_from_db()
    assert rating.rating == "amber" and rating.rated_by == specialist
    task = Task.objects.get(dedupe_key=f"nrm-rate-{rating.pk}")
    assert task.status == "done"


def test_trend_review_snapshots_ratings_by_maker_and_cohort(specialist, nrm_manager, october):
    sample_round = services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    _rate_all(specialist, sample_round, reds=4)
    review = services.trend_review_record(
        actor=nrm_manager,
        quarter_start=date(2026, 10, 1),
        findings="Red share high",
        actions="Train",
    )
    figures = TrendReview.objects.get(pk=review.pk).figures
    (maker_row,) = figures["by_decision_maker"]
    assert (maker_row["red"], maker_row["green"], maker_row["total"]) == (4, 6, 10)
    assert figures["by_priority_cohort"][0]["label"] == "No priority"
    with pytest.raises(ValidationError, match="already been reviewed"):
        services.trend_review_record(
            actor=nrm_manager, quarter_start=date(2026, 10, 1), findings="Again"
        )
    with pytest.raises(ValidationError, match="Choose a quarter"):
        services.trend_review_record(
            actor=nrm_manager, quarter_start=date(2026, 11, 1), findings="x"
        )
