"""Quality assurance's services (issue 20 item 1): rules refused with the reason and nothing
saved; seeded draws re-derived from their record; the monthly cap; each sampling method; levels
that adapt to results; reviews never by the person who did the work; feedback, learning items,
corrective tasks; disputes decided and kept; team observations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark import testing
from waymark.core import clock, sampling
from waymark.core.models import AuditEvent, Notification
from waymark.oversight.models import (
    LearningItem,
    QADispute,
    QAReview,
    SampleDraw,
    SampleItem,
    SamplingRule,
    TeamObservation,
)
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, answers, fill
from waymark.work.models import Task

NOV = date(2026, 11, 1)
pytestmark = pytest.mark.usefixtures("frozen")


def _rule(actor, **kw):
    values = {"name": "Random", "kind_key": KIND, "method": "random", "rate_percent": "20"}
    values.update(kw)
    return services.rule_create(actor=actor, **values)


# --- rules: bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate_percent", "150", "The rate must be between 0% and 100%"),
        ("rate_percent", "-1", "The rate must be between 0% and 100%"),
        ("rate_percent", "lots", "Enter the rate as a number from 0 to 100"),
        ("monthly_cap", -1, "The monthly cap cannot be negative"),
        ("tightened_percent", "101", "The rate must be between 0% and 100%"),
    ],
)
def test_a_rule_with_a_bad_rate_or_cap_is_refused_and_nothing_saved(
    kind_items, qa_assurance, field, value, message
):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        _rule(qa_assurance, **{field: value})
    assert exc.value.message_dict[field] == [message]
    assert not SamplingRule.objects.exists()
    assert AuditEvent.objects.count() == events


def test_only_the_assurance_team_configures_rules(kind_items, qa_manager):
    with pytest.raises(PermissionDenied):
        _rule(qa_manager)
    assert not SamplingRule.objects.exists()


# --- draws -------------------------------------------------------------------------------------


def test_a_draw_is_recorded_and_re_derived_from_its_seed(kind_items, qa_team, worker, qa_assurance):
    fill(kind_items, start=NOV, days=10, per_day=10, worker=worker, team=qa_team)
    rule = _rule(qa_assurance)
    draw = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 11, 10)
    )
    assert len(draw.drawn) == 20 and draw.population_count == 100
    assert draw.population == list(range(1, 101))
    assert draw.population_hash == sampling.population_hash(range(100, 0, -1))
    # An auditor with the record alone gets the same ids; another seed gives others.
    assert services.sample_rederive(draw) == draw.drawn
    assert sampling.draw(draw.population, 0.2, draw.seed) == draw.drawn
    assert sampling.draw(draw.population, 0.2, draw.seed + 1) != draw.drawn
    assert sorted(SampleItem.objects.filter(draw=draw).values_list("item_id", flat=True)) == (
        draw.drawn
    )
    event = AuditEvent.objects.get(verb="oversight.qa_sample_drawn")
    assert event.payload["seed"] == draw.seed and event.payload["drawn"] == draw.drawn
    # Each drawn item waits for review as a task.
    assert Task.objects.filter(task_type="oversight.qa_review").count() == 20


def test_a_draw_from_a_given_seed_is_the_same_draw(kind_items, qa_team, worker, qa_assurance):
    fill(kind_items, start=NOV, days=5, per_day=10, worker=worker, team=qa_team)
    one = services.sample_draw(
        actor=qa_assurance,
        rule=_rule(qa_assurance),
        period_start=NOV,
        period_end=date(2026, 11, 5),
        seed=12345,
    )
    two = services.sample_draw(
        actor=qa_assurance,
        rule=_rule(qa_assurance, name="Again"),
        period_start=NOV,
        period_end=date(2026, 11, 5),
        seed=12345,
    )
    assert one.drawn == two.drawn


def test_the_monthly_cap_limits_a_month_and_resets_the_next(
    kind_items, qa_team, worker, qa_assurance
):
    fill(kind_items, start=date(2026, 10, 1), days=40, per_day=5, worker=worker, team=qa_team)
    rule = _rule(qa_assurance, rate_percent="50", monthly_cap=12)
    first = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=date(2026, 10, 1), period_end=date(2026, 10, 7)
    )
    assert len(first.drawn) == 12 and first.cap_remaining == 12  # 50% of 35 is 18: capped
    assert "monthly cap" in first.reason
    second = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=date(2026, 10, 8), period_end=date(2026, 10, 14)
    )
    assert second.cap_remaining == 0 and second.drawn == []
    november = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 11, 7)
    )
    assert november.cap_remaining == 12 and len(november.drawn) == 12
    for draw in (first, second, november):
        assert services.sample_rederive(draw) == draw.drawn


def test_a_period_is_drawn_once_per_rule_and_must_have_ended(
    kind_items, qa_team, worker, qa_assurance
):
    fill(kind_items, start=NOV, days=5, per_day=5, worker=worker, team=qa_team)
    rule = _rule(qa_assurance)
    services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 11, 5)
    )
    with pytest.raises(ValidationError, match="already drawn"):
        services.sample_draw(
            actor=qa_assurance,
            rule=rule,
            period_start=date(2026, 11, 3),
            period_end=date(2026, 11, 9),
        )
    with pytest.raises(ValidationError, match="must have ended"):
        services.sample_draw(
            actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 12, 31)
        )
    assert SampleDraw.objects.count() == 1


def test_all_of_a_category(kind_items, qa_team, worker, qa_assurance):
    fill(kind_items, start=NOV, days=5, per_day=10, worker=worker, team=qa_team)
    rule = _rule(qa_assurance, method="category", rate_percent="", category="special")
    draw = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 11, 5)
    )
    assert draw.drawn == [10, 20, 30, 40, 50]


def test_time_driven_draws_work_that_reached_the_age_in_the_period(
    kind_items, qa_team, worker, qa_assurance
):
    fill(kind_items, start=date(2026, 10, 1), days=10, per_day=2, worker=worker, team=qa_team)
    rule = _rule(qa_assurance, method="time", rate_percent="100", age_days=28)
    # Work done 1-3 October is 28 days old on 29-31 October.
    draw = services.sample_draw(
        actor=qa_assurance,
        rule=rule,
        period_start=date(2026, 10, 29),
        period_end=date(2026, 10, 31),
    )
    assert draw.drawn == [1, 2, 3, 4, 5, 6]


def test_targeted_at_new_staff(kind_items, qa_team, worker, qa_assurance):
    old_hand = testing.user_make("em_caseworker", qa_team, last_name="Veteran")
    old_hand.date_joined = datetime(2024, 1, 1, tzinfo=clock.LONDON)
    old_hand.save()
    worker.date_joined = datetime(2026, 10, 1, tzinfo=clock.LONDON)
    worker.save()
    n = fill(kind_items, start=NOV, days=2, per_day=3, worker=worker, team=qa_team)
    fill(kind_items, start=NOV, days=2, per_day=3, worker=old_hand, team=qa_team, first_id=n)
    rule = _rule(qa_assurance, method="new_staff", rate_percent="100")
    draw = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=NOV, period_end=date(2026, 11, 2)
    )
    assert draw.drawn == [1, 2, 3, 4, 5, 6]


def _review_all(draw, reviewer, checklist, rating):
    for item in draw.items.all():
        services.review_record(
            actor=reviewer, item=item, line="second", answers=answers(checklist, rating)
        )


def test_targeted_after_a_failure(kind_items, qa_team, worker, qa_assurance, checklist):
    other = testing.user_make("em_caseworker", qa_team, last_name="Other")
    n = fill(kind_items, start=date(2026, 10, 1), days=1, per_day=1, worker=worker, team=qa_team)
    first = services.sample_draw(
        actor=qa_assurance,
        rule=_rule(qa_assurance, rate_percent="100"),
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 1),
    )
    _review_all(first, qa_assurance, checklist, "red")
    n = fill(kind_items, start=NOV, days=1, per_day=2, worker=worker, team=qa_team, first_id=n)
    fill(kind_items, start=NOV, days=1, per_day=2, worker=other, team=qa_team, first_id=n)
    rule = _rule(qa_assurance, name="After failure", method="after_failure", rate_percent="100")
    draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=NOV, period_end=NOV)
    assert draw.drawn == [2, 3]


def test_an_adaptive_rule_tightens_after_failing_rounds(
    kind_items, qa_team, worker, qa_assurance, checklist
):
    rule = _rule(qa_assurance, method="adaptive", rate_percent="10", tightened_percent="50")
    start = date(2026, 8, 1)
    n = 1
    for week, rating in enumerate(["red", "red"]):
        day = start + timedelta(days=7 * week)
        n = fill(kind_items, start=day, days=1, per_day=20, worker=worker, team=qa_team, first_id=n)
        draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=day, period_end=day)
        assert draw.level == "normal" and len(draw.drawn) == 2
        _review_all(draw, qa_assurance, checklist, rating)
    day = start + timedelta(days=14)
    fill(kind_items, start=day, days=1, per_day=20, worker=worker, team=qa_team, first_id=n)
    draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=day, period_end=day)
    assert draw.level == "tightened" and len(draw.drawn) == 10
    assert "2 of the last 2 lots failed" in draw.reason
    assert services.sample_rederive(draw) == draw.drawn


def test_an_adaptive_rule_per_person_tightens_only_for_the_person_failing(
    kind_items, qa_team, worker, qa_assurance, checklist
):
    good = testing.user_make("em_caseworker", qa_team, last_name="Good")
    rule = _rule(
        qa_assurance, method="adaptive", rate_percent="10", tightened_percent="100", per_person=True
    )
    n = fill(kind_items, start=date(2026, 9, 1), days=1, per_day=20, worker=worker, team=qa_team)
    n = fill(
        kind_items,
        start=date(2026, 9, 1),
        days=1,
        per_day=20,
        worker=good,
        team=qa_team,
        first_id=n,
    )
    draw = services.sample_draw(
        actor=qa_assurance, rule=rule, period_start=date(2026, 9, 1), period_end=date(2026, 9, 1)
    )
    for item in draw.items.all():
        rating = "red" if item.worker_id == worker.pk else "green"
        services.review_record(
            actor=qa_assurance, item=item, line="second", answers=answers(checklist, rating)
        )
    n = fill(kind_items, start=NOV, days=1, per_day=20, worker=worker, team=qa_team, first_id=n)
    fill(kind_items, start=NOV, days=1, per_day=20, worker=good, team=qa_team, first_id=n)
    draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=NOV, period_end=NOV)
    levels = {s["key"]: (s["level"], s["rate"]) for s in draw.strata}
    assert levels[f"user:{worker.pk}"] == ("tightened", 1.0)
    assert levels[f"user:{good.pk}"] == ("normal", 0.1)
    assert len(draw.drawn) == 22
    assert services.sample_rederive(draw) == draw.drawn


# --- reviews -----------------------------------------------------------------------------------


@pytest.fixture
def item(kind_items, qa_team, worker, qa_assurance, checklist):
    fill(kind_items, start=NOV, days=1, per_day=1, worker=worker, team=qa_team)
    draw = services.sample_draw(
        actor=qa_assurance,
        rule=_rule(qa_assurance, rate_percent="100"),
        period_start=NOV,
        period_end=NOV,
    )
    return draw.items.get()


def test_nobody_reviews_their_own_work(item, qa_team, checklist):
    manager_worker = testing.user_make("assurance", qa_team, last_name="Both")
    item.worker = manager_worker
    item.save()
    with pytest.raises(PermissionDenied, match="work you did yourself"):
        services.review_record(
            actor=manager_worker, item=item, line="second", answers=answers(checklist)
        )
    assert not QAReview.objects.exists()


def test_each_line_needs_its_role(item, qa_manager, qa_assurance, checklist):
    with pytest.raises(PermissionDenied):
        services.review_record(
            actor=qa_manager, item=item, line="second", answers=answers(checklist)
        )
    with pytest.raises(PermissionDenied):
        services.review_record(
            actor=qa_assurance, item=item, line="first", answers=answers(checklist)
        )
    review = services.review_record(
        actor=qa_manager, item=item, line="first", answers=answers(checklist)
    )
    assert review.line == "first" and review.rating == "green" and review.score == 1.0


def test_a_first_line_review_is_by_a_manager_of_the_team(item, checklist):
    from waymark.accounts.models import Team

    elsewhere = Team.objects.create(slug="elsewhere", name="Another team")
    outsider = testing.user_make("line_manager", elsewhere, last_name="Outsider")
    with pytest.raises(PermissionDenied, match="line manager of the team"):
        services.review_record(actor=outsider, item=item, line="first", answers=answers(checklist))
    assert not QAReview.objects.exists()


def test_a_red_or_amber_answer_needs_a_reason(item, qa_assurance, checklist):
    with pytest.raises(ValidationError) as exc:
        services.review_record(
            actor=qa_assurance, item=item, line="second", answers=answers(checklist, "red", [])
        )
    assert any("Give a reason for the red rating" in m for m in exc.value.messages)
    with pytest.raises(ValidationError):
        services.review_record(
            actor=qa_assurance,
            item=item,
            line="second",
            answers=answers(checklist, "red", ["nope"]),
        )
    with pytest.raises(ValidationError):
        services.review_record(actor=qa_assurance, item=item, line="second", answers={})
    assert not QAReview.objects.exists() and not LearningItem.objects.exists()


def test_a_red_review_gives_feedback_learning_and_a_corrective_task(
    item, worker, qa_manager, qa_assurance, checklist
):
    review = services.review_record(
        actor=qa_assurance,
        item=item,
        line="second",
        answers=answers(checklist, "red"),
        feedback="The reasons do not follow",
        corrective_action="Rewrite the reasons and reissue",
    )
    assert review.rating == review.final_rating == "red" and review.score == 0
    learning = LearningItem.objects.filter(user=worker)
    assert (
        learning.count() == 2 and "Reasons unclear" in learning.first().text + learning.last().text
    )
    task = Task.objects.get(pk=review.corrective_task_id)
    assert task.task_type == "oversight.qa_correct" and task.assignee_id == worker.pk
    assert task.description == "Rewrite the reasons and reissue"
    # Feedback to the person and to their manager.
    assert Notification.objects.filter(
        user=worker, url__contains=f"/qa/reviews/{review.pk}/"
    ).exists()
    assert Notification.objects.filter(user=qa_manager).exists()
    # The review task is done.
    assert not Task.objects.filter(task_type="oversight.qa_review", status="open").exists()


def test_a_corrective_task_needs_a_failing_rating(item, qa_assurance, checklist):
    with pytest.raises(ValidationError, match="red or amber"):
        services.review_record(
            actor=qa_assurance,
            item=item,
            line="second",
            answers=answers(checklist),
            corrective_action="Nothing to fix",
        )
    assert not QAReview.objects.exists()


# --- disputes ----------------------------------------------------------------------------------


@pytest.fixture
def red_review(item, qa_assurance, checklist):
    return services.review_record(
        actor=qa_assurance,
        item=item,
        line="second",
        answers=answers(checklist, "red"),
        corrective_action="Put it right",
    )


def test_only_the_reviewed_person_disputes(red_review, qa_manager):
    with pytest.raises(PermissionDenied):
        services.dispute_raise(actor=qa_manager, review=red_review, grounds="Not fair")
    assert not QADispute.objects.exists()


def test_a_dispute_needs_grounds_and_is_raised_once_in_time(red_review, worker):
    with pytest.raises(ValidationError):
        services.dispute_raise(actor=worker, review=red_review, grounds="  ")
    services.dispute_raise(actor=worker, review=red_review, grounds="The reasons were clear")
    with pytest.raises(ValidationError, match="already been disputed"):
        services.dispute_raise(actor=worker, review=red_review, grounds="Again")
    assert QADispute.objects.count() == 1


def test_a_dispute_out_of_time_is_refused(red_review, worker):
    with (
        clock.frozen(testing.NOW + timedelta(days=15)),
        pytest.raises(ValidationError, match="within 14 days"),
    ):
        services.dispute_raise(actor=worker, review=red_review, grounds="Late")


def test_the_reviewer_cannot_decide_the_dispute(red_review, worker, qa_assurance):
    dispute = services.dispute_raise(actor=worker, review=red_review, grounds="Clear reasons")
    with pytest.raises(PermissionDenied, match="other than the reviewer"):
        services.dispute_decide(
            actor=qa_assurance, dispute=dispute, outcome="rejected", reasons="Stands"
        )
    dispute.refresh_from_db()
    assert dispute.outcome == ""


def test_a_rejected_dispute_is_kept_and_the_rating_stands(red_review, worker, qa_second_assurance):
    dispute = services.dispute_raise(actor=worker, review=red_review, grounds="Clear reasons")
    services.dispute_decide(
        actor=qa_second_assurance, dispute=dispute, outcome="rejected", reasons="They were not"
    )
    dispute.refresh_from_db()
    red_review.refresh_from_db()
    assert dispute.outcome == "rejected" and dispute.decided_by == qa_second_assurance
    assert red_review.final_rating == "red"
    assert LearningItem.objects.filter(review=red_review, status="open").count() == 2
    assert Task.objects.get(pk=red_review.corrective_task_id).status == "open"
    with pytest.raises(ValidationError, match="already been decided"):
        services.dispute_decide(
            actor=qa_second_assurance,
            dispute=dispute,
            outcome="upheld",
            revised_rating="green",
            reasons="Changed my mind",
        )


def test_an_upheld_dispute_changes_the_rating_and_withdraws_the_follow_up(
    red_review, worker, qa_second_assurance
):
    dispute = services.dispute_raise(actor=worker, review=red_review, grounds="Clear reasons")
    with pytest.raises(ValidationError):
        services.dispute_decide(
            actor=qa_second_assurance, dispute=dispute, outcome="upheld", reasons="Yes"
        )
    services.dispute_decide(
        actor=qa_second_assurance,
        dispute=dispute,
        outcome="upheld",
        revised_rating="green",
        reasons="The reasons were clear on a second reading",
    )
    red_review.refresh_from_db()
    assert (red_review.rating, red_review.final_rating) == ("red", "green")
    assert not LearningItem.objects.filter(review=red_review, status="open").exists()
    assert Task.objects.get(pk=red_review.corrective_task_id).status == "cancelled"
    event = AuditEvent.objects.get(verb="oversight.qa_dispute_decided")
    assert event.payload["old"] == {"rating": "red"} and event.payload["new"] == {"rating": "green"}


# --- observations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "due"),
    [("green", date(2027, 5, 10)), ("amber", date(2027, 2, 10)), ("red", date(2026, 12, 10))],
)
def test_an_observation_sets_the_next_by_its_rating(qa_team, qa_assurance, rating, due):
    obs = services.observation_record(
        actor=qa_assurance,
        team=qa_team,
        observed_on=date(2026, 11, 10),
        rating=rating,
        notes="Observed a visit",
    )
    assert obs.next_due_on == due


def test_an_observation_is_refused_without_its_facts(qa_team, qa_assurance, qa_manager):
    with pytest.raises(ValidationError) as exc:
        services.observation_record(
            actor=qa_assurance, team=qa_team, observed_on=date(2027, 1, 1), rating="pink", notes=""
        )
    assert set(exc.value.message_dict) == {"observed_on", "rating", "notes"}
    with pytest.raises(PermissionDenied):
        services.observation_record(
            actor=qa_manager,
            team=qa_team,
            observed_on=date(2026, 11, 1),
            rating="green",
            notes="x",
        )
    assert not TeamObservation.objects.exists()
