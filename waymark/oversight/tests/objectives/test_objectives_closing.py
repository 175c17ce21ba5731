"""Closing an objective at its period's end (issue 20 item 2): an outcome and what was achieved,
from the period's last day (withdrawn at any time, with the reason); carried over into a new
objective for the next period from 30 days before it ends. Refused with the reason and nothing
saved otherwise; a closed objective is not changed, measured or updated; every step audited;
the list shows what is owed and exports through the audited helper."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core.models import AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight.models import Objective, ObjectiveMeasurement
from waymark.oversight.services import objectives as services
from waymark.oversight.tests.objectives.conftest import objective_data

pytestmark = pytest.mark.usefixtures("frozen")  # 18 November 2026

ENDED = {"period_start": date(2025, 4, 1), "period_end": date(2026, 3, 31)}
ENDING = {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 1)}  # in 13 days
RUNNING = {"period_start": date(2026, 4, 1), "period_end": date(2027, 3, 31)}


def _objective(manager, hub, priority, period, **kw):
    return services.objective_create(actor=manager, **objective_data(hub, priority, **period, **kw))


def _unchanged(objective):
    fresh = Objective.objects.get(pk=objective.pk)
    assert fresh.status == "open" and fresh.outcome == "" and fresh.closed_at is None
    assert not Objective.objects.filter(carried_from=objective).exists()


def test_an_ended_objective_is_closed_with_its_outcome_and_last_measurement(manager, hub, priority):
    objective = _objective(manager, hub, priority, ENDED)
    ObjectiveMeasurement.objects.create(
        objective=objective,
        month=date(2026, 3, 1),
        measured_at=objective.created_at,
        actual=91,
        target=95,
        rag="amber",
        source="owner",
    )
    closed = services.objective_close(
        actor=manager, objective=objective, outcome="partly_met", note="91% against 95%"
    )
    assert (closed.status, closed.outcome, closed.closed_by) == ("closed", "partly_met", manager)
    assert (closed.final_actual, closed.final_rag) == (91, "amber")
    entry = AuditEvent.objects.get(verb="oversight.objective_closed")
    assert entry.payload["outcome"] == "partly_met" and entry.payload["final_rag"] == "amber"


@pytest.mark.parametrize(
    ("period", "outcome", "note", "field"),
    [
        (RUNNING, "met", "Done early", "outcome"),  # its period has not ended
        (ENDED, "", "Done", "outcome"),
        (ENDED, "carried_over", "Done", "outcome"),  # only by carrying it over
        (ENDED, "met", "   ", "note"),
        (RUNNING, "withdrawn", "", "note"),
    ],
)
def test_a_close_is_refused_with_the_reason_and_nothing_saved(
    manager, hub, priority, period, outcome, note, field
):
    objective = _objective(manager, hub, priority, period)
    with pytest.raises(ValidationError) as exc:
        services.objective_close(actor=manager, objective=objective, outcome=outcome, note=note)
    assert field in exc.value.message_dict
    _unchanged(objective)
    assert not AuditEvent.objects.filter(verb="oversight.objective_closed").exists()


def test_a_running_objective_may_be_withdrawn_with_the_reason(manager, hub, priority):
    objective = _objective(manager, hub, priority, RUNNING)
    closed = services.objective_close(
        actor=manager, objective=objective, outcome="withdrawn", note="Set against the wrong team"
    )
    assert closed.outcome == "withdrawn" and closed.final_actual is None


def test_only_a_manager_of_its_team_closes_it(manager, member, outsider, hub, priority):
    objective = _objective(manager, hub, priority, ENDED, person=member)
    for actor in (member, outsider, testing.user_make("line_manager", outsider.teams.first())):
        with pytest.raises(PermissionDenied):
            services.objective_close(actor=actor, objective=objective, outcome="met", note="x")
    _unchanged(objective)


def test_a_closed_objective_is_not_closed_again_changed_measured_or_updated(
    manager, hub, priority, figure
):
    objective = _objective(manager, hub, priority, ENDED)
    services.objective_close(actor=manager, objective=objective, outcome="met", note="All done")
    objective.refresh_from_db()
    with pytest.raises(ValidationError):
        services.objective_close(actor=manager, objective=objective, outcome="met", note="Again")
    with pytest.raises(ValidationError):
        services.objective_edit(
            actor=manager, objective=objective, **objective_data(hub, priority, **ENDED)
        )
    with pytest.raises(ValidationError):
        services.objective_update_post(actor=manager, objective=objective, text="More")
    with pytest.raises(ValidationError):
        services.objective_carry_over(
            actor=manager, objective=objective, period_end=date(2027, 3, 31), target=1, reason="x"
        )
    assert services.objective_measure(actor=manager, objective=objective) is None
    assert Objective.objects.count() == 1
    assert AuditEvent.objects.filter(verb="oversight.objective_closed").count() == 1


def test_an_objective_is_carried_over_into_the_next_period(manager, member, hub, priority):
    objective = _objective(manager, hub, priority, ENDING, person=member, metric_key="", target=90)
    successor = services.objective_carry_over(
        actor=manager,
        objective=objective,
        period_end=date(2027, 11, 30),
        target=95,
        reason="Halfway: the new checklist lands in January",
    )
    objective.refresh_from_db()
    assert (objective.status, objective.outcome) == ("closed", "carried_over")
    assert objective.closing_note == "Halfway: the new checklist lands in January"
    assert successor.carried_from == objective and objective.carried_to == successor
    assert (successor.period_start, successor.period_end) == (date(2026, 12, 2), date(2027, 11, 30))
    assert (successor.title, successor.team, successor.person, successor.owner) == (
        objective.title,
        hub,
        member,
        objective.owner,
    )
    assert (successor.target, successor.measure_label, successor.status) == (
        95,
        objective.measure_label,
        "open",
    )
    assert (
        AuditEvent.objects.get(verb="oversight.objective_carried_over").payload["successor"]
        == successor.pk
    )
    assert AuditEvent.objects.filter(verb="oversight.objective_set").count() == 2


@pytest.mark.parametrize(
    ("period", "period_end", "target", "reason", "field"),
    [
        (RUNNING, date(2028, 3, 31), 95, "Not yet", "period_end"),  # 133 days before its end
        (ENDING, date(2026, 11, 30), 95, "Ends first", "period_end"),  # before the new start
        (ENDING, date(2028, 6, 30), 95, "Too long", "period_end"),  # more than 366 days
        (ENDING, None, 95, "No date", "period_end"),
        (ENDING, date(2027, 11, 30), None, "No target", "target"),
        (ENDING, date(2027, 11, 30), 95, "  ", "reason"),
    ],
)
def test_a_carry_over_is_refused_with_the_reason_and_nothing_saved(
    manager, hub, priority, period, period_end, target, reason, field
):
    objective = _objective(manager, hub, priority, period)
    with pytest.raises(ValidationError) as exc:
        services.objective_carry_over(
            actor=manager, objective=objective, period_end=period_end, target=target, reason=reason
        )
    assert field in exc.value.message_dict
    _unchanged(objective)
    assert Objective.objects.count() == 1


def test_the_sweep_does_not_measure_a_closed_objective(manager, hub, priority, figure):
    running = _objective(manager, hub, priority, RUNNING, metric_key="test.breaches")
    withdrawn = _objective(manager, hub, priority, RUNNING, metric_key="test.breaches")
    services.objective_close(actor=manager, objective=withdrawn, outcome="withdrawn", note="x")
    assert services.objectives_measure_sweep() == 1
    assert ObjectiveMeasurement.objects.filter(objective=running).count() == 1
    assert not ObjectiveMeasurement.objects.filter(objective=withdrawn).exists()


# --- pages ---------------------------------------------------------------------------------------


def test_the_close_page_closes_and_refuses_in_an_error_summary(client, manager, hub, priority):
    objective = _objective(manager, hub, priority, RUNNING)
    client.force_login(manager)
    url = reverse("oversight:objective-close", args=[objective.pk])
    response = client.post(url, {"outcome": "met", "note": "Early"})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert b"Its period has not ended" in response.content
    _unchanged(objective)
    response = client.post(url, {"outcome": "withdrawn", "note": "Duplicate"})
    assert response.status_code == 302
    assert Objective.objects.get(pk=objective.pk).outcome == "withdrawn"
    page = client.get(reverse("oversight:objective", args=[objective.pk]))
    assert b"Withdrawn" in page.content and b"Duplicate" in page.content
    assert b"Change the objective" not in page.content  # closed: no more changes offered
    assert client.get(url).status_code == 302  # already closed: back to it, with a message


def test_the_carry_over_page_opens_the_new_objective(client, manager, hub, priority):
    objective = _objective(manager, hub, priority, ENDING)
    client.force_login(manager)
    detail = client.get(reverse("oversight:objective", args=[objective.pk]))
    assert b"Carry over to a new period" in detail.content
    url = reverse("oversight:objective-carry-over", args=[objective.pk])
    form = client.get(url)
    assert form.status_code == 200 and b"2027" in form.content  # the same length, proposed
    response = client.post(
        url,
        {
            "period_end_0": "30",
            "period_end_1": "11",
            "period_end_2": "2027",
            "target": "not a number",
            "reason": "More to do",
        },
    )
    assert response.status_code == 400 and b"Enter the target as a number" in response.content
    _unchanged(objective)
    response = client.post(
        url,
        {
            "period_end_0": "30",
            "period_end_1": "11",
            "period_end_2": "2027",
            "target": "97",
            "reason": "More to do",
        },
    )
    successor = Objective.objects.get(carried_from=objective)
    assert response.status_code == 302 and response.url == reverse(
        "oversight:objective", args=[successor.pk]
    )
    page = client.get(response.url)
    assert b"Carried over from" in page.content


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_the_close_carry_over_and_export_pages(role_key, manager, hub, priority):
    from django.test import Client

    objective = _objective(manager, hub, priority, ENDING)
    user = testing.user_make(role_key, hub)
    client = Client()
    client.force_login(user)
    manages = perms.may_manage_team_objectives(user, hub.pk)
    for name in ("oversight:objective-close", "oversight:objective-carry-over"):
        response = client.get(reverse(name, args=[objective.pk]))
        if manages:
            assert response.status_code == 200, (role_key, name)
        else:
            assert response.status_code in (403, 404), (role_key, name, response.status_code)
    response = client.get(reverse("oversight:objectives-export"))
    assert response.status_code == (200 if user.has_perm(perms.OBJECTIVES_VIEW) else 403), role_key


def test_anonymous_callers_are_sent_to_sign_in(client, manager, hub, priority):
    objective = _objective(manager, hub, priority, ENDING)
    for url in (
        reverse("oversight:objective-close", args=[objective.pk]),
        reverse("oversight:objective-carry-over", args=[objective.pk]),
        reverse("oversight:objectives-export"),
    ):
        assert client.get(url).status_code == 302


def test_the_list_shows_what_is_owed_and_exports_what_it_filters(
    client, manager, analyst, hub, priority
):
    ended = _objective(manager, hub, priority, ENDED, title="Last year's")
    _objective(manager, hub, priority, RUNNING, title="This year's")
    client.force_login(analyst)
    page = client.get(reverse("oversight:objectives"))
    assert b"1 objective has ended and is still open" in page.content
    owed = client.get(reverse("oversight:objectives") + "?status=to_close")
    assert b"Last year&#39;s" in owed.content and b"This year&#39;s" not in owed.content
    response = client.get(reverse("oversight:objectives-export") + "?status=to_close")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Objective" and [r[0] for r in rows[1:]] == ["Last year's"]
    assert rows[1][13] == "Open"
    entry = AuditEvent.objects.get(verb="oversight.objectives_exported")
    assert entry.action == "disclosure" and entry.actor_id == analyst.pk
    services.objective_close(actor=manager, objective=ended, outcome="not_met", note="Short")
    assert b"ended and is still open" not in client.get(reverse("oversight:objectives")).content
    xlsx = client.get(reverse("oversight:objectives-export") + "?format=xlsx&status=closed")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
