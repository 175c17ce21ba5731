"""Quality per person and team, and the training needs QA failures suggest (issue 20 item 2):
the ratings that stand (second line over first, after a dispute) over the period, beside
throughput and timeliness on the performance page; coded failure reasons mapped to training
topics per person and team, with the count and the latest review, on the training-needs page and
the person's "My quality reviews"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from waymark import testing
from waymark.core import clock
from waymark.oversight import rules
from waymark.oversight.selectors import qa_people
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, answers, fill

NOV = date(2026, 11, 1)
pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def items(kind_items, qa_team, worker, qa_assurance, checklist):
    fill(kind_items, start=NOV, days=1, per_day=3, worker=worker, team=qa_team)
    rule = services.rule_create(
        actor=qa_assurance, name="All", kind_key=KIND, method="random", rate_percent="100"
    )
    draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=NOV, period_end=NOV)
    return list(draw.items.order_by("item_id"))


@pytest.fixture
def reviewed(items, qa_assurance, qa_manager, checklist):
    """Item 1 green (second line) over red (first line); item 2 amber; item 3 red."""
    services.review_record(
        actor=qa_manager, item=items[0], line="first", answers=answers(checklist, "red")
    )
    services.review_record(
        actor=qa_assurance, item=items[0], line="second", answers=answers(checklist, "green")
    )
    services.review_record(
        actor=qa_assurance, item=items[1], line="second", answers=answers(checklist, "amber")
    )
    services.review_record(
        actor=qa_assurance,
        item=items[2],
        line="second",
        answers=answers(checklist, "red", reasons=None),
    )
    return items


def _period():
    now = clock.now()
    return now - timedelta(days=30), now + timedelta(seconds=1)


def test_quality_per_person_counts_the_review_that_stands(reviewed, worker, qa_team):
    since, until = _period()
    by_person = qa_people.quality_by(since=since, until=until, by="person")
    assert by_person[worker.pk] == {
        "reviewed": 3,
        "green_percent": 33,
        "amber_percent": 33,
        "red_percent": 33,
        "score_percent": 50,  # green 100%, amber 50%, red 0%
    }
    by_team = qa_people.quality_by(since=since, until=until, by="team")
    assert by_team[qa_team.pk]["reviewed"] == 3


def test_reviews_outside_the_period_are_not_counted(reviewed, worker):
    later = clock.now() + timedelta(days=60)
    assert qa_people.quality_by(since=later, until=later + timedelta(days=30), by="person") == {}


def test_the_performance_page_shows_quality_beside_throughput(reviewed, worker, qa_manager, client):
    client.force_login(qa_manager)
    body = client.get(reverse("oversight:performance")).content.decode()
    assert "Throughput, timeliness and quality" in body
    assert worker.display_name in body  # reviewed, though they finished no task
    assert "33% / 33% / 33%" in body and "50%" in body


def test_failure_reasons_suggest_training_per_person(reviewed, worker, qa_team):
    rows = qa_people.training_needs(by="person")
    assert [r.key for r in rows] == [worker.pk]
    topics = {n.topic: n for n in rows[0].needs}
    # the checklist's reasons: "unclear" (no topic), "late" (timeliness); the first-line red
    # review of item 1 still counts (its item's rating stands green at the second line, but the
    # first-line answers were given and the review was not disputed)
    assert set(topics) == {"timeliness"}
    need = topics["timeliness"]
    assert need.failures == 3  # item 1's first line, item 2 amber, item 3 red
    assert need.reasons == {"Late": 3}
    assert need.latest_review_id == reviewed[2].reviews.get().pk
    assert qa_people.training_needs(by="team", team_id=qa_team.pk)[0].needs[0].failures == 3


def test_a_kind_specific_reason_maps_before_the_bare_code(monkeypatch, reviewed, worker):
    monkeypatch.setitem(rules.QA_REASON_TRAINING, f"{KIND}:unclear", "written_reasons")
    topics = {n.topic for n in qa_people.training_needs(by="person")[0].needs}
    assert topics == {"timeliness", "written_reasons"}


def test_a_dispute_that_lifts_a_review_to_green_takes_its_failures_away(
    items, qa_assurance, qa_second_assurance, worker, checklist
):
    review = services.review_record(
        actor=qa_assurance, item=items[0], line="second", answers=answers(checklist, "red")
    )
    dispute = services.dispute_raise(actor=worker, review=review, grounds="It was on time")
    assert qa_people.training_needs(by="person")
    services.dispute_decide(
        actor=qa_second_assurance,
        dispute=dispute,
        outcome="upheld",
        reasons="The record shows it was on time",
        revised_rating="green",
    )
    assert qa_people.training_needs(by="person") == []


def test_old_failures_are_not_recent(reviewed):
    later = datetime.combine(
        NOV + timedelta(days=rules.TRAINING_NEEDS_LOOKBACK_DAYS + 40), datetime.min.time()
    ).replace(tzinfo=clock.LONDON)
    with clock.frozen(later):
        assert qa_people.training_needs(by="person") == []


def test_the_training_needs_page_and_my_reviews_list_the_suggestions(
    reviewed, worker, qa_manager, client
):
    client.force_login(qa_manager)
    body = client.get(reverse("oversight:training-needs")).content.decode()
    assert "Managing work to its deadlines" in body and worker.display_name in body
    assert reverse("oversight:qa-review", args=[reviewed[2].reviews.get().pk]) in body
    client.force_login(worker)
    mine = client.get(reverse("oversight:qa-mine")).content.decode()
    assert "Suggested training" in mine and "Managing work to its deadlines" in mine


def test_empty_states(db, client, qa_team):
    manager = testing.user_make("line_manager", qa_team)
    client.force_login(manager)
    body = client.get(reverse("oversight:training-needs")).content.decode()
    assert "No recent failures suggest training" in body
    mine = client.get(reverse("oversight:qa-mine")).content.decode()
    assert "no recent review of your work suggests training" in mine
