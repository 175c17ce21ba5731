"""Governance's pages (issue 20 item 6): every role on every page (what may and may not reach
each), the forms' refusals as a GOV.UK error summary with nothing saved, the complaint pages'
consultation entries, the themes analysis and the lesson search."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.core.models import AuditAction, AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight.models import Complaint, Risk, RiskAcceptance, RiskReview
from waymark.oversight.services import governance as services

TODAY = testing.NOW.date()


@pytest.fixture
def world(team, assurance, line_manager):
    from waymark.people import services as people_services

    delivery = testing.user_make("service_delivery", team, last_name="Delivery")
    with clock.frozen(testing.NOW):
        person = people_services.person_create(
            actor=None,
            given_names="Amir",
            family_name="Haddad",
            date_of_birth=TODAY.replace(year=1990),
            nationalities=("SYR",),
            owning_team=team,
        )
        joint = services.register_create(
            actor=delivery,
            name="EM contract joint risk register",
            kind="joint",
            owner=assurance,
            contract_owner=delivery,
            supplier="Capita EMS",
        )
        risk = services.risk_add(
            actor=delivery,
            register=joint,
            title="EMS misses service levels",
            cause="Measured across the whole contract",
            effect="Faulty tags left in place",
            owner=line_manager,
            likelihood=4,
            impact=4,
            target_likelihood=2,
            target_impact=2,
        )
        issue = services.supplier_issue_raise(
            actor=delivery,
            register=joint,
            title="Re-installations late",
            description="79.1% against 95%",
            owner=line_manager,
            raised_on=TODAY,
        )
        complaint = services.complaint_record(
            actor=assurance,
            channel="mp",
            received_on=TODAY,
            complainant="Their MP",
            summary="The tag stopped charging",
            themes=["em_equipment"],
            person_reference=person.reference,
        )
        complaint = services.complaint_allocate(
            actor=assurance, complaint=complaint, handler=line_manager
        )
        lesson = services.lesson_record(
            actor=assurance,
            title="Weigh the explanation before deciding a breach",
            source_type="litigation",
            source_reference="JR settled 2026",
            summary="A breach decision ignored a faulty charger.",
            lesson="Record the explanation and the weight given to it.",
            owner=line_manager,
            learned_on=TODAY,
        )
    return {
        "delivery": delivery,
        "person": person,
        "register": joint,
        "risk": risk,
        "issue": issue,
        "complaint": complaint,
        "lesson": lesson,
    }


def _pages(w):
    r, reg, c = w["risk"].pk, w["register"].pk, w["complaint"].pk
    return {
        "registers": (perms.VIEW_RISKS, reverse("oversight:risk-registers")),
        "register-new": (perms.MANAGE_RISKS, reverse("oversight:risk-register-new")),
        "register": (perms.VIEW_RISKS, reverse("oversight:risk-register", args=[reg])),
        "risk-new": (perms.MANAGE_RISKS, reverse("oversight:risk-new", args=[reg])),
        "issue-new": (perms.MANAGE_RISKS, reverse("oversight:supplier-issue-new", args=[reg])),
        "risk": (perms.VIEW_RISKS, reverse("oversight:risk", args=[r])),
        "risk-accept": (perms.ACCEPT_RISKS, reverse("oversight:risk-accept", args=[r])),
        "risk-close": (perms.MANAGE_RISKS, reverse("oversight:risk-close", args=[r])),
        "risk-reopen": (perms.MANAGE_RISKS, reverse("oversight:risk-reopen", args=[r])),
        "issue": (perms.VIEW_RISKS, reverse("oversight:supplier-issue", args=[w["issue"].pk])),
        "issue-move": (
            perms.MANAGE_RISKS,
            reverse("oversight:supplier-issue-move", args=[w["issue"].pk]),
        ),
        "complaints": (perms.VIEW_COMPLAINTS, reverse("oversight:complaints")),
        "complaint-new": (perms.MANAGE_COMPLAINTS, reverse("oversight:complaint-new")),
        "complaint": (perms.VIEW_COMPLAINTS, reverse("oversight:complaint", args=[c])),
        "complaint-allocate": (
            perms.MANAGE_COMPLAINTS,
            reverse("oversight:complaint-allocate", args=[c]),
        ),
        "themes": (perms.ANALYSE_COMPLAINTS, reverse("oversight:complaint-themes")),
        "register-export": (
            perms.VIEW_RISKS,
            reverse("oversight:risk-register-export", args=[reg]),
        ),
        "complaints-export": (perms.MANAGE_COMPLAINTS, reverse("oversight:complaints-export")),
        "themes-export": (
            perms.ANALYSE_COMPLAINTS,
            reverse("oversight:complaint-themes-export"),
        ),
        "lessons": (perms.VIEW_LESSONS, reverse("oversight:lessons")),
        "lesson-new": (perms.MANAGE_LESSONS, reverse("oversight:lesson-new")),
        "lesson": (perms.VIEW_LESSONS, reverse("oversight:lesson", args=[w["lesson"].pk])),
    }


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_governance_page(role_key, team, world, client):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    wrong = []
    for name, (permission, url) in _pages(world).items():
        status = client.get(url).status_code
        expected = 200 if user.has_perm(permission) else 403
        if status != expected:
            wrong.append((name, status, expected))
    # Reviewing: the risk's owner or a register keeper; 403 for other readers of the registers.
    review = client.get(reverse("oversight:risk-review", args=[world["risk"].pk])).status_code
    if user.has_perm(perms.MANAGE_RISKS):
        assert review == 200, role_key
    else:
        assert review == 403, role_key
    # Responding: the handler or a complaints manager; anyone else is told nothing exists.
    respond = client.get(
        reverse("oversight:complaint-respond", args=[world["complaint"].pk])
    ).status_code
    assert respond == (200 if user.has_perm(perms.MANAGE_COMPLAINTS) else 404), role_key
    assert wrong == [], role_key


def test_who_holds_what():
    def has(role, perm):
        return perm in ROLES[role].permissions

    for role in ("assurance", "service_delivery"):
        assert all(
            has(role, p)
            for p in (
                perms.MANAGE_RISKS,
                perms.ACCEPT_RISKS,
                perms.MANAGE_COMPLAINTS,
                perms.MANAGE_LESSONS,
            )
        )
    assert has("line_manager", perms.MANAGE_RISKS) and not has("line_manager", perms.ACCEPT_RISKS)
    assert has("line_manager", perms.VIEW_COMPLAINTS)
    assert not has("line_manager", perms.MANAGE_COMPLAINTS)
    assert has("performance_analyst", perms.ANALYSE_COMPLAINTS)
    assert not has("performance_analyst", perms.VIEW_COMPLAINTS)
    assert has("data_protection", perms.VIEW_COMPLAINTS)
    assert has("case_owner", perms.VIEW_LESSONS) and has("field_officer", perms.VIEW_LESSONS)
    for outsider in ("supplier", "police_partner", "system_admin"):
        assert not has(outsider, perms.VIEW_LESSONS)
        assert not has(outsider, perms.VIEW_COMPLAINTS)


def test_the_handler_responds_on_time_from_the_complaint_page(world, line_manager, client):
    client.force_login(line_manager)
    complaint = world["complaint"]
    page = client.get(reverse("oversight:complaint", args=[complaint.pk])).content.decode()
    assert "Record the response" in page and world["person"].reference in page
    with clock.frozen(testing.NOW + timedelta(days=3)):
        response = client.post(
            reverse("oversight:complaint-respond", args=[complaint.pk]),
            {
                "responded_on_0": str((TODAY + timedelta(days=3)).day),
                "responded_on_1": str(TODAY.month),
                "responded_on_2": str(TODAY.year),
                "outcome": "partly_upheld",
                "response": "We asked EMS to replace the charger.",
            },
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "responded" and complaint.on_time


def test_a_response_before_receipt_shows_the_error_summary_and_saves_nothing(
    world, line_manager, client
):
    client.force_login(line_manager)
    complaint = world["complaint"]
    before = TODAY - timedelta(days=2)
    with clock.frozen(testing.NOW):
        response = client.post(
            reverse("oversight:complaint-respond", args=[complaint.pk]),
            {
                "responded_on_0": str(before.day),
                "responded_on_1": str(before.month),
                "responded_on_2": str(before.year),
                "outcome": "upheld",
                "response": "Sorry",
            },
        )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "on or after the date the complaint" in html
    complaint.refresh_from_db()
    assert complaint.status == "allocated" and complaint.responded_on is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("likelihood", "7", "Select the likelihood, from 1 to 5"),
        ("likelihood", "0", "Select the likelihood, from 1 to 5"),
        ("cause", "", "Enter cause"),
    ],
)
def test_a_risk_with_bad_input_shows_the_error_summary_and_saves_nothing(
    field, value, message, world, client
):
    client.force_login(world["delivery"])
    data = {
        "title": "Another risk",
        "cause": "A cause",
        "effect": "An effect",
        "owner": str(world["delivery"].pk),
        "likelihood": "3",
        "impact": "3",
        "target_likelihood": "1",
        "target_impact": "1",
        field: value,
    }
    before = Risk.objects.count()
    response = client.post(reverse("oversight:risk-new", args=[world["register"].pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and message in html
    assert Risk.objects.count() == before


def test_an_owner_accepting_their_own_risk_is_refused_with_the_error_summary(world, team, client):
    delivery = world["delivery"]
    with clock.frozen(testing.NOW):
        own = services.risk_add(
            actor=delivery,
            register=world["register"],
            title="Own risk",
            cause="c",
            effect="e",
            owner=delivery,
            likelihood=3,
            impact=3,
            target_likelihood=1,
            target_impact=1,
        )
    client.force_login(delivery)
    later = TODAY + timedelta(days=30)
    with clock.frozen(testing.NOW):
        page = client.get(reverse("oversight:risk-accept", args=[own.pk])).content.decode()
        assert "someone other than its owner" in page
        response = client.post(
            reverse("oversight:risk-accept", args=[own.pk]),
            {
                "expires_on_0": str(later.day),
                "expires_on_1": str(later.month),
                "expires_on_2": str(later.year),
                "reason": "Tolerable",
            },
        )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not RiskAcceptance.objects.exists()


def test_a_review_through_the_page_moves_the_next_review(world, line_manager, client):
    client.force_login(line_manager)  # the risk's owner, who does not keep the registers
    risk = world["risk"]
    with clock.frozen(testing.NOW):
        response = client.post(
            reverse("oversight:risk-review", args=[risk.pk]),
            {
                "reviewed_on_0": str(TODAY.day),
                "reviewed_on_1": str(TODAY.month),
                "reviewed_on_2": str(TODAY.year),
                "likelihood": "2",
                "impact": "2",
                "note": "Recovered",
            },
        )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.rating == 4 and risk.next_review_on == TODAY + timedelta(days=360)
    assert RiskReview.objects.filter(risk=risk).count() == 1


def test_a_complaint_recorded_through_the_page_gets_its_target(world, assurance, client):
    client.force_login(assurance)
    with clock.frozen(testing.NOW):
        response = client.post(
            reverse("oversight:complaint-new"),
            {
                "channel": "phone",
                "received_on_0": str(TODAY.day),
                "received_on_1": str(TODAY.month),
                "received_on_2": str(TODAY.year),
                "complainant": "The person",
                "summary": "Rude on the phone",
                "themes": ["staff_conduct"],
                "nation": "england-and-wales",
            },
        )
    assert response.status_code == 302
    complaint = Complaint.objects.get(channel="phone")
    assert complaint.due_on == TODAY + timedelta(days=28)
    # Missing themes: the error summary, nothing saved.
    with clock.frozen(testing.NOW):
        response = client.post(
            reverse("oversight:complaint-new"),
            {"channel": "phone", "complainant": "x", "summary": "y", "nation": "scotland"},
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select at least one theme" in html and "Enter date received" in html
    assert Complaint.objects.count() == 2


def test_complaint_pages_are_consultations_naming_the_person(world, assurance, client):
    client.force_login(assurance)
    for url in (
        reverse("oversight:complaint", args=[world["complaint"].pk]),
        reverse("oversight:complaints"),
    ):
        before = AuditEvent.objects.count()
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        entries = AuditEvent.objects.order_by("sequence")[before:]
        consulted = [e for e in entries if e.action == AuditAction.CONSULTATION]
        assert len(consulted) == 1, url
        assert world["person"].pk in consulted[0].payload.get("people", []), url


def test_the_lists_show_overdue_and_filter(world, assurance, client):
    client.force_login(assurance)
    late = testing.NOW + timedelta(days=40)
    with clock.frozen(late):
        html = client.get(reverse("oversight:complaints"), {"status": "overdue"}).content.decode()
        assert "Overdue" in html and world["complaint"].reference in html
        register = client.get(
            reverse("oversight:risk-register", args=[world["register"].pk])
        ).content.decode()
    assert "EMS misses service levels" in register and "Re-installations late" in register
    html = client.get(reverse("oversight:complaints"), {"status": "responded"}).content.decode()
    assert "No complaints match" in html


def test_the_themes_page_counts_by_theme_and_month(world, analyst, client):
    client.force_login(analyst)
    with clock.frozen(testing.NOW):
        html = client.get(reverse("oversight:complaint-themes")).content.decode()
    assert "Electronic monitoring equipment or supplier" in html
    assert "Nov 2026" in html and "No responses" in html
    # Each table has its chart, described in words for those who cannot see it.
    assert 'id="chart-complaint-themes-title"' in html
    assert 'id="chart-complaint-months-title"' in html
    assert (
        "Of 1 complaint, the most (1) were about Electronic monitoring equipment or supplier; "
        "a complaint with two themes counts under each." in html
    )
    assert "0 of the 1 were answered within 20 working days." in html


def test_the_themes_page_without_complaints_says_so_and_draws_no_chart(analyst, client):
    client.force_login(analyst)
    html = client.get(reverse("oversight:complaint-themes")).content.decode()
    assert "No complaints were received in this period." in html
    assert "chart-complaint-themes" not in html


def test_lessons_are_found_by_search_with_the_words_marked(world, client, team):
    reader = testing.user_make("case_owner", team)
    client.force_login(reader)
    html = client.get(reverse("oversight:lessons"), {"q": "charg"}).content.decode()
    assert "1 lesson found" in html and "Weigh the explanation" in html
    html = client.get(reverse("oversight:lessons"), {"q": "explanation"}).content.decode()
    assert "<mark>explanation</mark>" in html
    html = client.get(reverse("oversight:lessons"), {"q": "zebra"}).content.decode()
    assert "No lesson matches every word" in html


# --- exports ------------------------------------------------------------------------------------


def _download(response):
    import csv
    import io

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_a_register_exports_its_risks_and_supplier_issues(world, assurance, client):
    client.force_login(assurance)
    page = client.get(reverse("oversight:risk-register", args=[world["register"].pk]))
    url = reverse("oversight:risk-register-export", args=[world["register"].pk])
    assert url in page.content.decode()
    rows = _download(client.get(url))
    assert rows[0][:4] == ["Record", "Register", "Number", "Title"]
    risk = next(r for r in rows if r[0] == "Risk")
    assert risk[3] == "EMS misses service levels" and risk[10] == "16" and risk[11] == "High"
    issue = next(r for r in rows if r[0] == "Supplier issue")
    assert issue[3] == "Re-installations late" and issue[6] == "79.1% against 95%"
    entry = AuditEvent.objects.get(verb="oversight.risk_register_exported")
    assert entry.action == AuditAction.DISCLOSURE and entry.payload["rows"] == 2
    assert entry.payload["people"] is None
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')


def test_the_complaints_export_follows_the_filters_and_names_the_people(world, assurance, client):
    client.force_login(assurance)
    page = client.get(reverse("oversight:complaints"), {"theme": "em_equipment"}).content.decode()
    assert reverse("oversight:complaints-export") + "?theme=em_equipment" in page
    rows = _download(client.get(reverse("oversight:complaints-export"), {"theme": "em_equipment"}))
    assert len(rows) == 2 and rows[1][0] == world["complaint"].reference
    assert rows[1][6] == world["person"].reference and rows[1][11] == "The tag stopped charging"
    entry = AuditEvent.objects.get(verb="oversight.complaints_exported")
    assert entry.payload["people"] == [world["person"].pk]
    assert entry.payload["query"] == {"theme": "em_equipment"}
    # Another theme: no complaint, no person disclosed.
    rows = _download(client.get(reverse("oversight:complaints-export"), {"theme": "delay"}))
    assert len(rows) == 1
    assert (
        AuditEvent.objects.filter(verb="oversight.complaints_exported").last().payload["people"]
        == []
    )


def test_the_themes_export_gives_each_theme_by_month_and_in_all(world, client):
    analyst = testing.user_make("performance_analyst")
    client.force_login(analyst)
    rows = _download(client.get(reverse("oversight:complaint-themes-export")))
    assert rows[0] == ["Theme", "Month", "Complaints received", "Responded", "Responded on time"]
    totals = {r[0]: r[2] for r in rows if r[1] == "All months"}
    assert sum(int(n) for n in totals.values()) == 1
    month = TODAY.strftime("%Y-%m")
    assert any(r[1] == month and r[2] == "1" for r in rows)
    assert (
        AuditEvent.objects.get(verb="oversight.complaint_themes_exported").payload["people"] is None
    )


# --- editing a risk -----------------------------------------------------------------------------


def _edit_post(risk, **kw):
    data = {
        "title": risk.title,
        "cause": risk.cause,
        "effect": risk.effect,
        "owner": str(risk.owner_id),
        "controls": risk.controls,
        "mitigating_actions": risk.mitigating_actions,
        "target_likelihood": str(risk.target_likelihood),
        "target_impact": str(risk.target_impact),
        "reason": "The contract's new service credit regime",
    }
    data.update(kw)
    return data


def test_a_risk_is_changed_and_the_change_kept_with_who_and_why(world, assurance, client):
    from waymark.oversight.models import RiskEdit

    risk = world["risk"]
    client.force_login(assurance)
    url = reverse("oversight:risk-edit", args=[risk.pk])
    assert url in client.get(reverse("oversight:risk", args=[risk.pk])).content.decode()
    form = client.get(url).content.decode()
    assert 'value="EMS misses service levels"' in form  # prefilled
    response = client.post(
        url,
        _edit_post(
            risk,
            controls="Monthly service review with EMS",
            owner=str(world["delivery"].pk),
        ),
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.controls == "Monthly service review with EMS"
    assert risk.owner == world["delivery"] and risk.rating == 16  # the rating is untouched
    edit = RiskEdit.objects.get(risk=risk)
    assert set(edit.changes) == {"controls", "owner"} and edit.changed_by == assurance
    assert edit.changes["owner"]["new"]["id"] == world["delivery"].pk
    audit = AuditEvent.objects.get(verb="oversight.risk_edited")
    assert audit.action == AuditAction.ALTERATION and audit.payload["changes"] == edit.changes
    page = client.get(reverse("oversight:risk", args=[risk.pk])).content.decode()
    assert "The contract&#39;s new service credit regime" in page
    assert "Monthly service review with EMS" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "Enter why the risk is changed"),
        ({"title": ""}, "Enter"),
        ({"target_likelihood": "5", "target_impact": "5"}, "must not be higher than the current"),
        ({"target_impact": "9"}, "1"),
        ({}, "Nothing was changed"),
    ],
)
def test_a_bad_risk_change_shows_the_error_summary_and_saves_nothing(
    world, assurance, client, fields, message
):
    from waymark.oversight.models import RiskEdit

    risk = world["risk"]
    client.force_login(assurance)
    response = client.post(
        reverse("oversight:risk-edit", args=[risk.pk]), _edit_post(risk, **fields)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text
    assert not RiskEdit.objects.exists()
    assert not AuditEvent.objects.filter(verb="oversight.risk_edited").exists()
    fresh = Risk.objects.get(pk=risk.pk)
    assert (fresh.title, fresh.target_likelihood, fresh.target_impact) == (
        "EMS misses service levels",
        2,
        2,
    )


def test_a_closed_risk_cannot_be_changed_and_readers_cannot_change_risks(world, assurance):
    from django.core.exceptions import PermissionDenied, ValidationError

    risk = world["risk"]
    analyst = testing.user_make("performance_analyst")
    values = {k: v for k, v in _edit_post(risk, controls="More").items() if k != "owner"}
    with pytest.raises(PermissionDenied):
        services.risk_edit(actor=analyst, risk=risk, owner=risk.owner, **values)
    services.risk_close(actor=assurance, risk=risk, reason="Contract ended")
    with pytest.raises(ValidationError) as caught:
        services.risk_edit(actor=assurance, risk=risk, owner=risk.owner, **values)
    assert "reopen it first" in str(caught.value)
