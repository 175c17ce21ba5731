"""A quality review is disputed once, when the reviewed person's form is submitted twice at the
same moment. Both requests passed the check made before the transaction; the second then failed
on the one-dispute-a-review constraint (an error page). Now the second waits for the first (the
review's row is locked) and is refused with the reason. A pause after each writer's audit entry,
before it commits, makes the overlap happen every time (PostgreSQL, real threads). Deciding a
dispute already re-checks under a lock: two decisions at once are tested here too."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight.models import QADispute, QAReview
from waymark.oversight.services import qa as services
from waymark.oversight.services import qa_reviews
from waymark.oversight.tests.qa.support import KIND, answers, fill
from waymark.testing import NOW

NOV = date(2026, 11, 1)

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_audit(monkeypatch):
    pause_after(monkeypatch, qa_reviews, "_audit")


@pytest.fixture
def red_review(kind_items, qa_team, worker, qa_assurance, checklist):
    with clock.frozen(NOW):
        fill(kind_items, start=NOV, days=1, per_day=1, worker=worker, team=qa_team)
        rule = services.rule_create(
            actor=qa_assurance, name="All", kind_key=KIND, method="random", rate_percent="100"
        )
        draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=NOV, period_end=NOV)
        return services.review_record(
            actor=qa_assurance,
            item=draw.items.get(),
            line="second",
            answers=answers(checklist, "red"),
            corrective_action="Put it right",
        )


def test_a_review_disputed_twice_at_once_is_disputed_once(monkeypatch, red_review, worker):
    _paused_audit(monkeypatch)

    def dispute(grounds):
        def work():
            services.dispute_raise(
                actor=worker, review=QAReview.objects.get(pk=red_review.pk), grounds=grounds
            )

        return work

    errors = run_at_once([dispute("Not fair"), dispute("Not fair at all")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been disputed" in errors[0]
    stored = QADispute.objects.get(review=red_review)
    raised = AuditEvent.objects.filter(verb="oversight.qa_disputed")
    assert raised.count() == 1
    assert raised.get().payload["grounds"] == stored.grounds


def test_two_decisions_on_one_dispute_at_once_store_one(
    monkeypatch, red_review, worker, qa_second_assurance, qa_team
):
    from waymark import testing

    third = testing.user_make("assurance", qa_team, last_name="Third")
    with clock.frozen(NOW):
        dispute = services.dispute_raise(actor=worker, review=red_review, grounds="Not fair")
    _paused_audit(monkeypatch)

    def decide(actor, outcome):
        def work():
            services.dispute_decide(
                actor=actor,
                dispute=QADispute.objects.get(pk=dispute.pk),
                outcome=outcome,
                reasons=f"{outcome}: read again",
                revised_rating="amber" if outcome == "upheld" else "",
            )

        return work

    errors = run_at_once([decide(qa_second_assurance, "upheld"), decide(third, "rejected")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been decided" in errors[0]
    dispute.refresh_from_db()
    decided = AuditEvent.objects.filter(verb="oversight.qa_dispute_decided")
    assert decided.count() == 1
    assert decided.get().payload["outcome"] == dispute.outcome


def test_one_piece_of_work_reviewed_twice_at_once_at_one_line_is_reviewed_once(
    monkeypatch, kind_items, qa_team, worker, qa_assurance, qa_second_assurance, checklist
):
    """Two assurance officers recording the second-line review of one sampled item at once: the
    second failed on the one-review-a-line constraint (an error page); now it is refused."""
    with clock.frozen(NOW):
        fill(kind_items, start=NOV, days=1, per_day=1, worker=worker, team=qa_team)
        rule = services.rule_create(
            actor=qa_assurance, name="All", kind_key=KIND, method="random", rate_percent="100"
        )
        item = services.sample_draw(
            actor=qa_assurance, rule=rule, period_start=NOV, period_end=NOV
        ).items.get()
    _paused_audit(monkeypatch)

    def review(actor, rating):
        def work():
            services.review_record(
                actor=actor, item=item, line="second", answers=answers(checklist, rating)
            )

        return work

    errors = run_at_once(
        [review(qa_assurance, "green"), review(qa_second_assurance, "amber")], at=NOW
    )
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already has a review" in errors[0]
    stored = QAReview.objects.get(item=item, line="second")
    recorded = AuditEvent.objects.filter(verb="oversight.qa_reviewed")
    assert recorded.count() == 1
    assert recorded.get().target_id == str(stored.pk)


def test_refusals_inside_the_lock_still_refuse_alone(red_review, worker):
    """The check repeated inside the transaction refuses as before when nothing is concurrent."""
    with clock.frozen(NOW):
        services.dispute_raise(actor=worker, review=red_review, grounds="Not fair")
        with pytest.raises(ValidationError, match="already been disputed"):
            services.dispute_raise(actor=worker, review=red_review, grounds="Again")
