"""The fairness page's read model (``oversight.fairness``) and the daily sweep that opens
explain-or-reform items (issue 20 item 5, second pass).

The fast path (summary rows by period band, summed for the page's period) must give exactly the
table the plain computation gives: the point's rows counted one by one in Python, then the same
suppression, reference group, Katz interval and flag. Run on SQLite by default and on PostgreSQL
with ``DATABASE_URL``."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core import fairness as core_fairness
from waymark.core.fairness import DecisionPoint, DecisionRow, decision_point
from waymark.core.models import AuditEvent
from waymark.core.read_models import read_model_refresh, read_models
from waymark.oversight import rules
from waymark.oversight.models import DisparityReview, DisparityReviewStatus, FairnessCount
from waymark.oversight.selectors import fairness as sel
from waymark.oversight.services import fairness as svc

K = 11
NATIONALITIES = ["JAM"] * 30 + ["ALB"] * 24 + ["NGA"] * 6 + ["VNM"] * 3
# Days before today each person's decisions were made: every band, and one outside them all.
AGES = [0, 40, 120, 250, 500, 800]


@pytest.fixture
def detention(db):
    """Detention gatekeeping decisions about 63 people in two teams, spread over every period
    band: a real decision point with a QuerySet, counted in the database by the read model."""
    from waymark.casework.models import DetentionRequest, GatekeepingDecision
    from waymark.people import services as people_services
    from waymark.people.models import Person

    roles_sync()
    teams = [
        Team.objects.get_or_create(slug=f"fair-rm-{i}", defaults={"name": f"Fair team {i}"})[0]
        for i in range(2)
    ]
    requester = testing.user_make("case_owner", teams[0])
    with clock.frozen(testing.NOW):
        for i, nationality in enumerate(NATIONALITIES):
            person = people_services.person_create(
                actor=None,
                given_names="Test",
                family_name=f"Person{i}",
                nationalities=(nationality,),
                owning_team=teams[i % 2],
            )
            Person.objects.filter(pk=person.pk).update(
                vulnerability_assessment="vulnerable" if i % 3 == 0 else "none_identified"
            )
            if i % 2:
                people_services.protected_characteristics_record(
                    actor=None, person=person, ethnicity="Black" if i % 4 == 1 else "White"
                )
            for j, age in enumerate(AGES):
                # JAM accepted 5 in 6, the others 1 in 3: a disparity by nationality.
                accepted = (j < 5) if nationality == "JAM" else (j + i) % 3 == 0
                at = clock.now() - timedelta(days=age, hours=i % 5)
                DetentionRequest.objects.create(
                    person=person,
                    requested_by=requester,
                    requested_at=at - timedelta(hours=1),
                    grounds="Risk of absconding",
                    decision=GatekeepingDecision.ACCEPTED
                    if accepted
                    else GatekeepingDecision.REJECTED,
                    rejection_reason="" if accepted else "no_realistic_prospect",
                    decided_at=at,
                )
    return teams


def _shape(table):
    return (
        table.decisions,
        None if table.reference is None else table.reference.key,
        [
            (g.key, g.label, g.count, g.outcomes, g.rate, g.ratio, g.ci_low, g.ci_high, g.flagged)
            for g in table.groups
        ],
    )


def test_the_read_model_is_registered_with_its_table():
    model = read_models()["oversight.fairness"]
    assert model.tables == (FairnessCount,)


def test_the_fast_path_equals_counting_the_raw_rows_in_python(detention, monkeypatch):
    """For every period the page offers and every breakdown (protected ones included), the table
    read from the summary rows equals the one computed from the point's rows one by one."""
    point = decision_point("casework.detention")
    assert point is not None and point.queryset_fn is not None
    analyst = testing.user_make("performance_analyst", detention[0])
    with clock.frozen(testing.NOW):
        state = read_model_refresh(sel.READ_MODEL)
        assert state is not None and state.rows > 0
        checked = 0
        for months in rules.FAIRNESS_PERIOD_MONTHS:
            start, end = sel.period_for(months)
            for dimension in sel.fairness_dimensions_of(point):
                fast = sel.fairness_table(
                    actor=analyst,
                    point_key=point.key,
                    dimension_key=dimension.key,
                    start=start,
                    end=end,
                    months=months,
                )
                assert fast.as_of == state.as_of
                monkeypatch.setitem(
                    core_fairness._POINTS, point.key, replace(point, queryset_fn=None)
                )
                plain = sel.fairness_table(
                    actor=analyst,
                    point_key=point.key,
                    dimension_key=dimension.key,
                    start=start,
                    end=end,
                )
                monkeypatch.setitem(core_fairness._POINTS, point.key, point)
                assert plain.as_of is None
                assert _shape(fast) == _shape(plain), (months, dimension.key)
                checked += 1
        assert checked == 4 * 7


def test_the_bands_add_up_to_a_hand_count_of_the_decisions(detention):
    """The 12-month figure by nationality against a count made by hand from the decisions."""
    from waymark.casework.models import DetentionRequest, GatekeepingDecision

    with clock.frozen(testing.NOW):
        read_model_refresh(sel.READ_MODEL)
        start, end = sel.period_for(12)
        low, high = core_fairness.period_bounds(start, end)
        n: Counter = Counter()
        a: Counter = Counter()
        for d in DetentionRequest.objects.filter(decided_at__gte=low, decided_at__lt=high):
            country = d.person.nationalities.order_by("pk").first().country
            n[country] += 1
            a[country] += d.decision == GatekeepingDecision.ACCEPTED
        table = sel.fairness_table(
            actor=None,
            point_key="casework.detention",
            dimension_key="nationality",
            start=start,
            end=end,
            months=12,
        )
    groups = {g.key: g for g in table.groups}
    assert groups["JAM"].count == n["JAM"] and groups["JAM"].outcomes == a["JAM"]
    assert groups["ALB"].count == n["ALB"] == 24 * 4
    # NGA (6 people x 4 decisions = 24) is shown; VNM (12) is at k; nothing is folded.
    assert groups["NGA"].count == 24 and groups["VNM"].count == 12
    assert table.decisions == sum(n.values()) == len(NATIONALITIES) * 4


def test_a_protected_breakdown_from_the_read_model_is_audited_for_the_reader(detention):
    analyst = testing.user_make("performance_analyst", detention[0])
    with clock.frozen(testing.NOW):
        read_model_refresh(sel.READ_MODEL)
        before = AuditEvent.objects.filter(
            verb="person.protected_characteristics_monitored", actor=analyst
        ).count()
        start, end = sel.period_for(12)
        sel.fairness_table(
            actor=analyst,
            point_key="casework.detention",
            dimension_key="ethnicity",
            start=start,
            end=end,
            months=12,
        )
    entries = AuditEvent.objects.filter(
        verb="person.protected_characteristics_monitored", actor=analyst
    )
    assert entries.count() == before + 1
    assert entries.order_by("-pk").first().payload["people_count"] == len(NATIONALITIES)


def test_each_view_of_a_protected_breakdown_is_audited_even_when_its_sums_are_kept(detention):
    """The sums of one build are read once a process; the consultation entry is written for
    every view, whoever reads them."""
    analyst = testing.user_make("performance_analyst", detention[0])
    verb = "person.protected_characteristics_monitored"
    with clock.frozen(testing.NOW):
        read_model_refresh(sel.READ_MODEL)
        start, end = sel.period_for(12)
        before = AuditEvent.objects.filter(verb=verb, actor=analyst).count()
        tables = [
            sel.fairness_table(
                actor=analyst,
                point_key="casework.detention",
                dimension_key="ethnicity",
                start=start,
                end=end,
                months=12,
            )
            for _ in range(3)
        ]
    assert AuditEvent.objects.filter(verb=verb, actor=analyst).count() == before + 3
    assert _shape(tables[0]) == _shape(tables[1]) == _shape(tables[2])


def test_a_rebuild_at_the_same_instant_is_never_hidden_by_the_kept_sums(detention):
    """A frozen clock gives two builds one as-of: the rebuild drops the sums kept from the first."""
    from waymark.casework.models import DetentionRequest

    with clock.frozen(testing.NOW):
        start, end = sel.period_for(3)
        read_model_refresh(sel.READ_MODEL)
        kwargs = {
            "actor": None,
            "point_key": "casework.detention",
            "dimension_key": "team",
            "start": start,
            "end": end,
            "months": 3,
        }
        first = sel.fairness_table(**kwargs)
        DetentionRequest.objects.filter(decided_at__gte=clock.now() - timedelta(days=1)).delete()
        read_model_refresh(sel.READ_MODEL)
        again = sel.fairness_table(**kwargs)
    assert again.as_of == first.as_of
    assert again.decisions == first.decisions - len(NATIONALITIES)


def test_stale_rows_are_rebuilt_before_the_page_reads_them(detention):
    from waymark.casework.models import DetentionRequest

    with clock.frozen(testing.NOW):
        start, end = sel.period_for(3)
        first = sel.fairness_table(
            actor=None,
            point_key="casework.detention",
            dimension_key="team",
            start=start,
            end=end,
            months=3,
        )
        DetentionRequest.objects.filter(decided_at__gte=clock.now() - timedelta(days=1)).delete()
        again = sel.fairness_table(
            actor=None,
            point_key="casework.detention",
            dimension_key="team",
            start=start,
            end=end,
            months=3,
        )
        assert again.decisions == first.decisions  # rows under a minute old are read as they are
    with clock.frozen(testing.NOW + timedelta(minutes=2)):
        later = sel.fairness_table(
            actor=None,
            point_key="casework.detention",
            dimension_key="team",
            start=start,
            end=end,
            months=3,
        )
    assert later.decisions == first.decisions - len(NATIONALITIES)
    assert later.as_of > first.as_of


def test_a_period_that_is_not_the_pages_is_counted_live(detention):
    with clock.frozen(testing.NOW):
        table = sel.fairness_table(
            actor=None,
            point_key="casework.detention",
            dimension_key="team",
            start=clock.today() - timedelta(days=45),
            end=clock.today(),
            months=3,
        )
    assert table.as_of is None
    assert table.decisions == len(NATIONALITIES) * 2


# --- the sweep ------------------------------------------------------------------------------------


@pytest.fixture
def flagged_point(monkeypatch, db):
    """A point whose sector breakdown flags Construction against Retail."""
    rows: list[DecisionRow] = []
    p = DecisionPoint(
        "fairsweep.point",
        "Sweep decisions",
        "fairsweep",
        "Outcome happened",
        lambda start, end: [r for r in rows if start <= r.on <= end],
        carries=("sector",),
    )
    monkeypatch.setattr(core_fairness, "_POINTS", {p.key: p})
    day = testing.NOW.date()
    for sector, n, a in (("Retail", 200, 40), ("Construction", 100, 40), ("Nail bars", K - 1, 9)):
        rows += [DecisionRow(None, None, i < a, day, sector) for i in range(n)]
    return p


@pytest.fixture
def managers(db):
    roles_sync()
    team = Team.objects.get_or_create(slug="fair-sweep", defaults={"name": "Fairness"})[0]
    first = testing.user_make("performance_analyst", team, last_name="First")
    second = testing.user_make("data_protection", team, last_name="Second")
    return first, second


def test_the_sweep_opens_one_item_for_a_newly_flagged_disparity_and_is_idempotent(
    flagged_point, managers
):
    with clock.frozen(testing.NOW):
        result = svc.disparity_review_sweep()
        again = svc.disparity_review_sweep()
    assert result["opened"] == 1 and result["flagged"] == 1
    assert again["opened"] == 0 and again["already_live"] == 1
    item = DisparityReview.objects.get()
    assert (item.decision_point, item.dimension, item.group) == (
        flagged_point.key,
        "sector",
        "Construction",
    )
    assert item.owner == managers[0] and item.opened_by is None
    assert item.period_end == testing.NOW.date()
    assert item.due_on == testing.NOW.date() + timedelta(days=rules.DISPARITY_REVIEW_DUE_DAYS)
    from waymark.work.models import Task

    task = Task.objects.get(task_type=rules.DISPARITY_REVIEW_TASK_TYPE)
    assert task.assignee == managers[0]


def test_the_sweep_waits_the_quiet_days_after_an_item_is_closed(flagged_point, managers):
    first, second = managers
    with clock.frozen(testing.NOW):
        svc.disparity_review_sweep()
        item = DisparityReview.objects.get()
        svc.disparity_review_answer(
            actor=first, review=item, answer_kind="explain", answer="Site visits differ"
        )
        svc.disparity_review_close(actor=second, review=item)
        assert svc.disparity_review_sweep()["recently_closed"] == 1
    later = testing.NOW + timedelta(days=rules.DISPARITY_SWEEP_QUIET_DAYS + 1)
    with clock.frozen(later):
        # The decisions are still in the 12 months; the item was closed over the quiet days ago.
        assert svc.disparity_review_sweep()["opened"] == 1
    assert DisparityReview.objects.exclude(status=DisparityReviewStatus.CLOSED).count() == 1


def test_the_sweep_leaves_unflagged_groups_alone(flagged_point, managers):
    with clock.frozen(testing.NOW):
        svc.disparity_review_sweep()
    assert set(DisparityReview.objects.values_list("group", flat=True)) == {"Construction"}
    # The sweep reads protected characteristics too (nothing flagged here): every read is by the
    # system, audited, naming the decision point.
    reads = AuditEvent.objects.filter(verb="person.protected_characteristics_monitored")
    assert reads.exists()
    assert all(e.actor_id is None and "Sweep decisions" in e.purpose for e in reads)


@pytest.fixture
def protected_point(monkeypatch, db):
    """A point whose ethnicity breakdown flags Group B (20 of 30) against Group A (6 of 40)."""
    from waymark.people import services as people_services

    roles_sync()
    team = Team.objects.get_or_create(slug="fair-prot", defaults={"name": "Protected"})[0]
    rows: list[DecisionRow] = []
    day = testing.NOW.date()
    with clock.frozen(testing.NOW):
        for group, n, yes in (("Group A", 40, 6), ("Group B", 30, 20)):
            for i in range(n):
                person = people_services.person_create(
                    actor=None, given_names=f"P{i}", family_name=group, owning_team=team
                )
                people_services.protected_characteristics_record(
                    actor=None, person=person, ethnicity=group
                )
                rows.append(DecisionRow(person.pk, team.pk, i < yes, day))
    p = DecisionPoint(
        "fairprot.point",
        "Protected sweep decisions",
        "fairprot",
        "Outcome happened",
        lambda start, end: [r for r in rows if start <= r.on <= end],
    )
    monkeypatch.setattr(core_fairness, "_POINTS", {p.key: p})
    return p


def test_the_sweep_opens_a_protected_disparity_only_for_an_owner_who_may_see_it(
    protected_point, db
):
    """Issue 20 item 5: a flagged disparity by a protected characteristic opens an item like any
    other, owned by someone holding the restricted permission; with nobody who may see protected
    characteristics among those who manage items, nothing is opened and the sweep says so."""
    from django.contrib.auth.models import Permission

    team = Team.objects.get(slug="fair-prot")
    manager = testing.user_make("assurance", team, last_name="NoProtected")
    manager.user_permissions.add(
        Permission.objects.get(
            codename="manage_disparity_reviews", content_type__app_label="oversight"
        )
    )
    manager = type(manager).objects.get(pk=manager.pk)  # fresh permission cache
    assert not sel.may_see_protected(manager)
    with clock.frozen(testing.NOW):
        result = svc.disparity_review_sweep()
    assert result["opened"] == 0 and result["no_owner"] >= 1
    assert not DisparityReview.objects.exists()
    analyst = testing.user_make("performance_analyst", team, last_name="Analyst")
    with clock.frozen(testing.NOW):
        result = svc.disparity_review_sweep()
    item = DisparityReview.objects.get(dimension="ethnicity")
    assert (item.group, item.reference_group, item.owner) == ("Group B", "Group A", analyst)
    assert item.opened_by is None
    # By hand, an owner who may not see protected characteristics is refused, nothing saved.
    item.delete()
    with clock.frozen(testing.NOW), pytest.raises(ValidationError) as refused:
        svc.disparity_review_open(
            actor=analyst,
            point_key=protected_point.key,
            dimension_key="ethnicity",
            group="Group B",
            start=testing.NOW.date() - timedelta(days=365),
            end=testing.NOW.date(),
            owner=manager,
        )
    assert "protected characteristics" in refused.value.message_dict["owner"][0]
    assert not DisparityReview.objects.exists()


def test_the_sweep_is_registered():
    from waymark.work.sweeps import sweeps

    assert sweeps()["oversight.disparity_reviews"] is svc.disparity_review_sweep


def test_the_sweep_rules_are_pinned():
    assert rules.DISPARITY_SWEEP_QUIET_DAYS == 90
    assert rules.DISPARITY_SWEEP_OWNER == ""
