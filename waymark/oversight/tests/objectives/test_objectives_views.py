"""Objectives, training needs and competence withdrawal pages (issue 20 item 2): every role on
every page; the forms' refusals in a GOV.UK error summary with nothing saved (target missing or
not a number, the period ending before it starts, a team the user does not manage); an objective
seen only by its readers, owner and person; a competence withdrawn with a reason, never by its
holder, and audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight.models import Objective, ObjectiveMeasurement, ObjectiveUpdate
from waymark.oversight.services import objectives as services
from waymark.oversight.tests.objectives.conftest import objective_data
from waymark.work.models import Competence
from waymark.work.services import competence_sign_off

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def objective(manager, member, hub, priority):
    return services.objective_create(
        actor=manager, **objective_data(hub, priority, person=member, target=90)
    )


@pytest.fixture
def record(member):
    return competence_sign_off(
        actor=None,
        holder=member,
        assessor=testing.user_make(None),
        competence_key="em_breach_decision_maker",
        expires_on=clock.today() + timedelta(days=200),
    )


def _pages(objective, record) -> dict[str, tuple[str, str | None]]:
    """url -> (permission the role needs, or None for every signed-in user)."""
    return {
        reverse("oversight:objectives"): None,
        reverse("oversight:objective-new"): perms.OBJECTIVES_MANAGE,
        reverse("oversight:training-needs"): perms.TRAINING_NEEDS_VIEW,
        reverse("oversight:performance"): perms.COMPETENCE_VIEW,
        reverse("oversight:competence-withdraw", args=[record.pk]): perms.COMPETENCE_SIGN_OFF,
        reverse("oversight:objective", args=[objective.pk]): perms.OBJECTIVES_VIEW,
    }


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, objective, record, other_team, client):
    user = testing.user_make(role_key, other_team)
    client.force_login(user)
    for url, permission in _pages(objective, record).items():
        response = client.get(url)
        if permission is None:
            expected = 200
        elif url.endswith(f"/objectives/{objective.pk}/"):
            # an objective is for its readers (and its owner and person): 404 to the rest
            expected = 200 if user.has_perm(permission) else 404
        else:
            expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, url, response.status_code)


def test_the_roles_hold_what_they_need():
    def has(role, perm):
        return perm in ROLES[role].permissions

    assert has("line_manager", perms.OBJECTIVES_MANAGE)
    assert not has("line_manager", perms.OBJECTIVES_ANY_TEAM)
    assert has("performance_analyst", perms.OBJECTIVES_ANY_TEAM)
    assert has("service_delivery", perms.OBJECTIVES_VIEW)
    assert not has("service_delivery", perms.OBJECTIVES_MANAGE)
    assert has("assurance", perms.OBJECTIVES_VIEW)
    assert not has("em_caseworker", perms.OBJECTIVES_VIEW)
    assert has("line_manager", perms.TRAINING_NEEDS_VIEW)


def test_the_person_and_the_owner_see_their_objective_and_others_do_not(
    objective, member, outsider, client
):
    client.force_login(member)
    assert client.get(reverse("oversight:objective", args=[objective.pk])).status_code == 200
    listed = client.get(reverse("oversight:objectives")).content.decode()
    assert "My objectives" in listed and objective.title in listed
    client.force_login(outsider)
    assert client.get(reverse("oversight:objective", args=[objective.pk])).status_code == 404
    assert objective.title not in client.get(reverse("oversight:objectives")).content.decode()


def _form(team, priority, **kw):
    start, end = kw.pop("start", date(2026, 4, 1)), kw.pop("end", date(2027, 3, 31))
    data = {
        "priority": str(priority.pk),
        "title": "Act on every breach",
        "team": str(team.pk),
        "person": "",
        "owner": "",
        "period_start_0": str(start.day),
        "period_start_1": str(start.month),
        "period_start_2": str(start.year),
        "period_end_0": str(end.day),
        "period_end_1": str(end.month),
        "period_end_2": str(end.year),
        "metric_key": "",
        "measure_label": "Breaches actioned within 2 working days (%)",
        "higher_is_better": "higher",
        "target": "95",
    }
    data.update(kw)
    return data


def test_a_manager_sets_an_objective_through_the_form(manager, hub, priority, client):
    client.force_login(manager)
    response = client.post(reverse("oversight:objective-new"), _form(hub, priority))
    objective = Objective.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("oversight:objective", args=[objective.pk])
    page = client.get(response.url).content.decode()
    assert "Act on every breach" in page and "Not yet measured" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": ""}, "Enter the target"),
        ({"target": "ninety"}, "Enter the target as a number"),
        ({"end": date(2026, 3, 1)}, "The period must end on or after the day it starts"),
        ({"title": ""}, "Enter the objective"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    manager, hub, priority, client, change, message
):
    client.force_login(manager)
    response = client.post(reverse("oversight:objective-new"), _form(hub, priority, **change))
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and message in body
    assert not Objective.objects.exists()


def test_a_team_the_manager_does_not_manage_is_refused_on_the_form(
    manager, other_team, priority, client
):
    client.force_login(manager)
    response = client.post(reverse("oversight:objective-new"), _form(other_team, priority))
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and "a team you manage" in body
    assert not Objective.objects.exists()


def test_editing_is_for_a_manager_of_the_team(objective, manager, analyst, hub, priority, client):
    other_manager = testing.user_make("line_manager", _elsewhere_team(), last_name="Elsewhere")
    client.force_login(other_manager)
    assert client.get(reverse("oversight:objective-edit", args=[objective.pk])).status_code == 403
    client.force_login(manager)
    form = _form(hub, priority, target="97", person=str(objective.person_id))
    response = client.post(reverse("oversight:objective-edit", args=[objective.pk]), form)
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.target == 97


def _elsewhere_team():
    from waymark.accounts.models import Team

    return Team.objects.get_or_create(slug="obj-elsewhere", defaults={"name": "Elsewhere"})[0]


def test_the_owner_posts_an_update_with_this_month_s_value(objective, member, client):
    client.force_login(member)
    url = reverse("oversight:objective-update", args=[objective.pk])
    bad = client.post(url, {"text": "", "actual": "lots"})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
    assert not ObjectiveUpdate.objects.exists()
    response = client.post(url, {"text": "On track", "actual": "70"})
    assert response.status_code == 302
    page = client.get(reverse("oversight:objective", args=[objective.pk])).content.decode()
    assert "On track" in page and "govuk-tag--red" in page
    assert ObjectiveMeasurement.objects.get().rag == "red"


def test_measure_now_is_a_post_by_a_manager(objective, manager, client, figure):
    client.force_login(manager)
    url = reverse("oversight:objective-measure", args=[objective.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    # the objective has no registered figure: nothing is recorded and the page says why
    assert "Not measured" in response.content.decode()
    assert not ObjectiveMeasurement.objects.exists()


def test_the_list_filters_by_rating_and_shows_the_tags(objective, member, manager, client):
    services.objective_update_post(actor=member, objective=objective, text="x", actual=95)
    client.force_login(manager)
    page = client.get(reverse("oversight:objectives") + "?rag=green").content.decode()
    assert objective.title in page and "govuk-tag--green" in page
    page = client.get(reverse("oversight:objectives") + "?rag=red").content.decode()
    assert objective.title not in page and "No objectives match" in page


# --- competence withdrawal ---------------------------------------------------------------------


@pytest.fixture
def assessor(hub):
    return testing.user_make("assurance", hub, last_name="Assessor")


def test_a_competence_is_withdrawn_with_a_reason_and_audited(record, assessor, client):
    client.force_login(assessor)
    url = reverse("oversight:competence-withdraw", args=[record.pk])
    bad = client.post(url, {"reason": ""})
    assert (
        bad.status_code == 400 and "Enter why the competence is withdrawn" in bad.content.decode()
    )
    record.refresh_from_db()
    assert record.withdrawn_at is None
    response = client.post(url, {"reason": "Three red reviews of breach decisions"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.withdrawn_by == assessor
    assert record.withdrawn_reason == "Three red reviews of breach decisions"
    assert AuditEvent.objects.filter(verb="competence.withdrawn").count() == 1


def test_the_holder_cannot_withdraw_their_own(assessor, client):
    own = competence_sign_off(
        actor=None,
        holder=assessor,
        assessor=testing.user_make(None),
        competence_key="em_breach_decision_maker",
        expires_on=clock.today() + timedelta(days=200),
    )
    client.force_login(assessor)
    response = client.post(
        reverse("oversight:competence-withdraw", args=[own.pk]), {"reason": "Not needed"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and "cannot withdraw your own" in body
    own.refresh_from_db()
    assert own.withdrawn_at is None
    assert not AuditEvent.objects.filter(verb="competence.withdrawn").exists()


def test_the_register_offers_withdrawal_to_assessors(record, assessor, client):
    client.force_login(assessor)
    page = client.get(reverse("oversight:competence-list")).content.decode()
    assert reverse("oversight:competence-withdraw", args=[record.pk]) in page
    assert Competence.objects.get(pk=record.pk).withdrawn_at is None
