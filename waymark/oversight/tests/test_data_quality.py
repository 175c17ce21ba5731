"""Data quality (issue 20 item 4): rules per GDQF dimension with warn and fail thresholds, the
modules' rules registered through ``core.data_quality``, a score by team and rule over time, the
failing records kept as a capped sample with their owner and turned into tasks on the owner's
team queue, the tracker's "a data-quality rule is passing" evidence check, and the pages."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core import data_quality as core_dq
from waymark.core.data_quality import DataQualityCheck, DataQualityRule, FailingRecord
from waymark.core.models import AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.evidence import evidence_evaluate
from waymark.oversight.models import DataQualityFailure, DataQualityScore
from waymark.oversight.services import data_quality as svc
from waymark.work.models import Task

# --- rules and the registry -----------------------------------------------------------------------


def test_the_default_thresholds_and_the_cap():
    assert core_dq.DEFAULT_WARN_BELOW == 99.0
    assert core_dq.DEFAULT_FAIL_BELOW == 95.0
    assert rules.DATA_QUALITY_SAMPLE_CAP == 50
    assert rules.DATA_QUALITY_FIX_WORKING_DAYS == 5
    assert rules.DATA_QUALITY_TREND_MEASUREMENTS == 12


def test_the_six_gdqf_dimensions():
    assert list(core_dq.DIMENSIONS) == [
        "completeness",
        "uniqueness",
        "consistency",
        "timeliness",
        "validity",
        "accuracy",
    ]


def test_a_rule_passes_warns_and_fails_at_its_thresholds():
    rule = DataQualityRule("m.r", "R", "m", "completeness", lambda: DataQualityCheck())
    assert rule.state(100.0) == "pass"
    assert rule.state(99.0) == "pass"
    assert rule.state(98.99) == "warn"
    assert rule.state(95.0) == "warn"
    assert rule.state(94.99) == "fail"
    assert rule.state(None) == "pass"  # nothing to check: nothing fails
    assert core_dq.score(200, 3) == 98.5
    assert core_dq.score(0, 0) is None


def test_registering_refuses_a_bad_rule(monkeypatch):
    monkeypatch.setattr(core_dq, "_RULES", {})

    def check():
        return DataQualityCheck()

    with pytest.raises(ValueError, match="GDQF"):
        core_dq.register_data_quality_rule("m.r", "R", "m", "tidiness", check)
    with pytest.raises(ValueError, match="fail_below"):
        core_dq.register_data_quality_rule(
            "m.r", "R", "m", "validity", check, warn_below=90, fail_below=95
        )
    core_dq.register_data_quality_rule("m.r", "R", "m", "validity", check)
    core_dq.register_data_quality_rule("m.r", "R", "m", "validity", check)  # the same again
    with pytest.raises(ValueError, match="already registered"):
        core_dq.register_data_quality_rule("m.r", "Other", "m", "validity", check)


def test_the_modules_rules_cover_every_dimension():
    registered = core_dq.data_quality_rules()
    assert {r.dimension for r in registered} == set(core_dq.DIMENSIONS)
    assert {r.module for r in registered} >= {"monitoring", "casework", "operations", "nrm"}


@pytest.mark.django_db
def test_every_registered_rule_runs_on_an_empty_database():
    for rule in core_dq.data_quality_rules():
        check = rule.check_fn()
        assert isinstance(check, DataQualityCheck), rule.key
        assert check.checked_total == 0 and check.failing == [], rule.key


# --- measuring -------------------------------------------------------------------------------------


@pytest.fixture
def world(db, monkeypatch):
    roles_sync()
    north = Team.objects.create(slug="dq-north", name="North")
    south = Team.objects.create(slug="dq-south", name="South")
    owner = testing.user_make("case_owner", north, last_name="Owner")
    analyst = testing.user_make("performance_analyst", north, last_name="Analyst")
    from waymark.people import services as people_services

    person = people_services.person_create(
        actor=None, given_names="Ana", family_name="Lopes", owning_team=north
    )
    state = SimpleNamespace(
        checked={north.pk: 100, south.pk: 50},
        failing=[
            FailingRecord("thing:1", "Thing 1", person.pk, north.pk, owner.pk),
            FailingRecord("thing:2", "Thing 2", None, north.pk, None),
            FailingRecord("thing:3", "Thing 3", None, south.pk, None),
        ],
    )
    rule = DataQualityRule(
        "dqtest.things",
        "Things with a value",
        "dqtest",
        "completeness",
        lambda: DataQualityCheck(checked=dict(state.checked), failing=list(state.failing)),
        "Every thing has a value.",
    )
    monkeypatch.setattr(core_dq, "_RULES", {rule.key: rule})
    return SimpleNamespace(
        north=north, south=south, owner=owner, analyst=analyst, person=person, state=state
    )


def test_a_measurement_scores_by_team_and_sends_failing_records_to_their_owners(world):
    with clock.frozen(testing.NOW):
        results = svc.data_quality_measure(actor=world.analyst)
    assert results["dqtest.things"] == {
        "checked": 150,
        "failing": 3,
        "state": "warn",
        "tasks": 3,
        "resolved": 0,
    }
    total = DataQualityScore.objects.get(rule_key="dqtest.things", team__isnull=True)
    assert (total.checked, total.failing, total.score) == (150, 3, 98.0)
    assert total.state == "warn"  # 98% is below the 99% warning threshold
    north = DataQualityScore.objects.get(team=world.north)
    south = DataQualityScore.objects.get(team=world.south)
    assert (north.score, north.state) == (98.0, "warn")
    assert (south.score, south.state) == (98.0, "warn")
    failures = {f.record_key: f for f in DataQualityFailure.objects.all()}
    assert failures["thing:1"].owner == world.owner and failures["thing:1"].person == world.person
    task = failures["thing:1"].task
    assert task.assignee == world.owner and task.queue.team == world.north
    assert task.task_type == rules.DATA_QUALITY_TASK_TYPE
    assert failures["thing:3"].task.queue.team == world.south
    assert AuditEvent.objects.filter(verb="oversight.data_quality_measured").count() == 1


def test_the_state_in_the_result_is_the_rules_state(world):
    world.state.checked = {world.north.pk: 1000}
    world.state.failing = world.state.failing[:1]
    results = svc.data_quality_measure(actor=None)
    assert results["dqtest.things"]["state"] == "pass"  # 99.9%


def test_measuring_again_the_same_day_replaces_it_and_raises_no_second_task(world):
    svc.data_quality_measure(actor=world.analyst)
    svc.data_quality_measure(actor=world.analyst)
    assert DataQualityScore.objects.filter(team__isnull=True).count() == 1
    assert DataQualityFailure.objects.count() == 3
    assert Task.objects.filter(task_type=rules.DATA_QUALITY_TASK_TYPE).count() == 3
    with clock.frozen(clock.now() + timedelta(days=1)):
        svc.data_quality_measure(actor=world.analyst)
    assert DataQualityScore.objects.filter(team__isnull=True).count() == 2  # a score over time


def test_a_task_is_completed_when_its_record_passes_again(world):
    svc.data_quality_measure(actor=world.analyst)
    world.state.failing = world.state.failing[1:]  # thing 1 was put right
    with clock.frozen(clock.now() + timedelta(days=1)):
        results = svc.data_quality_measure(actor=world.analyst)
    assert results["dqtest.things"]["resolved"] == 1
    tasks = {t.dedupe_key: t.status for t in Task.objects.all()}
    assert tasks["oversight.dq:dqtest.things:thing:1"] == "done"
    assert tasks["oversight.dq:dqtest.things:thing:2"] != "done"


def test_the_failing_sample_is_capped(world, monkeypatch):
    monkeypatch.setattr(rules, "DATA_QUALITY_SAMPLE_CAP", 2)
    svc.data_quality_measure(actor=world.analyst)
    assert DataQualityFailure.objects.count() == 2
    assert DataQualityScore.objects.get(team__isnull=True).failing == 3  # the count is whole


def test_measuring_needs_the_permission_and_a_known_rule(world):
    with pytest.raises(PermissionDenied):
        svc.data_quality_measure(actor=world.owner)
    with pytest.raises(ValidationError):
        svc.data_quality_measure(actor=world.analyst, rule_keys=["nope.nothing"])
    assert not DataQualityScore.objects.exists()


# --- the tracker's evidence check ---------------------------------------------------------------------


def test_the_evidence_check_passes_only_on_a_passing_latest_measurement(world):
    result = evidence_evaluate("data_quality_rule_passing", "dqtest.things")
    assert result.state == "failed" and "not been measured" in result.detail
    assert evidence_evaluate("data_quality_rule_passing", "nope.x").state == "failed"
    assert evidence_evaluate("data_quality_rule_passing", "").state == "failed"
    svc.data_quality_measure(actor=None)
    result = evidence_evaluate("data_quality_rule_passing", "dqtest.things")
    assert result.state == "failed" and "98.0%" in result.detail  # warning is not passing
    world.state.failing = []
    with clock.frozen(clock.now() + timedelta(days=1)):
        svc.data_quality_measure(actor=None)
    assert evidence_evaluate("data_quality_rule_passing", "dqtest.things").passed
    assert evidence_evaluate("data_quality_rule_passing", "Things with a value").passed


# --- pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, world, client):
    user = testing.user_make(role_key, world.north)
    client.force_login(user)
    sees = user.has_perm(perms.VIEW_DATA_QUALITY)
    assert client.get(reverse("oversight:data-quality")).status_code == (200 if sees else 403)
    url = reverse("oversight:data-quality-rule") + "?rule=dqtest.things"
    assert client.get(url).status_code == (200 if sees else 403), role_key
    measures = user.has_perm(perms.MEASURE_DATA_QUALITY)
    response = client.post(reverse("oversight:data-quality-measure"), {"rule": "dqtest.things"})
    assert response.status_code == (302 if measures else 403), role_key


def test_the_pages_show_scores_failing_records_owners_and_tasks(world, client):
    client.force_login(world.analyst)
    response = client.post(reverse("oversight:data-quality-measure"))
    assert response.status_code == 302
    html = client.get(reverse("oversight:data-quality")).content.decode()
    assert "Things with a value" in html and "98.0%" in html and "Warning" in html
    html = client.get(
        reverse("oversight:data-quality-rule") + "?rule=dqtest.things"
    ).content.decode()
    assert "Thing 1" in html and world.owner.get_full_name() in html and "North" in html
    assert "Task " in html
    assert client.get(reverse("oversight:data-quality-rule") + "?rule=nope").status_code == 404
    response = client.post(reverse("oversight:data-quality-measure"), {"rule": "nope"})
    assert response.status_code == 302  # refused with a message, nothing measured
