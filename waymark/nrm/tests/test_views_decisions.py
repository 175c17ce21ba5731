"""The decision pages: each renders, refuses bad input with the GOV.UK error summary (nothing
saved), and a referral the user may not see is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.core.models import AuditEvent
from waymark.nrm import models as m
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import draft, referral_make, served

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]

SUMMARY = "govuk-error-summary"


@pytest.fixture
def referral(person, form_version, authority_team, first_responder):
    return referral_make(
        person=person, form_version=form_version, team=authority_team, referrer=first_responder
    )


def _as(client, user):
    client.force_login(user)
    return client


def test_draft_page_refuses_empty_text_then_drafts(client, referral, decision_maker):
    c = _as(client, decision_maker)
    url = reverse("nrm:decision-new", args=[referral.pk, "rg"])
    assert c.get(url).status_code == 200
    bad = c.post(url, {"outcome": "positive", "evidence_considered": "", "rationale": ""})
    assert bad.status_code == 400
    assert SUMMARY in bad.content.decode() and "Enter the rationale" in bad.content.decode()
    assert not m.Decision.objects.exists()
    ok = c.post(
        url,
        {"outcome": "positive", "evidence_considered": "Records", "rationale": "Consistent"},
    )
    decision = m.Decision.objects.get()
    assert ok.status_code == 302 and ok.url == reverse("nrm:decision", args=[decision.pk])


def test_cg_before_recovery_ends_shows_the_date(client, referral, decision_maker):
    served(referral, decision_maker)
    response = _as(client, decision_maker).post(
        reverse("nrm:decision-new", args=[referral.pk, "cg"]),
        {"outcome": "negative", "evidence_considered": "x", "rationale": "y"},
    )
    assert response.status_code == 400
    assert "it may be made from" in response.content.decode()


def test_decision_page_audits_and_sign_off_refusal_shows(client, referral, decision_maker):
    decision = draft(referral, decision_maker, level=2)
    c = _as(client, decision_maker)
    page = c.get(reverse("nrm:decision", args=[decision.pk]))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(verb="nrm.decision_viewed").exists()
    refused = c.post(reverse("nrm:decision", args=[decision.pk]), {"action": "sign_off"})
    assert refused.status_code == 400 and SUMMARY in refused.content.decode()
    decision.refresh_from_db()
    assert decision.status == m.DecisionStatus.DRAFT


def test_check_page_and_serve_with_letter(client, referral, decision_maker, specialist):
    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    check = decision.checks.get()
    c = _as(client, specialist)
    url = reverse("nrm:check", args=[check.pk])
    assert c.get(url).status_code == 200
    bad = c.post(url, {"agree": "no", "reasons": ""})
    assert bad.status_code == 400 and SUMMARY in bad.content.decode()
    assert c.post(url, {"agree": "yes", "reasons": ""}).status_code == 302
    c = _as(client, decision_maker)
    serve = reverse("nrm:decision-serve", args=[decision.pk])
    assert c.get(serve).status_code == 200
    assert c.post(serve, {"method": "post", "with_letter": "on"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == m.DecisionStatus.SERVED and decision.letter_document_id


def test_serve_page_refuses_an_unchecked_negative(client, referral, decision_maker):
    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    response = _as(client, decision_maker).post(
        reverse("nrm:decision-serve", args=[decision.pk]), {"method": "post"}
    )
    assert response.status_code == 400 and "technical specialist" in response.content.decode()


def test_outsider_gets_404(client, referral, decision_maker, outsider, other_responder):
    decision = draft(referral, decision_maker)
    for user in (outsider, other_responder):
        response = _as(client, user).get(reverse("nrm:reconsideration-new", args=[decision.pk]))
        assert response.status_code == 404


def test_urgent_service_page(client, referral, decision_maker, nrm_manager):
    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    c = _as(client, nrm_manager)
    url = reverse("nrm:urgent-service", args=[decision.pk])
    assert c.post(url, {"reason": ""}).status_code == 400
    assert c.post(url, {"reason": "Removal tomorrow"}).status_code == 302


def test_safeguarding_and_duty_line_pages(client, referral, decision_maker, safeguarding_adviser):
    decision = draft(referral, decision_maker, level=3)
    advice = decision.safeguarding_advice.get()
    c = _as(client, safeguarding_adviser)
    assert referral.reference in c.get(reverse("nrm:safeguarding-queue")).content.decode()
    url = reverse("nrm:safeguarding-advice", args=[advice.pk])
    bad = c.post(url, {"advice_text": "High risk"})
    assert bad.status_code == 400 and "formal advice" in bad.content.decode()
    assert c.post(url, {"advice_text": "High", "service_advice": "In person"}).status_code == 302
    assert c.post(reverse("nrm:duty-line"), {"caller": ""}).status_code == 400
    logged = c.post(reverse("nrm:duty-line"), {"caller": "Police", "summary": "Missing"})
    call = m.DutyLineCall.objects.get()
    assert logged.url == reverse("nrm:duty-call", args=[call.pk])
    c.post(logged.url, {"step": "debrief", "text": "Done"})
    call.refresh_from_db()
    assert call.status == m.DutyCallStatus.CLOSED


def test_disqualification_pages(client, referral, decision_maker):
    c = _as(client, decision_maker)
    url = reverse("nrm:disqualification-new", args=[referral.pk])
    refused = c.post(url, {"grounds": "Offence", "consequences_stated": "No support"})
    assert refused.status_code == 400 and "positive reasonable grounds" in refused.content.decode()
    served(referral, decision_maker)
    made = c.post(url, {"grounds": "Offence", "consequences_stated": "No support"})
    item = m.Disqualification.objects.get()
    assert made.url == reverse("nrm:disqualification", args=[item.pk])
    assert c.get(made.url).status_code == 200
    c.post(made.url, {"step": "assess", "risk": "low", "assessment": "Low"})
    early = c.post(made.url, {"step": "decide", "disqualified": "yes", "reasons": "x"})
    assert early.status_code == 400 and "to respond" in early.content.decode()


def test_reconsideration_pages(
    client, referral, decision_maker, second_decision_maker, specialist, first_responder
):
    decision = served(referral, decision_maker, specialist, outcome="negative")
    c = _as(client, first_responder)
    url = reverse("nrm:reconsideration-new", args=[decision.pk])
    assert c.post(url, {"requester_type": "first_responder"}).status_code == 400
    c.post(
        url,
        {"requester_type": "first_responder", "requester_name": "DET", "grounds": "New"},
    )
    item = m.Reconsideration.objects.get()
    own = _as(client, decision_maker).post(
        reverse("nrm:reconsideration", args=[item.pk]), {"upheld": "yes", "reasons": "x"}
    )
    assert own.status_code == 400 and "original decision maker" in own.content.decode()
    _as(client, second_decision_maker).post(
        reverse("nrm:reconsideration", args=[item.pk]), {"upheld": "no", "reasons": "New"}
    )
    item.refresh_from_db()
    assert item.upheld is False and item.new_decision_id


def test_superseded_and_letter_pages(client, referral, decision_maker, specialist):
    decision = served(referral, decision_maker, specialist, outcome="negative")
    decision.guidance.superseded_on = decision.served_at.date()
    decision.guidance.save()
    c = _as(client, decision_maker)
    assert referral.reference in c.get(reverse("nrm:superseded")).content.decode()
    c.post(reverse("nrm:superseded"), {"decision": decision.pk})
    assert m.Reconsideration.objects.get().offered_for_guidance
    assert c.get(reverse("nrm:letter", args=[decision.pk])).status_code == 200
    assert c.post(reverse("nrm:letter", args=[decision.pk])).status_code == 302


def test_api_lists_a_referrals_decisions_to_those_who_may_see_it(
    referral, decision_maker, first_responder, other_responder, outsider
):
    from rest_framework.test import APIClient

    decision = draft(referral, decision_maker)
    url = reverse("api:nrm-referral-decisions", args=[referral.pk])
    for user in (decision_maker, first_responder):
        api = APIClient()
        api.force_authenticate(user)
        body = api.get(url).json()
        assert [d["id"] for d in body] == [decision.pk]
        assert body[0]["legal_test"] == "reasonable grounds to believe"
        assert body[0]["guidance"] == decision.guidance.code
    for user in (other_responder, outsider):
        api = APIClient()
        api.force_authenticate(user)
        response = api.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")


def test_referral_decisions_partial_lists_decisions_and_the_users_actions(
    rf, referral, decision_maker, specialist
):
    from django.template import engines

    from waymark.nrm import selectors as sel

    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    template = engines["jinja2"].get_template("nrm/_referral_decisions.html")
    request = rf.get("/")
    request.user = specialist
    html = template.render(
        {
            "referral": referral,
            "decisions": sel.decisions_for_referral(referral),
            "decision_actions": sel.decision_actions,
        },
        request,
    )
    assert "Awaiting specialist check" in html
    check = decision.checks.get()
    assert reverse("nrm:check", args=[check.pk]) in html
    request.user = decision_maker
    html = template.render(
        {"referral": referral, "decisions": [], "decision_actions": sel.decision_actions},
        request,
    )
    assert "No decision yet" in html
    assert reverse("nrm:decision-new", args=[referral.pk, "rg"]) in html
