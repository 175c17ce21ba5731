"""The tracker's pages: who may open each, what the tracker shows (every seed's recommendations,
slipping actions with their history), the forms and their refusals (GOV.UK error summary), and
the audited CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.core.models import AuditAction, AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight import rules, services
from waymark.oversight.models import Action, ActionStatus

PAGES = {
    "tracker": (perms.VIEW, lambda rec, action: reverse("oversight:tracker")),
    "recommendation": (
        perms.VIEW,
        lambda rec, action: reverse("oversight:recommendation", args=[rec.pk]),
    ),
    "action-add": (
        perms.MANAGE,
        lambda rec, action: reverse("oversight:action-add", args=[rec.pk]),
    ),
    "action-close": (
        perms.SIGN_OFF,
        lambda rec, action: reverse("oversight:action-close", args=[action.pk]),
    ),
    "action-reopen": (
        perms.SIGN_OFF,
        lambda rec, action: reverse("oversight:action-reopen", args=[action.pk]),
    ),
    "export": (perms.EXPORT, lambda rec, action: reverse("oversight:tracker-export")),
}


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, team, action, client):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    rec = action.recommendation
    for name, (permission, url) in PAGES.items():
        response = client.get(url(rec, action))
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)
    # The update page: the owner or anyone who manages actions.
    response = client.get(reverse("oversight:action-update", args=[action.pk]))
    assert response.status_code == (200 if user.has_perm(perms.MANAGE) else 403), role_key


def test_the_roles_the_tracker_serves_hold_what_they_need():
    def has(role, perm):
        return perm in ROLES[role].permissions

    assert all(
        has("assurance", p) for p in (perms.VIEW, perms.MANAGE, perms.SIGN_OFF, perms.EXPORT)
    )
    assert has("line_manager", perms.MANAGE) and not has("line_manager", perms.SIGN_OFF)
    assert has("performance_analyst", perms.EXPORT) and not has("performance_analyst", perms.MANAGE)


def test_the_owner_may_post_an_update_without_the_manage_permission(
    seeded, assurance, team, client
):
    analyst_owner = testing.user_make("performance_analyst", team, last_name="Owner")
    action = services.action_add(
        actor=assurance,
        recommendation=seeded[("003", "6")],
        description="Set out objectives",
        owner=analyst_owner,
        due_on=date(2027, 1, 31),
    )
    client.force_login(analyst_owner)
    response = client.post(
        reverse("oversight:action-update", args=[action.pk]), {"text": "Drafted"}
    )
    assert response.status_code == 302
    assert action.updates.count() == 1


def test_the_seeded_tracker_shows_every_seed_s_recommendations(seeded, assurance, client):
    client.force_login(assurance)
    response = client.get(reverse("oversight:tracker"))
    html = response.content.decode()
    assert response.status_code == 200
    total = sum(rules.SEED_RECOMMENDATION_COUNTS.values())
    assert f"{total} recommendations shown" in html
    for rec in seeded.values():
        assert f"Report {rec.seed}, recommendation {rec.number}<" in html
    response = client.get(reverse("oversight:tracker"), {"seed": "002"})
    assert "25 recommendations shown" in response.content.decode()


def test_the_tracker_filters_by_status_and_owner_and_highlights_slipping(
    action, line_manager, assurance, client
):
    with clock.frozen(testing.NOW):
        services.action_update_post(
            actor=line_manager, action=action, text="Late", revised_due_on=date(2027, 3, 1)
        )
    client.force_login(assurance)
    html = client.get(reverse("oversight:tracker"), {"owner": line_manager.pk}).content.decode()
    assert "1 recommendation shown" in html and "Slipping" in html
    assert "Due date moved 1 time" in html and "1 March 2027" in html
    assert (
        "1 recommendation shown"
        in client.get(reverse("oversight:tracker"), {"status": "open"}).content.decode()
    )
    assert (
        "1 recommendation shown"
        in client.get(reverse("oversight:tracker"), {"slipping": "1"}).content.decode()
    )
    no_actions = client.get(reverse("oversight:tracker"), {"status": "no_actions"}).content.decode()
    assert (
        f"{sum(rules.SEED_RECOMMENDATION_COUNTS.values()) - 1} recommendations shown" in no_actions
    )


def test_the_recommendation_page_shows_the_response_actions_and_updates(
    seeded, action, line_manager, assurance, client
):
    services.action_update_post(
        actor=line_manager, action=action, text="Drafted the account", evidence="Draft v1"
    )
    client.force_login(assurance)
    rec = seeded[("002", "5d")]
    html = client.get(reverse("oversight:recommendation", args=[rec.pk])).content.decode()
    assert "Rejected" in html and "The Home Office rejects this element" in html
    html = client.get(
        reverse("oversight:recommendation", args=[action.recommendation_id])
    ).content.decode()
    assert "Drafted the account" in html and "Evidence: Draft v1" in html
    assert "Close and sign off" in html


def test_adding_an_action_through_the_form(seeded, assurance, line_manager, client):
    client.force_login(assurance)
    rec = seeded[("000", "4")]
    url = reverse("oversight:action-add", args=[rec.pk])
    response = client.post(
        url,
        {
            "description": "Keep the joint issues log",
            "owner": line_manager.pk,
            "milestone": "Log in use",
            "due_on_0": "31",
            "due_on_1": "1",
            "due_on_2": "2027",
            "evidence_kind": "none",
        },
    )
    assert response.status_code == 302
    assert Action.objects.get(recommendation=rec).owner == line_manager


def test_the_add_form_shows_the_error_summary_and_saves_nothing(seeded, assurance, client):
    client.force_login(assurance)
    rec = seeded[("000", "4")]
    response = client.post(
        reverse("oversight:action-add", args=[rec.pk]),
        {
            "description": "",
            "evidence_kind": "guidance_published",
            "due_on_0": "31",
            "due_on_1": "1",
            "due_on_2": "2027",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Enter what the action is" in html
    assert not Action.objects.exists()


def test_sign_off_by_the_owner_is_refused_on_the_page(seeded, assurance, second_assurance, client):
    own = services.action_add(
        actor=second_assurance,
        recommendation=seeded[("003", "4")],
        description="Reintroduce first-line assurance",
        owner=assurance,
        due_on=date(2027, 1, 31),
    )
    client.force_login(assurance)
    url = reverse("oversight:action-close", args=[own.pk])
    assert "You own this action" in client.get(url).content.decode()
    response = client.post(url, {"outcome": "closed", "note": "Done"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and "someone other than its owner must sign it off" in html
    own.refresh_from_db()
    assert own.status == ActionStatus.OPEN and own.signed_off_by is None


def test_closure_without_evidence_is_refused_on_the_page(seeded, assurance, line_manager, client):
    action = services.action_add(
        actor=assurance,
        recommendation=seeded[("002", "6b")],
        description="Sample 20% of positive CG decisions",
        owner=line_manager,
        due_on=date(2027, 1, 31),
        evidence_kind="sampling_rule_in_force",
        evidence_parameter="Positive CG decisions at 20%",
    )
    client.force_login(assurance)
    response = client.post(
        reverse("oversight:action-close", args=[action.pk]), {"outcome": "closed", "note": "Done"}
    )
    assert response.status_code == 400
    assert "No active sampling rule is called" in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_close_and_reopen_through_the_pages(action, assurance, client):
    client.force_login(assurance)
    response = client.post(
        reverse("oversight:action-close", args=[action.pk]),
        {"outcome": "closed_with_monitoring", "note": "Tracker in use"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED_WITH_MONITORING
    response = client.post(reverse("oversight:action-reopen", args=[action.pk]), {"reason": "Gaps"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_the_csv_export_is_audited_as_one_disclosure(action, analyst, client):
    client.force_login(analyst)
    before = AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count()
    response = client.get(reverse("oversight:tracker-export"), {"seed": "001"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Source" and len(rows) == 1 + 8  # 001's eight recommendations
    assert any(r[5] == "Keep one tracker of every recommendation" for r in rows[1:])
    entries = AuditEvent.objects.filter(
        action=AuditAction.DISCLOSURE, verb="oversight.tracker_exported"
    )
    assert (
        entries.count() == 1
        and before + 1 == AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count()
    )


def test_an_empty_update_shows_the_error_summary_and_saves_nothing(action, line_manager, client):
    client.force_login(line_manager)
    response = client.post(reverse("oversight:action-update", args=[action.pk]), {"text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Enter the update" in html
    assert action.updates.count() == 0
