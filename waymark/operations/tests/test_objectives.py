"""Objectives and their measures (003 rec 6, Figure 8): the red / amber / green rule at its
boundaries, who may set targets, and bad input refused with nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.operations import models as m
from waymark.operations import rules
from waymark.operations import selectors as measures
from waymark.operations import services as objectives
from waymark.operations.tests.conftest import NOW, user_make, visit_make

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------
# The rule


def test_the_default_amber_margin_is_ten_percent():
    assert rules.OBJECTIVE_AMBER_MARGIN_DEFAULT == 0.1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100, "green"),
        (95, "green"),
        (95.0000000001, "green"),
        (94.99, "amber"),
        (85.5, "amber"),
        (85.49, "red"),
        (0, "red"),
        (None, "none"),
    ],
)
def test_rag_higher_is_better_boundaries(value, expected):
    assert (
        rules.rag_status(value=value, target=95, higher_is_better=True, amber_margin=0.1)
        == expected
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "green"),
        (2, "green"),
        (2.01, "amber"),
        (3, "amber"),
        (3.01, "red"),
    ],
)
def test_rag_lower_is_better_boundaries(value, expected):
    assert (
        rules.rag_status(value=value, target=2, higher_is_better=False, amber_margin=0.5)
        == expected
    )


def test_rag_with_a_zero_target_uses_the_margin_as_an_absolute_amount():
    assert rules.rag_status(value=0, target=0, higher_is_better=False, amber_margin=1) == "green"
    assert rules.rag_status(value=1, target=0, higher_is_better=False, amber_margin=1) == "amber"
    assert rules.rag_status(value=2, target=0, higher_is_better=False, amber_margin=1) == "red"


def test_rag_default_margin_is_used_when_none_is_given():
    assert rules.rag_status(value=90, target=100) == "amber"
    assert rules.rag_status(value=89.9, target=100) == "red"


# ------------------------------------------------------------------------------------------------
# Services


@pytest.fixture
def manager(ice_team):
    return user_make("authorising_officer", ice_team)


@pytest.fixture
def analyst(ice_team):
    return user_make("performance_analyst", None)


def test_create_change_and_audit(manager):
    objective = objectives.objective_create(
        actor=manager, title="  Every visit risk-assessed  ", description="003 §5.27"
    )
    assert objective.title == "Every visit risk-assessed"
    measure = objectives.objective_measure_add(
        actor=manager, objective=objective, measure_key="visits_risk_rated_pct", target=100
    )
    assert (measure.target, measure.higher_is_better, measure.amber_margin) == (100, True, 0.1)
    objectives.objective_measure_update(
        actor=manager, measure=measure, target=98, higher_is_better=True, amber_margin=0.05
    )
    objectives.objective_update(
        actor=manager, objective=objective, title="Every visit rated", active=False
    )
    measure.refresh_from_db()
    objective.refresh_from_db()
    assert (measure.target, measure.amber_margin, objective.title, objective.active) == (
        98,
        0.05,
        "Every visit rated",
        False,
    )
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="operations.objective").values_list(
            "verb", flat=True
        )
    )
    assert sorted(verbs) == sorted(
        [
            "operations.objective_created",
            "operations.objective_measure_added",
            "operations.objective_measure_changed",
            "operations.objective_changed",
        ]
    )
    changed = AuditEvent.objects.get(verb="operations.objective_measure_changed")
    assert changed.payload["old"]["target"] == 100 and changed.payload["new"]["target"] == 98
    objectives.objective_measure_remove(actor=manager, measure=measure)
    assert not m.ObjectiveMeasure.objects.exists()
    assert (
        AuditEvent.objects.get(verb="operations.objective_measure_removed").payload["old"]["target"]
        == 98
    )


def test_only_a_manager_of_objectives_may_set_them(analyst, manager):
    with pytest.raises(PermissionDenied):
        objectives.objective_create(actor=analyst, title="Anything")
    with pytest.raises(PermissionDenied):
        objectives.objective_create(actor=None, title="Anything")
    objective = objectives.objective_create(actor=manager, title="Closed on time")
    with pytest.raises(PermissionDenied):
        objectives.objective_measure_add(
            actor=analyst, objective=objective, measure_key="visits", target=1
        )
    assert not m.ObjectiveMeasure.objects.exists()
    assert m.Objective.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"measure_key": "nonsense", "target": 1}, "measure_key", "Select a measure from the list"),
        ({"measure_key": "visits_risk_rated_pct", "target": 150}, "target", "between 0 and 100"),
        ({"measure_key": "visits", "target": -1}, "target", "cannot be negative"),
        ({"measure_key": "visits", "target": "lots"}, "target", "as a number"),
        ({"measure_key": "visits", "target": float("nan")}, "target", "as a number"),
        (
            {"measure_key": "visits", "target": 10, "amber_margin": 2},
            "amber_margin",
            "between 0 and 1",
        ),
        (
            {"measure_key": "visits", "target": 10, "amber_margin": -0.1},
            "amber_margin",
            "between 0 and 1",
        ),
    ],
)
def test_bad_measure_input_is_refused_with_nothing_saved(manager, kwargs, field, message):
    objective = objectives.objective_create(actor=manager, title="Objective")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        objectives.objective_measure_add(actor=manager, objective=objective, **kwargs)
    assert message in " ".join(exc.value.message_dict[field])
    assert not m.ObjectiveMeasure.objects.exists()
    assert AuditEvent.objects.count() == before


def test_bad_objective_input_is_refused(manager):
    with pytest.raises(ValidationError) as exc:
        objectives.objective_create(actor=manager, title="   ")
    assert exc.value.message_dict["title"] == ["Enter the objective"]
    objectives.objective_create(actor=manager, title="Protect the vulnerable")
    with pytest.raises(ValidationError) as exc:
        objectives.objective_create(actor=manager, title="protect the VULNERABLE")
    assert "already an objective" in exc.value.message_dict["title"][0]
    assert m.Objective.objects.count() == 1


def test_the_same_measure_twice_on_one_objective_is_refused(manager):
    objective = objectives.objective_create(actor=manager, title="Objective")
    objectives.objective_measure_add(
        actor=manager, objective=objective, measure_key="visits", target=10
    )
    with pytest.raises(ValidationError) as exc:
        objectives.objective_measure_add(
            actor=manager, objective=objective, measure_key="visits", target=20
        )
    assert "already has this measure" in exc.value.message_dict["measure_key"][0]
    assert m.ObjectiveMeasure.objects.get().target == 10


def test_status_is_computed_against_the_live_figure(manager, ice_team, premises, oic):
    objective = objectives.objective_create(actor=manager, title="Every visit risk-assessed")
    objectives.objective_measure_add(
        actor=manager,
        objective=objective,
        measure_key="visits_risk_rated_pct",
        target=100,
        amber_margin=0.1,
    )
    at = NOW - timedelta(days=5)
    for rating in ["green"] * 9 + [""]:
        visit_make(ice_team, premises, rating=rating, status=m.VisitStatus.CLOSED, planned_start=at)
    with clock.frozen(NOW):
        period = measures.period_default()
        [row] = measures.objectives_with_status(period)[0]["measures"]
        assert (row["value"], row["status"]) == (90.0, "amber")
        visit_make(ice_team, premises, rating="", status=m.VisitStatus.CLOSED, planned_start=at)
        [row] = measures.objectives_with_status(period)[0]["measures"]
    assert (row["value"], row["status"]) == (81.8, "red")


# ------------------------------------------------------------------------------------------------
# Pages


def test_objectives_pages_permissions(client, analyst, manager, field_officer):
    objective = objectives.objective_create(actor=manager, title="Closed on time")
    client.force_login(field_officer)
    assert client.get(reverse("operations:objectives")).status_code == 403
    client.force_login(analyst)
    assert client.get(reverse("operations:objectives")).status_code == 200
    assert client.get(reverse("operations:objective-new")).status_code == 403
    assert client.get(reverse("operations:objective-edit", args=[objective.pk])).status_code == 403
    assert client.post(reverse("operations:objective-new"), {"title": "Sneaky"}).status_code == 403
    assert not m.Objective.objects.filter(title="Sneaky").exists()


def test_a_manager_adds_an_objective_and_a_measure_through_the_pages(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("operations:objective-new"), {"title": "Visits closed within 48 hours"}
    )
    objective = m.Objective.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "operations:objective-edit", args=[objective.pk]
    )
    url = reverse("operations:objective-measure-new", args=[objective.pk])
    bad = client.post(
        url, {"measure_key": "closed_within_due_pct", "target": "120", "higher_is_better": "yes"}
    )
    assert bad.status_code == 400 and "between 0 and 100" in bad.content.decode()
    assert "govuk-error-summary" in bad.content.decode()
    assert not m.ObjectiveMeasure.objects.exists()
    good = client.post(
        url,
        {
            "measure_key": "closed_within_due_pct",
            "target": "95",
            "higher_is_better": "yes",
            "amber_margin": "",
        },
    )
    assert good.status_code == 302
    measure = m.ObjectiveMeasure.objects.get()
    assert (measure.target, measure.amber_margin) == (95, rules.OBJECTIVE_AMBER_MARGIN_DEFAULT)
    edit = client.post(
        reverse("operations:objective-measure-edit", args=[measure.pk]),
        {"target": "90", "higher_is_better": "yes", "amber_margin": "0.05"},
    )
    assert edit.status_code == 302
    measure.refresh_from_db()
    assert (measure.target, measure.amber_margin) == (90, 0.05)
    page = client.get(reverse("operations:objectives")).content.decode()
    assert "Visits closed within 48 hours" in page and "govuk-tag" in page
    assert (
        client.post(reverse("operations:objective-measure-remove", args=[measure.pk])).status_code
        == 302
    )
    assert not m.ObjectiveMeasure.objects.exists()


def test_a_blank_objective_title_shows_the_error_summary(client, manager):
    client.force_login(manager)
    response = client.post(reverse("operations:objective-new"), {"title": ""})
    assert response.status_code == 400
    assert "Enter the objective" in response.content.decode()
    assert not m.Objective.objects.exists()
