"""Competence pages (issue 20 item 2): every role on every page; the register (who holds what,
expiring soon, per team); sign-off through the form, its refusals in a GOV.UK error summary with
nothing saved (a holder signing off their own, an assessor without the assessor competence, bad
dates); and the rule pinned."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.work import rules as work_rules
from waymark.work.models import Competence
from waymark.work.services import competence_sign_off

PAGES = {
    "competence-list": perms.COMPETENCE_VIEW,
    "competence-sign-off": perms.COMPETENCE_SIGN_OFF,
    "performance": perms.COMPETENCE_VIEW,
}


def _grant(holder, key, *, days=365, assessor=None):
    return competence_sign_off(
        actor=None,
        holder=holder,
        assessor=assessor or testing.user_make(None),
        competence_key=key,
        expires_on=clock.today() + timedelta(days=days),
    )


@pytest.fixture
def trainer(team):
    """An assurance officer signed off as an assessor (002 rec 2a)."""
    user = testing.user_make("assurance", team, last_name="Trainer")
    _grant(user, work_rules.COMPETENCE_ASSESSOR)
    return user


@pytest.fixture
def decision_maker(team):
    return testing.user_make("nrm_decision_maker", team, last_name="Decider")


def _post(client, holder, key="nrm_decision_maker", *, expires=None, refresher=None):
    expires = expires or clock.today() + timedelta(days=365)
    data = {
        "holder": str(holder.pk) if holder else "",
        "competence_key": key,
        "expires_on_0": str(expires.day),
        "expires_on_1": str(expires.month),
        "expires_on_2": str(expires.year),
        "evidence": "Observed three decisions; passed the course",
    }
    if refresher:
        data |= {
            "refresher_due_on_0": str(refresher.day),
            "refresher_due_on_1": str(refresher.month),
            "refresher_due_on_2": str(refresher.year),
        }
    return client.post(reverse("oversight:competence-sign-off"), data)


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, team, client):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    for name, permission in PAGES.items():
        response = client.get(reverse(f"oversight:{name}"))
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)


def test_the_roles_hold_what_they_need():
    def has(role, perm):
        return perm in ROLES[role].permissions

    assert has("assurance", perms.COMPETENCE_SIGN_OFF) and has(
        "line_manager", perms.COMPETENCE_SIGN_OFF
    )
    assert has("performance_analyst", perms.COMPETENCE_VIEW)
    assert not has("performance_analyst", perms.COMPETENCE_SIGN_OFF)
    assert not has("nrm_decision_maker", perms.COMPETENCE_SIGN_OFF)


def test_an_assessor_signs_off_a_colleague(trainer, decision_maker, client):
    client.force_login(trainer)
    response = _post(client, decision_maker)
    assert response.status_code == 302
    record = Competence.objects.get(holder=decision_maker)
    assert record.assessor_id == trainer.pk and record.competence_key == "nrm_decision_maker"


def test_a_holder_signing_off_their_own_is_refused_with_the_reason(trainer, client):
    client.force_login(trainer)
    response = _post(client, trainer)
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "cannot be signed off by its holder" in body
    assert not Competence.objects.filter(
        holder=trainer, competence_key="nrm_decision_maker"
    ).exists()


def test_an_assessor_without_the_assessor_competence_is_refused(team, decision_maker, client):
    untrained = testing.user_make("line_manager", team, last_name="Untrained")
    client.force_login(untrained)
    response = _post(client, decision_maker)
    assert response.status_code == 400
    assert "Competence assessor (trainer)" in response.content.decode()
    assert not Competence.objects.filter(holder=decision_maker).exists()


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("past expiry", "The expiry date must be in the future"),
        ("too long", "at most"),
        ("refresher after expiry", "between today and the expiry date"),
        ("no person", "Select the person you assessed"),
        ("unknown competence", "Select a competence"),
    ],
)
def test_bad_input_is_refused_with_an_error_summary(
    trainer, decision_maker, client, case, expected
):
    client.force_login(trainer)
    today = clock.today()
    if case == "past expiry":
        response = _post(client, decision_maker, expires=today - timedelta(days=1))
    elif case == "too long":
        response = _post(
            client,
            decision_maker,
            expires=today + timedelta(days=work_rules.COMPETENCE_MAX_VALID_DAYS + 10),
        )
    elif case == "refresher after expiry":
        response = _post(
            client,
            decision_maker,
            expires=today + timedelta(days=100),
            refresher=today + timedelta(days=120),
        )
    elif case == "no person":
        response = _post(client, None)
    else:
        response = _post(client, decision_maker, key="juggling")
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body and expected in body
    assert not Competence.objects.filter(holder=decision_maker).exists()


def test_the_register_shows_who_holds_what_expiring_soon_and_per_team(
    trainer, decision_maker, team, client
):
    _grant(decision_maker, "nrm_decision_maker", days=rules.COMPETENCE_EXPIRING_SOON_DAYS - 1)
    _grant(decision_maker, "nrm_technical_specialist", days=400)
    lapsed = _grant(trainer, "nrm_decision_maker", days=30)
    Competence.objects.filter(pk=lapsed.pk).update(expires_on=clock.today())
    client.force_login(trainer)
    body = client.get(reverse("oversight:competence-list")).content.decode()
    assert "Decider" in body and "NRM technical specialist" in body
    assert body.count("Expiring soon") == 1

    # the lapsed record is not on the register of valid competences
    def listed(query):
        """(person, competence) of each row of the register's table."""
        body = client.get(reverse("oversight:competence-list") + query).content.decode()
        if "Valid competences, soonest expiry first" not in body:
            return []
        table = body.split("Valid competences, soonest expiry first")[1].split("</table>")[0]
        rows = table.split('<tr class="govuk-table__row">')[2:]
        return [
            tuple(
                re.sub(r"<[^>]+>", "", cell).strip()
                for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[:2]
            )
            for row in rows
        ]

    assert listed("?competence=nrm_decision_maker") == [
        (decision_maker.display_name, "NRM decision maker")
    ]
    assert listed("?expiring=1") == [(decision_maker.display_name, "NRM decision maker")]
    assert listed(f"?person={decision_maker.pk}") == [
        (decision_maker.display_name, "NRM decision maker"),
        (decision_maker.display_name, "NRM technical specialist"),
    ]
    assert listed(f"?person={trainer.pk}&competence=nrm_decision_maker") == []
    assert listed(f"?team={team.pk}&competence=nrm_technical_specialist") == [
        (decision_maker.display_name, "NRM technical specialist")
    ]
    by_team = body.split("By team")[1].split("</table>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", by_team)]
    assert [team.name, "NRM decision maker", "1", "1"] == cells[
        cells.index("NRM decision maker") - 1 : cells.index("NRM decision maker") + 3
    ]


def test_rules_pinned():
    assert rules.COMPETENCE_EXPIRING_SOON_DAYS == 42
    assert rules.PERFORMANCE_PERIOD_DAYS == (30, 7, 90)


def test_throughput_and_timeliness_per_person_and_team(trainer, decision_maker, team, client):
    from waymark.accounts.models import Team
    from waymark.work.models import Queue, Task, TaskStatus

    now = clock.now()
    other_team = Team.objects.create(slug="other-team", name="Other team")
    queue = Queue.objects.create(slug="perf-q", name="Q", team=team)
    other_queue = Queue.objects.create(slug="perf-o", name="O", team=other_team)

    def done(queue, who, *, days_ago, due_days_ago=None):
        Task.objects.create(
            task_type="general.follow_up",
            queue=queue,
            title="Done",
            status=TaskStatus.DONE,
            assignee=who,
            created_at=now - timedelta(days=60),
            completed_at=now - timedelta(days=days_ago),
            due_at=None if due_days_ago is None else now - timedelta(days=due_days_ago),
        )

    done(queue, decision_maker, days_ago=2, due_days_ago=1)  # on time
    done(queue, decision_maker, days_ago=2, due_days_ago=3)  # late
    done(queue, decision_maker, days_ago=3)  # no deadline
    done(queue, decision_maker, days_ago=45, due_days_ago=40)  # outside 30 days
    done(other_queue, trainer, days_ago=1, due_days_ago=0)
    client.force_login(trainer)
    page = client.get(reverse("oversight:performance")).content.decode()
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page)]
    person = cells.index(decision_maker.display_name)
    assert cells[person : person + 4] == [decision_maker.display_name, "3", "2", "1 (50%)"]
    team_row = cells.index(team.name)
    assert cells[team_row : team_row + 4] == [team.name, "3", "2", "1 (50%)"]
    quarter = client.get(reverse("oversight:performance") + f"?days=90&team={team.pk}")
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", quarter.content.decode())
    ]
    assert cells[cells.index(decision_maker.display_name) + 1] == "4"
    assert "Other team" not in cells and trainer.display_name not in cells
    # a period not offered falls back to the default, never an error
    assert client.get(reverse("oversight:performance") + "?days=9999").status_code == 200
    # The same figures are registered (core.metrics), by team, person and period, so a personal
    # objective can be set on them; the page lists their definitions.
    from waymark.core.metrics import metric

    finished, on_time = metric("work.tasks_finished"), metric("work.tasks_finished_on_time_pct")
    assert finished.by_person and finished.by_period and finished.by_team
    assert finished.value(person=decision_maker) == 3
    assert finished.value(team, person=decision_maker) == 3
    assert finished.value(other_team, person=decision_maker) == 0
    assert on_time.value(person=decision_maker) == 50.0
    assert on_time.value(other_team) == 100.0
    today = clock.today()
    assert finished.value(person=decision_maker, start=today - timedelta(days=50), end=today) == 4
    assert finished.value(start=today, end=today) == 0  # nothing finished today
    assert on_time.value(start=today, end=today) is None  # nothing to count
    assert finished.definition in page and on_time.name in page
