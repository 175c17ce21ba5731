"""A manager allocates a referral (decision maker, case preparer) and case preparation records the
answer to a further-information request: every role against both pages, the error summary on bad
input with nothing changed, the lateness rule, and the audit trail."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from waymark import testing
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.nrm import models as m
from waymark.nrm import services
from waymark.work.models import Task

pytestmark = pytest.mark.django_db

ANSWERS = {"account": "Worked 16 hours a day on a farm", "indicators": "Passport held by boss"}
# Each competent-authority role (and two outside it): may it use the page?
ALLOCATE_ROLES = {
    "nrm_manager": True,
    "nrm_decision_maker": False,
    "technical_specialist": False,
    "nrm_case_preparation": False,
    "nrm_safeguarding_adviser": False,
    "first_responder": False,
    "case_owner": False,
}
ANSWER_ROLES = {
    "nrm_manager": False,
    "nrm_decision_maker": True,
    "technical_specialist": False,
    "nrm_case_preparation": True,
    "nrm_safeguarding_adviser": False,
    "first_responder": False,
    "case_owner": False,
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def referral(frozen, authority_team, form_version, first_responder, person):
    return services.referral_create(
        actor=first_responder,
        person=person,
        referrer_type="detention_engagement_team",
        consent="consented",
        age_group="adult",
        detained=True,
        exploitation_types=["forced_labour"],
        control_methods=["debt_bondage"],
        answers=ANSWERS,
    )


@pytest.fixture
def info_request(referral, case_preparer):
    return services.information_request_send(
        actor=case_preparer, referral=referral, requested_from="Police", questions="PNC record?"
    )


def _role_user(role, authority_team, other_team, n):
    team = other_team if role in ("first_responder", "case_owner") else authority_team
    return testing.user_make(role, team, last_name=f"Role{n}")


@pytest.mark.parametrize(("role", "allowed"), sorted(ALLOCATE_ROLES.items()))
def test_allocate_page_by_role(role, allowed, referral, authority_team, other_team):
    user = _role_user(role, authority_team, other_team, 1)
    url = reverse("nrm:referral-allocate", args=[referral.pk])
    client = signed_in(user)
    assert client.get(url).status_code == (200 if allowed else 403)
    response = client.post(url, {"decision_maker": "", "case_preparer": ""})
    assert response.status_code == (400 if allowed else 403)
    referral.refresh_from_db()
    assert referral.decision_maker_id is None and referral.case_preparer_id is None


def test_allocate_page_404_for_a_referral_that_does_not_exist(nrm_manager):
    url = reverse("nrm:referral-allocate", args=[999_999])
    assert signed_in(nrm_manager).get(url).status_code == 404


def test_a_manager_allocates_and_the_open_tasks_follow(
    referral, nrm_manager, decision_maker, case_preparer, specialist
):
    url = reverse("nrm:referral-allocate", args=[referral.pk])
    client = signed_in(nrm_manager)
    page = client.get(url).content.decode()
    # Only people the service accepts are offered: a case preparer cannot decide.
    assert decision_maker.display_name in page
    bad = client.post(url, {"decision_maker": str(case_preparer.pk), "case_preparer": ""})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    referral.refresh_from_db()
    assert referral.decision_maker_id is None
    assert not AuditEvent.objects.filter(verb="nrm.referral_allocated").exists()

    ok = client.post(
        url, {"decision_maker": str(decision_maker.pk), "case_preparer": str(case_preparer.pk)}
    )
    assert ok.status_code == 302 and ok.url == reverse("nrm:referral", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.decision_maker == decision_maker
    assert referral.case_preparer == case_preparer
    prepare = Task.objects.filter(dedupe_key__startswith=f"nrm:{referral.pk}:prepare:")
    assert prepare.exists() and all(t.assignee_id == case_preparer.pk for t in prepare)
    assert set(referral.preparation_items.values_list("gatherer_id", flat=True)) == {
        case_preparer.pk
    }
    event = AuditEvent.objects.get(verb="nrm.referral_allocated")
    assert event.actor_id == nrm_manager.pk

    # The referral page shows who holds it and offers the manager the page.
    text = client.get(reverse("nrm:referral", args=[referral.pk])).content.decode()
    assert case_preparer.display_name in text and url in text

    # Posting the same people again changes nothing and says so.
    again = client.post(
        url, {"decision_maker": str(decision_maker.pk), "case_preparer": str(case_preparer.pk)}
    )
    assert again.status_code == 400
    assert AuditEvent.objects.filter(verb="nrm.referral_allocated").count() == 1


def test_a_closed_referral_cannot_be_allocated(referral, nrm_manager, decision_maker):
    services.referral_withdraw(actor=nrm_manager, referral=referral, reason="Duplicate")
    url = reverse("nrm:referral-allocate", args=[referral.pk])
    response = signed_in(nrm_manager).post(url, {"decision_maker": str(decision_maker.pk)})
    assert response.status_code == 400 and "withdrawn" in response.content.decode()
    referral.refresh_from_db()
    assert referral.decision_maker_id is None


@pytest.mark.parametrize(("role", "allowed"), sorted(ANSWER_ROLES.items()))
def test_answer_page_by_role(role, allowed, info_request, authority_team, other_team):
    user = _role_user(role, authority_team, other_team, 2)
    url = reverse("nrm:information-answer", args=[info_request.pk])
    client = signed_in(user)
    assert client.get(url).status_code == (200 if allowed else 403)
    response = client.post(url, {"answer": "", "late_reason": ""})
    assert response.status_code == (400 if allowed else 403)
    info_request.refresh_from_db()
    assert info_request.status == m.InformationRequestStatus.OPEN


def test_answer_page_404_for_a_request_that_does_not_exist(case_preparer):
    url = reverse("nrm:information-answer", args=[999_999])
    assert signed_in(case_preparer).get(url).status_code == 404


def test_an_answer_in_time_is_recorded_and_audited(referral, info_request, case_preparer):
    url = reverse("nrm:information-answer", args=[info_request.pk])
    client = signed_in(case_preparer)
    page = client.get(url)
    assert "late" not in page.content.decode().split("Asked:")[1].split("</p>")[0]
    assert AuditEvent.objects.filter(
        verb="nrm.referral_viewed", target_id=str(referral.pk)
    ).exists()
    bad = client.post(url, {"answer": "   "})
    assert bad.status_code == 400 and "Enter the answer received" in bad.content.decode()
    ok = client.post(url, {"answer": "No trace on PNC"})
    assert ok.status_code == 302
    info_request.refresh_from_db()
    assert info_request.status == m.InformationRequestStatus.ANSWERED
    assert info_request.answer == "No trace on PNC"
    assert not info_request.late_without_good_reason
    event = AuditEvent.objects.get(verb="nrm.information_answered")
    assert event.actor_id == case_preparer.pk and event.payload["late"] is False
    # Answered once: the page refuses a second answer with nothing changed.
    again = client.post(url, {"answer": "Something else"})
    assert again.status_code == 400 and "already answered" in again.content.decode()
    info_request.refresh_from_db()
    assert info_request.answer == "No trace on PNC"


def _day_after_due(info_request):
    return clock.frozen(datetime.combine(info_request.due_on + timedelta(days=1), time(10)))


def test_on_the_due_date_an_answer_is_not_late(info_request, case_preparer):
    url = reverse("nrm:information-answer", args=[info_request.pk])
    with clock.frozen(datetime.combine(info_request.due_on, time(16))):
        assert signed_in(case_preparer).post(url, {"answer": "PNC: nothing"}).status_code == 302
    info_request.refresh_from_db()
    assert not info_request.late_without_good_reason


def test_a_late_answer_without_a_reason_is_late_without_good_reason(info_request, case_preparer):
    url = reverse("nrm:information-answer", args=[info_request.pk])
    client = signed_in(case_preparer)
    with _day_after_due(info_request):
        assert "this answer is late" in client.get(url).content.decode()
        assert client.post(url, {"answer": "PNC: one caution"}).status_code == 302
    info_request.refresh_from_db()
    assert info_request.late_without_good_reason
    text = client.get(reverse("nrm:referral", args=[info_request.referral_id])).content.decode()
    assert "late without good reason" in text


def test_a_late_answer_with_a_reason_is_not_without_good_reason(info_request, case_preparer):
    url = reverse("nrm:information-answer", args=[info_request.pk])
    with _day_after_due(info_request):
        response = signed_in(case_preparer).post(
            url, {"answer": "PNC: one caution", "late_reason": "The force's system was down"}
        )
    assert response.status_code == 302
    info_request.refresh_from_db()
    assert not info_request.late_without_good_reason
    assert "The force's system was down" in info_request.answer


def test_a_first_responder_never_sees_the_answer_page_of_their_own_referral(
    info_request, first_responder
):
    url = reverse("nrm:information-answer", args=[info_request.pk])
    assert signed_in(first_responder).get(url).status_code == 403
