"""Quality assurance's demo loader: a year of draws, reviews, disputes and observations, each draw
re-derivable from its record; a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from waymark import testing
from waymark.core import assurance
from waymark.core.assurance import WorkItem, WorkKind
from waymark.oversight.demo_qa import qa_demo_load
from waymark.oversight.models import QADispute, QAReview, SampleDraw, SamplingRule, TeamObservation
from waymark.oversight.services import qa as services


def test_the_demo_holds_a_year_of_quality_assurance(qa_team, monkeypatch):
    testing.user_make("assurance", qa_team, username="assurance")
    testing.user_make("line_manager", qa_team, username="line-manager")
    workers = [testing.user_make("em_caseworker", qa_team) for _ in range(3)]
    start = testing.NOW.date() - timedelta(days=400)
    items = [
        WorkItem(
            id=n,
            worker_id=workers[n % 3].pk,
            team_id=qa_team.pk,
            on=start + timedelta(days=n // 4),
            url=f"/x/{n}/",
        )
        for n in range(1, 1600)
    ]
    kind = WorkKind(
        "monitoring.em_review_decision",
        "EM review decision",
        "monitoring",
        lambda s, e: [i for i in items if s <= i.on <= e],
    )
    monkeypatch.setitem(assurance._KINDS, kind.key, kind)
    counts = qa_demo_load(anchor=testing.NOW)
    assert counts["oversight_qa_rules"] == SamplingRule.objects.count() >= 1
    draws = SampleDraw.objects.filter(rule__kind_key=kind.key)
    assert draws.count() == 12
    assert all(services.sample_rederive(d) == d.drawn for d in draws)
    assert all(len(d.drawn) <= 40 for d in draws)  # the monthly cap
    assert QAReview.objects.count() == counts["oversight_qa_reviews"] > 50
    assert QAReview.objects.filter(final_rating="red").exists()
    assert QADispute.objects.count() == counts["oversight_qa_disputes"] >= 1
    # Decided only where the assurance officer did not do the review.
    for dispute in QADispute.objects.exclude(outcome=""):
        assert dispute.decided_by_id != dispute.review.reviewer_id
    observations = TeamObservation.objects.filter(team=qa_team)
    assert observations.count() >= 2
    assert qa_demo_load(anchor=testing.NOW) == {"oversight_qa_rules": SamplingRule.objects.count()}
