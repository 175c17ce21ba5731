"""The authority's home, the decision maker's queue, the check queue, sampling, ratings and trend
review pages: who sees them, what they show, and the error summary on bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from waymark import testing
from waymark.core.clock import LONDON
from waymark.core.models import AuditEvent
from waymark.nrm import services
from waymark.nrm.models import QualityRating, TrendReview
from waymark.nrm.tests.quality_factories import (
    check_make,
    decision_make,
    referral_make,
    served_positive_cgs,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("waymark.nrm.tests.stub_urls"),
    pytest.mark.usefixtures("frozen"),
]

RECEIVED = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)


def _get(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def test_home_shows_what_each_role_can_do(client, decision_maker, specialist, outsider):
    """A caseworker may refer (the home page offers that); a user with no such role is told how to
    get access and offered nothing."""
    page = _get(client, decision_maker, "nrm:home").content.decode()
    assert "Your referrals to decide" in page and "Specialist checks" not in page
    page = _get(client, specialist, "nrm:home").content.decode()
    assert "Specialist checks waiting" in page and "Dip sampling" in page
    page = _get(client, outsider, "nrm:home").content.decode()
    assert "Refer a potential victim" in page and "Your referrals to decide" not in page
    response = _get(client, testing.user_make(None), "nrm:home")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "does not include the competent authority" in page
        and "Refer a potential victim" not in page
    )


def test_queue_lists_my_referrals_with_rg_target_and_sorts(
    client, decision_maker, second_decision_maker, person, form_version
):
    late = referral_make(person, form_version, received_at=RECEIVED, decision_maker=decision_maker)
    fresh = referral_make(
        person,
        form_version,
        received_at=RECEIVED + timedelta(days=14),
        decision_maker=decision_maker,
    )
    other = referral_make(
        person, form_version, received_at=RECEIVED, decision_maker=second_decision_maker
    )
    response = _get(client, decision_maker, "nrm:queue")
    page = response.content.decode()
    assert response.status_code == 200
    assert late.reference in page and fresh.reference in page and other.reference not in page
    assert "Overdue by" in page  # due 9 Nov, today 18 Nov
    assert page.index(late.reference) < page.index(fresh.reference)
    page = _get(client, decision_maker, "nrm:queue", sort="-received").content.decode()
    assert page.index(fresh.reference) < page.index(late.reference)
    assert ">16<" in page  # days since referral for the 2 Nov referral on 18 Nov


def test_queue_is_for_decision_makers_only(client, case_preparer, first_responder):
    assert _get(client, case_preparer, "nrm:queue").status_code == 403
    assert _get(client, first_responder, "nrm:queue").status_code == 403


def test_queue_paginates(client, decision_maker, person, form_version):
    for _ in range(51):
        referral_make(person, form_version, received_at=RECEIVED, decision_maker=decision_maker)
    page = _get(client, decision_maker, "nrm:queue").content.decode()
    assert "page 1 of 2" in page


def test_check_queue_shows_backlog_oldest_and_ratio(
    client,
    specialist,
    decision_maker,
    second_decision_maker,
    person,
    form_version,
    guidance_edition,
):
    referral = referral_make(person, form_version, received_at=RECEIVED)
    decision = decision_make(
        referral,
        guidance_edition,
        decision_maker,
        stage="rg",
        outcome="negative",
        status="awaiting_check",
        made_at=RECEIVED,
    )
    check_make(decision, requested_at=datetime(2026, 11, 8, 9, 0, tzinfo=LONDON))
    page = _get(client, specialist, "nrm:check-queue").content.decode()
    assert referral.reference in page
    assert "10 days" in page  # 8 Nov to 18 Nov
    assert "2.0:1 (2 decision makers, 1 specialists) against the stated 9:1" in page
    assert "Within" in page
    assert _get(client, decision_maker, "nrm:check-queue").status_code == 403


def test_sampling_draw_from_the_page_and_rate_a_decision(
    client, specialist, person, form_version, guidance_edition, decision_maker
):
    served_positive_cgs(
        10, person, form_version, guidance_edition, decision_maker, on=date(2026, 10, 14)
    )
    client.force_login(specialist)
    response = client.post(
        reverse("nrm:sampling"),
        {
            "period_start_0": "1",
            "period_start_1": "10",
            "period_start_2": "2026",
            "period_end_0": "31",
            "period_end_1": "10",
            "period_end_2": "2026",
        },
    )
    assert response.status_code == 302
    round_page = client.get(response["Location"]).content.decode()
    assert "2 of 10 positive conclusive grounds decisions" in round_page
    assert "Re-derived: the same decisions" in round_page
    rating = QualityRating.objects.first()
    url = reverse("nrm:rating", args=[rating.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Rationale" in page.content.decode()
    assert AuditEvent.objects.filter(verb="nrm.referral_viewed").exists()
    bad = client.post(url, {"rating": "red", "reason_codes": ["credibility"]})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    assert "Explain a red rating" in bad.content.decode()
    good = client.post(url, {"rating": "green", "reason_codes": ["sound"]})
    assert good.status_code == 302
    rating.refresh_from_db()
    assert rating.rating == "green"


def test_sampling_page_error_summary_on_bad_period(client, specialist):
    client.force_login(specialist)
    response = client.post(reverse("nrm:sampling"), {"period_start_0": "1"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_trend_reviews_page_records_a_review(client, nrm_manager, specialist):
    client.force_login(nrm_manager)
    page = client.get(reverse("nrm:trend-reviews"))
    assert page.status_code == 200 and "By decision maker" in page.content.decode()
    response = client.post(
        reverse("nrm:trend-reviews"),
        {"quarter_start": "2026-10-01", "findings": "Fewer reds", "actions": ""},
    )
    assert response.status_code == 302
    assert TrendReview.objects.get().findings == "Fewer reds"
    again = client.post(reverse("nrm:trend-reviews"), {"quarter_start": "2026-10-01"})
    assert again.status_code == 400


def test_rating_refused_to_the_decisions_own_maker(
    client, authority_team, person, form_version, guidance_edition, specialist
):
    maker = testing.user_make("technical_specialist", authority_team)
    served_positive_cgs(5, person, form_version, guidance_edition, maker, on=date(2026, 10, 14))
    services.dip_sample_draw(
        actor=specialist, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )
    rating = QualityRating.objects.first()
    client.force_login(maker)
    url = reverse("nrm:rating", args=[rating.pk])
    assert "someone else must rate it" in client.get(url).content.decode()
    response = client.post(url, {"rating": "green", "reason_codes": ["sound"]})
    assert response.status_code == 400 and "You cannot rate a decision you made" in (
        response.content.decode()
    )
