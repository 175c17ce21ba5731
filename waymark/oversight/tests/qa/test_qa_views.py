"""Quality assurance's pages: every role on every page, the forms and their refusals (GOV.UK
error summary, nothing saved), the reviewed person's own pages, the draw page's re-derivation,
the detection table and the trends."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.oversight import permissions as perms
from waymark.oversight.models import QADispute, SamplingRule, TeamObservation
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, answers, fill

NOV = date(2026, 11, 1)
pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def world(kind_items, qa_team, worker, qa_assurance, checklist):
    fill(kind_items, start=NOV, days=5, per_day=4, worker=worker, team=qa_team)
    rule = services.rule_create(
        actor=qa_assurance,
        name="Half",
        kind_key=KIND,
        method="random",
        rate_percent="50",
        monthly_cap=100,
    )
    draw = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 11, 5)
    )
    items = list(draw.items.all())
    review = services.review_record(
        actor=qa_assurance, item=items[0], line="second", answers=answers(checklist, "red")
    )
    dispute = services.dispute_raise(actor=worker, review=review, grounds="Not so")
    return {"rule": rule, "draw": draw, "item": items[1], "review": review, "dispute": dispute}


def _pages(w):
    return {
        "qa-home": (perms.QA_VIEW, reverse("oversight:qa-home")),
        "checklists": (perms.QA_VIEW, reverse("oversight:qa-checklists")),
        "rule-new": (perms.QA_CONFIGURE, reverse("oversight:qa-rule-new")),
        "rule-draw": (perms.QA_CONFIGURE, reverse("oversight:qa-rule-draw", args=[w["rule"].pk])),
        "draw": (perms.QA_VIEW, reverse("oversight:qa-draw", args=[w["draw"].pk])),
        "review-first": (
            perms.QA_FIRST_LINE,
            reverse("oversight:qa-review-first", args=[w["item"].pk]),
        ),
        "review-second": (
            perms.QA_SECOND_LINE,
            reverse("oversight:qa-review-second", args=[w["item"].pk]),
        ),
        "dispute-decide": (
            perms.QA_DECIDE_DISPUTES,
            reverse("oversight:qa-dispute-decide", args=[w["dispute"].pk]),
        ),
        "observations": (perms.QA_VIEW, reverse("oversight:qa-observations")),
        "observation-new": (perms.QA_OBSERVE, reverse("oversight:qa-observation-new")),
        "trends": (perms.QA_VIEW, reverse("oversight:qa-trends")),
    }


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, qa_team, world, client):
    user = testing.user_make(role_key, qa_team)
    client.force_login(user)
    for name, (permission, url) in _pages(world).items():
        response = client.get(url)
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)
    # Object pages: anyone who reads QA, or the person whose work it is (404 to others).
    sees = user.has_perm(perms.QA_VIEW)
    for url in (
        reverse("oversight:qa-item", args=[world["item"].pk]),
        reverse("oversight:qa-review", args=[world["review"].pk]),
    ):
        assert client.get(url).status_code == (200 if sees else 404), (role_key, url)
    # Only the reviewed person disputes.
    response = client.get(reverse("oversight:qa-dispute", args=[world["review"].pk]))
    assert response.status_code == (403 if sees else 404), role_key
    assert client.get(reverse("oversight:qa-mine")).status_code == 200


def test_the_reviewed_person_sees_and_disputes_their_own_review(world, worker, client):
    client.force_login(worker)
    review = world["review"]
    page = client.get(reverse("oversight:qa-review", args=[review.pk]))
    assert page.status_code == 200 and "Red" in page.content.decode()
    mine = client.get(reverse("oversight:qa-mine")).content.decode()
    assert f"/qa/reviews/{review.pk}/" in mine and "Reasons unclear" in mine
    # Their own work's other item is visible to them too; the QA pages are not.
    assert client.get(reverse("oversight:qa-item", args=[world["item"].pk])).status_code == 200
    assert client.get(reverse("oversight:qa-home")).status_code == 403


def test_a_rule_with_a_rate_over_100_is_refused_on_the_page(qa_assurance, kind_items, client):
    client.force_login(qa_assurance)
    response = client.post(
        reverse("oversight:qa-rule-new"),
        {
            "name": "Too much",
            "kind_key": KIND,
            "method": "random",
            "rate_percent": "120",
            "monthly_cap": "-3",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "The rate must be between 0% and 100%" in body
    assert "The monthly cap cannot be negative" in body
    assert not SamplingRule.objects.exists()


def test_a_rule_is_added_and_drawn_from_the_pages(
    qa_assurance, kind_items, qa_team, worker, checklist, client
):
    fill(kind_items, start=NOV, days=3, per_day=10, worker=worker, team=qa_team)
    client.force_login(qa_assurance)
    response = client.post(
        reverse("oversight:qa-rule-new"),
        {"name": "Tenth", "kind_key": KIND, "method": "random", "rate_percent": "10"},
    )
    assert response.status_code == 302
    rule = SamplingRule.objects.get()
    response = client.post(
        reverse("oversight:qa-rule-draw", args=[rule.pk]),
        {
            "period_start_0": "1",
            "period_start_1": "11",
            "period_start_2": "2026",
            "period_end_0": "3",
            "period_end_1": "11",
            "period_end_2": "2026",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Same items" in page and "3 of 30" in page


def test_the_rules_page_shows_the_chance_of_detection(world, qa_assurance, client):
    client.force_login(qa_assurance)
    page = client.get(reverse("oversight:qa-home") + "?weeks=8").content.decode()
    assert "within 8 weeks" in page
    # A rate the reader asks for joins the table.
    page = client.get(reverse("oversight:qa-home") + "?weeks=8&error=7").content.decode()
    assert "7% faulty" in page
    # Bad input falls back to the defaults, not a 500.
    for query in ("?weeks=-4", "?error=abc", "?error=250", "?error=-3"):
        response = client.get(reverse("oversight:qa-home") + query)
        assert response.status_code == 200 and "7% faulty" not in response.content.decode()


def test_a_review_without_reasons_is_refused_on_the_page(world, qa_assurance, checklist, client):
    client.force_login(qa_assurance)
    q = list(checklist.questions.all())
    response = client.post(
        reverse("oversight:qa-review-second", args=[world["item"].pk]),
        {f"q{q[0].pk}": "red", f"q{q[1].pk}": "green"},
    )
    assert response.status_code == 400
    assert "Give a reason for the red rating" in response.content.decode()


def test_the_dispute_is_decided_on_the_page(world, qa_second_assurance, client):
    client.force_login(qa_second_assurance)
    response = client.post(
        reverse("oversight:qa-dispute-decide", args=[world["dispute"].pk]),
        {"outcome": "rejected", "reasons": "The rating stands"},
    )
    assert response.status_code == 302
    assert QADispute.objects.get().outcome == "rejected"


def test_an_observation_is_recorded_on_the_page(qa_assurance, qa_team, client):
    client.force_login(qa_assurance)
    response = client.post(
        reverse("oversight:qa-observation-new"),
        {
            "team": qa_team.pk,
            "observed_on_0": "2",
            "observed_on_1": "11",
            "observed_on_2": "2026",
            "rating": "amber",
            "notes": "Two issues",
        },
    )
    assert response.status_code == 302
    assert TeamObservation.objects.get().next_due_on == date(2027, 2, 2)
    page = client.get(reverse("oversight:qa-observations")).content.decode()
    assert qa_team.name in page and "2 Feb 2027" in page


def test_trends_by_team_person_and_question(world, qa_assurance, client):
    client.force_login(qa_assurance)
    # One review, both questions red: two of two answers failing for the team and the person,
    # one of one for each question.
    for by, expected, cell in (
        ("team", "Decisions team", "2/2"),
        ("person", "Worker", "2/2"),
        ("question", "Are the reasons clear?", "1/1"),
    ):
        page = client.get(reverse("oversight:qa-trends") + f"?by={by}").content.decode()
        assert expected in page and cell in page, by
    assert client.get(reverse("oversight:qa-trends") + "?by=nonsense").status_code == 200


def test_the_person_marks_a_learning_item_done_and_nobody_else_can(
    world, worker, qa_manager, client
):
    from waymark.oversight.models import LearningItem

    item = LearningItem.objects.filter(user=worker).first()
    url = reverse("oversight:qa-learning-done", args=[item.pk])
    client.force_login(qa_manager)
    assert client.post(url).status_code == 404
    client.force_login(worker)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    # Done is final: a second press changes nothing and is not a 500.
    assert client.post(url).status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
