"""The tracker's evidence checks that read the rest of oversight and the platform: a guidance
version approved, a sampling rule in force, a figure that moved (issue 20 item 6: "closure needs
evidence Waymark can check"). Each is shown failing, then passing once the evidence exists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from waymark import testing
from waymark.core import clock
from waymark.core.metrics import Metric, registered_for_test
from waymark.guidance import services as guidance_services
from waymark.oversight import rules, services
from waymark.oversight.evidence import evidence_evaluate
from waymark.oversight.models import ActionStatus, SampleDraw, SamplingRule

pytestmark = pytest.mark.django_db


def _page(author):
    return guidance_services.guidance_publish(
        actor=author,
        title="Dip sampling of conclusive grounds decisions",
        summary="How positive CG decisions are sampled.",
        body="Sample at the configured rate.",
        module="casework",
        step_key="",
    )


def test_guidance_version_approved_fails_until_someone_else_approves_it(
    assurance, second_assurance
):
    assert not evidence_evaluate("guidance_version_approved", "").passed
    assert "No version" in evidence_evaluate("guidance_version_approved", "no-such-page").detail
    page = _page(assurance)
    owed = evidence_evaluate("guidance_version_approved", page.slug)
    assert not owed.passed and "second check owed" in owed.detail
    guidance_services.guidance_approve(actor=second_assurance, version=page.versions.get())
    assert evidence_evaluate("guidance_version_approved", page.slug).passed


def _rule(**extra) -> SamplingRule:
    data = {
        "name": "EM review decisions at 10%",
        "kind_key": "monitoring.em_review_decision",
        "method": "random",
        "rate": 0.1,
        "created_at": clock.now(),
    }
    data.update(extra)
    return SamplingRule.objects.create(**data)


def _draw(rule: SamplingRule, month: date) -> SampleDraw:
    return SampleDraw.objects.create(
        rule=rule,
        period_start=month,
        period_end=month + timedelta(days=27),
        drawn_at=clock.now(),
        seed=1,
        population=[],
        population_count=0,
        population_hash="0" * 64,
    )


def test_a_sampling_rule_is_in_force_only_when_active_and_drawing(db):
    assert not evidence_evaluate("sampling_rule_in_force", "").passed
    rule = _rule()
    idle = evidence_evaluate("sampling_rule_in_force", rule.name)
    assert not idle.passed and "drawn nothing" in idle.detail
    old = clock.today().replace(day=1) - timedelta(
        days=rules.EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS + 31
    )
    _draw(rule, old.replace(day=1))
    assert not evidence_evaluate("sampling_rule_in_force", rule.name).passed
    _draw(rule, clock.today().replace(day=1))
    assert evidence_evaluate("sampling_rule_in_force", rule.name).passed
    # by its kind of work too, case-insensitively; an inactive rule is not in force
    assert evidence_evaluate("sampling_rule_in_force", rule.kind_key.upper()).passed
    SamplingRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert "No active" in evidence_evaluate("sampling_rule_in_force", rule.name).detail


def test_the_sampling_evidence_window_is_45_days():
    assert rules.EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS == 45


def _metric(value, higher_is_better):
    return Metric(
        key="test.backlog",
        name="Test backlog",
        definition="Open test items.",
        population="Test items",
        unit="count",
        higher_is_better=higher_is_better,
        owner="Tests",
        module="oversight",
        compute=lambda team=None: value,
    )


@pytest.mark.parametrize(
    ("value", "higher", "parameter", "passed"),
    [
        (5, False, "test.backlog 5", True),  # at the target, lower is better
        (6, False, "test.backlog 5", False),
        (80, True, "test.backlog 80%", True),  # at the target, higher is better
        (79.9, True, "test.backlog 80", False),
    ],
)
def test_a_figure_moved_to_its_target_in_its_better_direction(value, higher, parameter, passed):
    with registered_for_test([_metric(value, higher)]):
        assert evidence_evaluate("figure_moved", parameter).passed is passed


def test_a_figure_check_explains_a_bad_parameter():
    with registered_for_test([_metric(1, None)]):
        assert "target" in evidence_evaluate("figure_moved", "test.backlog").detail
        assert "not a number" in evidence_evaluate("figure_moved", "test.backlog x").detail
        assert "no figure" in evidence_evaluate("figure_moved", "nope 1").detail
        assert "no better direction" in evidence_evaluate("figure_moved", "test.backlog 1").detail


def test_closure_waits_for_the_sampling_rule_then_succeeds(seeded, assurance, line_manager):
    rule = _rule()
    with clock.frozen(testing.NOW):
        action = services.action_add(
            actor=assurance,
            recommendation=seeded[("000", "2")],
            description="Sample EM review decisions",
            owner=line_manager,
            due_on=date(2027, 1, 31),
            evidence_kind="sampling_rule_in_force",
            evidence_parameter=rule.name,
        )
        with pytest.raises(ValidationError, match="drawn nothing"):
            services.action_close(
                actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Done"
            )
        action.refresh_from_db()
        assert action.status == ActionStatus.OPEN
        _draw(rule, clock.today().replace(day=1))
        closed = services.action_close(
            actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Done"
        )
    assert closed.status == ActionStatus.CLOSED
