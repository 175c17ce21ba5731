"""Fairness and safeguarding monitoring (issue 20 item 5): the Katz interval, the flag rule at its
boundaries (interval excludes 1 or not; ratio inside or outside 0.8-1.25; group just below or at
the small-group threshold), folding and suppression of small groups, the refusal of a small
group's figure, person attributes read through the people app (protected characteristics only
with their permission, and audited), and the explain-or-reform items' services."""

from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark import testing
from waymark.core import clock
from waymark.core import fairness as core_fairness
from waymark.core.fairness import DecisionPoint, DecisionRow
from waymark.core.models import AuditAction, AuditEvent
from waymark.oversight import rules
from waymark.oversight.models import DisparityReview, DisparityReviewStatus
from waymark.oversight.selectors import fairness as sel
from waymark.oversight.services import fairness as svc
from waymark.oversight.workflows import DISPARITY_REVIEW_TRANSITIONS

K = 11
START, END = date(2026, 1, 1), date(2026, 12, 31)
ON = date(2026, 6, 1)


@pytest.fixture
def point(monkeypatch):
    """A decision point whose rows the test writes (sector-carrying, so no person is needed)."""
    rows: list[DecisionRow] = []
    p = DecisionPoint(
        "fairnesstest.point",
        "Test decisions",
        "fairnesstest",
        "Outcome happened",
        lambda start, end: list(rows),
        carries=("nationality", "sector"),
    )
    monkeypatch.setitem(core_fairness._POINTS, p.key, p)
    return SimpleNamespace(key=p.key, rows=rows)


def add(point, group: str, n: int, outcomes: int, *, person_ids=None, dimension="sector"):
    for i in range(n):
        pid = person_ids[i] if person_ids else None
        extra = {dimension: group} if dimension in ("sector", "nationality") else {}
        point.rows.append(DecisionRow(pid, None, i < outcomes, ON, **extra))


def table(point, actor=None, dimension="sector"):
    return sel.fairness_table(
        actor=actor, point_key=point.key, dimension_key=dimension, start=START, end=END
    )


def by_key(t):
    return {g.key: g for g in t.groups}


# --- rules --------------------------------------------------------------------------------------


def test_the_fair_band_is_aequitas_0_8_to_1_25():
    assert rules.FAIRNESS_RATIO_LOW == 0.8
    assert rules.FAIRNESS_RATIO_HIGH == 1.25


def test_the_small_group_threshold_is_the_platforms_k_of_11():
    assert rules.FAIRNESS_SMALL_GROUP_THRESHOLD == K
    assert not rules.fairness_group_shown(K - 1)
    assert rules.fairness_group_shown(K)


def test_the_interval_is_95_percent():
    assert pytest.approx(1.96, abs=1e-3) == rules.FAIRNESS_CONFIDENCE_Z


def test_periods_and_the_items_due_date():
    assert rules.FAIRNESS_PERIOD_MONTHS == (3, 6, 12, 24)
    assert rules.FAIRNESS_DEFAULT_PERIOD_MONTHS == 12
    assert rules.DISPARITY_REVIEW_DUE_DAYS == 28
    assert rules.DISPARITY_REVIEW_TASK_TYPE == "oversight.disparity_review"


def test_an_item_is_answered_then_closed_or_sent_back():
    assert DISPARITY_REVIEW_TRANSITIONS["open"] == {"answered"}
    assert DISPARITY_REVIEW_TRANSITIONS["answered"] == {"closed", "open"}
    assert DISPARITY_REVIEW_TRANSITIONS["closed"] == frozenset()


# --- the flag rule at its boundaries ---------------------------------------------------------------


def flagged(ratio, lo, hi, count=100, ref=100):
    return rules.fairness_flagged(
        ratio=ratio, ci_low=lo, ci_high=hi, count=count, reference_count=ref
    )


def test_flag_needs_the_interval_to_exclude_1():
    assert flagged(1.6, 1.01, 2.5)
    assert not flagged(1.6, 1.0, 2.5)  # the interval touches 1
    assert not flagged(1.6, 0.99, 2.5)
    assert flagged(0.6, 0.4, 0.99)
    assert not flagged(0.6, 0.4, 1.0)


def test_flag_needs_the_ratio_outside_0_8_to_1_25():
    assert not flagged(1.25, 1.1, 1.4)  # on the band's edge: inside
    assert flagged(1.2501, 1.1, 1.4)
    assert not flagged(0.8, 0.7, 0.9)
    assert flagged(0.7999, 0.7, 0.9)
    assert not flagged(1.1, 1.05, 1.15)  # significant but inside the band


def test_flag_needs_both_groups_at_or_above_the_threshold():
    assert not flagged(3.0, 2.0, 4.0, count=K - 1)
    assert flagged(3.0, 2.0, 4.0, count=K)
    assert not flagged(3.0, 2.0, 4.0, ref=K - 1)
    assert flagged(3.0, 2.0, 4.0, ref=K)


# --- the Katz interval ---------------------------------------------------------------------------


def test_katz_log_interval_matches_the_textbook_formula():
    ratio, lo, hi = sel.risk_ratio_katz(30, 100, 15, 100)
    assert ratio == pytest.approx(2.0)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 15 - 1 / 100)
    assert lo == pytest.approx(math.exp(math.log(2) - 1.959964 * se), rel=1e-6)
    assert hi == pytest.approx(math.exp(math.log(2) + 1.959964 * se), rel=1e-6)
    assert (round(lo, 3), round(hi, 3)) == (1.149, 3.482)


def test_katz_adds_a_half_to_each_cell_when_a_group_has_no_outcomes():
    ratio, lo, hi = sel.risk_ratio_katz(0, 50, 10, 50)
    assert ratio == pytest.approx((0.5 / 51) / (10.5 / 51))
    assert lo < ratio < hi
    assert sel.risk_ratio_katz(0, 50, 0, 50) is None
    assert sel.risk_ratio_katz(1, 0, 1, 10) is None


# --- the table: reference group, flags, folding and suppression ---------------------------------------


@pytest.mark.django_db
def test_a_real_disparity_is_flagged_against_the_largest_group(point):
    add(point, "Retail", 200, 40)  # 20%: the largest, so the reference
    add(point, "Construction", 100, 40)  # 40%: ratio 2, interval well above 1
    add(point, "Hospitality", 20, 5)  # 25%: ratio 1.25 and a wide interval
    t = table(point)
    groups = by_key(t)
    assert t.reference.key == "Retail" and groups["Retail"].is_reference
    assert groups["Construction"].ratio == pytest.approx(2.0)
    assert groups["Construction"].ci_low > 1
    assert groups["Construction"].flagged
    assert not groups["Hospitality"].flagged
    assert not groups["Retail"].flagged
    assert [g.key for g in t.flagged] == ["Construction"]


@pytest.mark.django_db
def test_a_large_ratio_whose_interval_includes_1_is_not_flagged(point):
    add(point, "Retail", 200, 20)  # 10%
    add(point, "Farming", 12, 3)  # 25%: ratio 2.5, but 12 decisions
    g = by_key(table(point))["Farming"]
    assert g.ratio == pytest.approx(2.5)
    assert g.ci_low < 1 < g.ci_high
    assert not g.flagged


@pytest.mark.django_db
def test_a_group_just_below_the_threshold_is_folded_and_at_it_is_shown_and_flagged(point):
    add(point, "Retail", 300, 15)  # 5%
    add(point, "Car washes", K, K)  # 100%: at the threshold, shown and flagged
    add(point, "Nail bars", K - 1, K - 1)  # 100%, one below: folded, never flagged by name
    groups = by_key(table(point))
    assert groups["Car washes"].count == K and groups["Car washes"].flagged
    assert "Nail bars" not in groups
    other = groups[sel.OTHER]
    assert other.suppressed and other.count is None and other.folded == 1
    assert not other.flagged


@pytest.mark.django_db
def test_small_groups_together_at_the_threshold_are_shown_as_other_groups(point):
    add(point, "Retail", 100, 10)
    add(point, "Nail bars", 6, 1)
    add(point, "Car washes", 5, 1)
    t = table(point)
    other = by_key(t)[sel.OTHER]
    assert not other.suppressed
    assert (other.count, other.outcomes, other.folded) == (11, 2, 2)
    assert "Nail bars" not in by_key(t) and "Car washes" not in by_key(t)
    assert not t.any_suppressed


@pytest.mark.django_db
def test_the_configured_reference_group_wins_over_the_largest(point, monkeypatch):
    monkeypatch.setitem(rules.FAIRNESS_REFERENCE_GROUPS, "sector", "Construction")
    add(point, "Retail", 200, 40)
    add(point, "Construction", 100, 40)
    t = table(point)
    assert t.reference.key == "Construction"
    assert by_key(t)["Retail"].ratio == pytest.approx(0.5)
    assert by_key(t)["Retail"].flagged


@pytest.mark.django_db
def test_not_recorded_is_a_group_but_never_the_reference(point):
    add(point, "", 300, 30)
    add(point, "Retail", 50, 5)
    t = table(point)
    assert t.reference.key == "Retail"
    assert by_key(t)[sel.NOT_RECORDED].label == "Not recorded"


# --- a small group's figure is refused if asked for directly --------------------------------------------


@pytest.mark.django_db
def test_a_figure_for_a_group_below_the_threshold_is_refused(point):
    add(point, "Retail", 100, 10)
    add(point, "Nail bars", K - 1, 5)
    add(point, "Car washes", K, 5)
    with pytest.raises(ValidationError) as refused:
        sel.fairness_group_figure(
            actor=None,
            point_key=point.key,
            dimension_key="sector",
            group="Nail bars",
            start=START,
            end=END,
        )
    assert "fewer than 11" in str(refused.value)
    with pytest.raises(ValidationError):  # an absent group is refused in the same words
        sel.fairness_group_figure(
            actor=None,
            point_key=point.key,
            dimension_key="sector",
            group="Zoos",
            start=START,
            end=END,
        )
    figure, _ = sel.fairness_group_figure(
        actor=None,
        point_key=point.key,
        dimension_key="sector",
        group="Car washes",
        start=START,
        end=END,
    )
    assert (figure.count, figure.outcomes) == (K, 5)


@pytest.mark.django_db
def test_unknown_point_or_dimension_or_an_uncarried_dimension_is_refused(point, monkeypatch):
    with pytest.raises(ValidationError):
        sel.fairness_table(
            actor=None, point_key="nope.x", dimension_key="sector", start=START, end=END
        )
    with pytest.raises(ValidationError):
        sel.fairness_table(
            actor=None, point_key=point.key, dimension_key="shoe_size", start=START, end=END
        )
    plain = DecisionPoint("fairnesstest.plain", "Plain", "fairnesstest", "x", lambda s, e: [])
    monkeypatch.setitem(core_fairness._POINTS, plain.key, plain)
    with pytest.raises(ValidationError):
        sel.fairness_table(
            actor=None, point_key=plain.key, dimension_key="sector", start=START, end=END
        )


# --- person attributes through the people app ------------------------------------------------------


def _people(n: int, team, **profile):
    from waymark.people import services as people_services

    return [
        people_services.person_create(
            actor=None,
            given_names=f"Test{i}",
            family_name="Person",
            owning_team=team,
            **profile,
        )
        for i in range(n)
    ]


@pytest.fixture
def fteam(db):
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync

    roles_sync()
    return Team.objects.create(slug="fairness-team", name="Fairness team")


@pytest.mark.django_db
def test_nationality_and_team_come_from_the_record_and_the_row(point, fteam):
    people = _people(K, fteam, nationalities=("SYR",))
    add(point, "", K, 4, person_ids=[p.pk for p in people], dimension="team")
    add(point, "ALB", K, 2, dimension="nationality")  # no person: the nationality given
    t = table(point, dimension="nationality")
    groups = by_key(t)
    assert groups["SYR"].count == K and groups["ALB"].count == K
    assert groups["SYR"].label == "Syria" or groups["SYR"].label.startswith("Syria")
    t = table(point, dimension="team")
    assert by_key(t)[sel.NOT_RECORDED].count == 2 * K  # the rows name no team


@pytest.mark.django_db
def test_vulnerability_is_read_from_the_assessment(point, fteam):
    from waymark.people import services as people_services

    people = _people(K, fteam)
    for p in people:
        people_services.vulnerability_assessment_record(
            actor=None, person=p, assessment="none_identified"
        )
    add(point, "", K, 3, person_ids=[p.pk for p in people], dimension="vulnerability")
    groups = by_key(table(point, dimension="vulnerability"))
    assert groups["none_identified"].count == K
    assert groups["none_identified"].label == "Assessed: none identified"


@pytest.mark.django_db
def test_protected_characteristics_need_their_permission_and_every_read_is_audited(point, fteam):
    from waymark.people import services as people_services

    people = _people(K, fteam)
    for p in people:
        people_services.protected_characteristics_record(actor=None, person=p, ethnicity="Group A")
    add(point, "", K, 3, person_ids=[p.pk for p in people], dimension="ethnicity")
    assurance = testing.user_make("assurance", fteam)  # sees the figures, not protected ones
    analyst = testing.user_make("performance_analyst", fteam)
    assert not assurance.has_perm(sel.PROTECTED_PERMISSION)
    assert "ethnicity" not in [d.key for d in sel.dimensions_for(assurance, None)]
    before = AuditEvent.objects.filter(verb="person.protected_characteristics_monitored").count()
    with pytest.raises(PermissionDenied):
        table(point, actor=assurance, dimension="ethnicity")
    assert (
        AuditEvent.objects.filter(verb="person.protected_characteristics_monitored").count()
        == before
    )
    t = table(point, actor=analyst, dimension="ethnicity")
    assert by_key(t)["Group A"].count == K
    entry = AuditEvent.objects.filter(verb="person.protected_characteristics_monitored").latest(
        "sequence"
    )
    assert entry.action == AuditAction.CONSULTATION
    assert entry.actor_id == analyst.pk
    assert entry.payload == {"characteristic": "ethnicity", "people_count": K}
    assert "Test decisions" in entry.purpose


# --- explain-or-reform items ------------------------------------------------------------------------


@pytest.fixture
def roles(fteam):
    return SimpleNamespace(
        analyst=testing.user_make("performance_analyst", fteam, last_name="Analyst"),
        dpo=testing.user_make("data_protection", fteam, last_name="Officer"),
        assurance=testing.user_make("assurance", fteam, last_name="Assurer"),
        line_manager=testing.user_make("line_manager", fteam, last_name="Manager"),
    )


@pytest.fixture
def disparity(point):
    add(point, "Retail", 200, 40)
    add(point, "Construction", 100, 40)
    add(point, "Hospitality", 20, 5)
    add(point, "Nail bars", K - 1, K - 1)
    return point


def _open(point, actor, owner, group="Construction", **kw):
    return svc.disparity_review_open(
        actor=actor,
        point_key=point.key,
        dimension_key="sector",
        group=group,
        start=START,
        end=END,
        owner=owner,
        **kw,
    )


@pytest.mark.django_db
def test_a_flagged_disparity_opens_an_item_with_an_owner_a_due_date_and_its_figures(
    disparity, roles
):
    with clock.frozen(testing.NOW):
        review = _open(disparity, roles.analyst, roles.assurance)
    assert review.status == DisparityReviewStatus.OPEN
    assert review.owner == roles.assurance
    assert review.due_on == testing.NOW.date() + timedelta(days=rules.DISPARITY_REVIEW_DUE_DAYS)
    assert (review.group_count, review.group_outcomes) == (100, 40)
    assert (review.reference_group, review.reference_count) == ("Retail", 200)
    assert review.ratio == pytest.approx(2.0) and review.ci_low > 1
    assert AuditEvent.objects.filter(verb="oversight.disparity_review_opened").count() == 1
    assert by_key(table(disparity))["Construction"].review == review
    # It is work on the owner's queue, assigned to them, due at the end of the due date.
    from waymark.work.models import Task

    task = Task.objects.get(task_type=rules.DISPARITY_REVIEW_TASK_TYPE)
    assert task.assignee == roles.assurance and task.queue.team == roles.assurance.teams.first()
    assert task.due_at.astimezone(clock.LONDON).date() == review.due_on
    assert (task.subject_type, task.subject_id) == ("oversight.disparityreview", str(review.pk))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "group, message",
    [
        ("Hospitality", "not a flagged disparity"),
        ("Nail bars", "fewer than 11"),
        ("Zoos", "fewer than 11"),
    ],
)
def test_an_item_for_an_unflagged_or_small_group_is_refused_and_nothing_saved(
    disparity, roles, group, message
):
    with pytest.raises(ValidationError) as refused:
        _open(disparity, roles.analyst, roles.assurance, group=group)
    assert message in str(refused.value)
    assert not DisparityReview.objects.exists()


@pytest.mark.django_db
def test_a_second_live_item_for_the_same_group_is_refused(disparity, roles):
    _open(disparity, roles.analyst, roles.assurance)
    with pytest.raises(ValidationError, match="already open"):
        _open(disparity, roles.dpo, roles.assurance)
    assert DisparityReview.objects.count() == 1


@pytest.mark.django_db
def test_opening_needs_the_permission_an_owner_who_sees_the_figures_and_a_future_date(
    disparity, roles
):
    with pytest.raises(PermissionDenied):
        _open(disparity, roles.assurance, roles.assurance)
    with pytest.raises(ValidationError, match="owner"):
        _open(disparity, roles.analyst, roles.line_manager)
    with pytest.raises(ValidationError, match="today or later"):
        _open(disparity, roles.analyst, roles.assurance, due_on=clock.today() - timedelta(days=1))
    assert not DisparityReview.objects.exists()


@pytest.mark.django_db
def test_the_owner_answers_and_someone_else_accepts_or_sends_it_back(disparity, roles):
    review = _open(disparity, roles.analyst, roles.dpo)
    with pytest.raises(PermissionDenied):
        svc.disparity_review_answer(
            actor=roles.assurance, review=review, answer_kind="explain", answer="x"
        )
    with pytest.raises(ValidationError):
        svc.disparity_review_answer(actor=roles.dpo, review=review, answer_kind="maybe", answer="x")
    with pytest.raises(ValidationError):
        svc.disparity_review_close(actor=roles.analyst, review=review)  # not answered yet
    review = svc.disparity_review_answer(
        actor=roles.dpo,
        review=review,
        answer_kind="reform",
        answer="Construction visits will be planned from intelligence, not sector lists.",
    )
    assert review.status == DisparityReviewStatus.ANSWERED and review.answered_by == roles.dpo
    with pytest.raises(ValidationError, match="someone other than its owner"):
        svc.disparity_review_close(actor=roles.dpo, review=review)
    review = svc.disparity_review_return(actor=roles.analyst, review=review, reason="Say when")
    assert review.status == DisparityReviewStatus.OPEN and review.returned_reason == "Say when"
    review = svc.disparity_review_answer(
        actor=roles.dpo, review=review, answer_kind="reform", answer="By the end of March."
    )
    review = svc.disparity_review_close(actor=roles.analyst, review=review)
    assert review.status == DisparityReviewStatus.CLOSED and review.closed_by == roles.analyst
    from waymark.work.models import Task

    assert Task.objects.get(task_type=rules.DISPARITY_REVIEW_TASK_TYPE).status == "done"
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="oversight.disparity_review_")
        .order_by("sequence")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "oversight.disparity_review_opened",
        "oversight.disparity_review_answered",
        "oversight.disparity_review_returned",
        "oversight.disparity_review_answered",
        "oversight.disparity_review_closed",
    ]
    # Closed: a new item may be opened for the same group.
    assert _open(disparity, roles.analyst, roles.assurance).pk != review.pk


def test_period_for_counts_back_whole_months():
    assert sel.period_for(12, today=date(2026, 12, 4)) == (date(2025, 12, 4), date(2026, 12, 4))
    assert sel.period_for(3, today=date(2026, 5, 31)) == (date(2026, 2, 28), date(2026, 5, 31))


@pytest.mark.django_db
def test_the_table_carries_each_groups_live_item_as_the_orm_reads_it_and_none_once_closed(
    disparity, roles
):
    review = _open(disparity, roles.analyst, roles.dpo)
    shown = by_key(table(disparity))["Construction"].review
    orm = DisparityReview.objects.exclude(status=DisparityReviewStatus.CLOSED).get()
    assert shown == orm and shown.status == orm.status == DisparityReviewStatus.OPEN
    assert shown.get_status_display() == orm.get_status_display()
    assert shown.owner_id == orm.owner_id and shown.due_on == orm.due_on  # deferred, then read
    assert by_key(table(disparity))["Retail"].review is None
    review = svc.disparity_review_answer(
        actor=roles.dpo, review=review, answer_kind="explain", answer="Seasonal work."
    )
    assert by_key(table(disparity))["Construction"].review.status == "answered"
    svc.disparity_review_close(actor=roles.analyst, review=review)
    assert by_key(table(disparity))["Construction"].review is None
