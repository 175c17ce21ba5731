"""Referral pages: the form (rendered from the form version, bad input shown in the error summary
with nothing saved), the referral page (404 for an outsider, a first responder only their own,
every view audited), preparation, further information, quality, trends, my referrals, the duty to
notify and the person tab."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from waymark.core.models import AuditEvent
from waymark.nrm import models as m
from waymark.nrm import services

pytestmark = pytest.mark.django_db

ANSWERS = {"account": "Worked 16 hours a day on a farm", "indicators": "Passport held by boss"}


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


def _post_form(person, **over):
    data = {
        "referrer_type": "detention_engagement_team",
        "consent": "consented",
        "age_group": "adult",
        "priority_cohort": "none",
        "exploitation_types": ["forced_labour"],
        "control_methods": ["threats"],
        "q_account": "Made to work without pay",
        "q_indicators": "Fearful, no documents",
    }
    data.update(over)
    return data


def test_the_form_renders_the_versions_questions_and_refers_from_a_person(
    frozen, authority_team, form_version, first_responder, person
):
    person.owning_team = first_responder.primary_team
    person.save()
    client = signed_in(first_responder)
    url = reverse("nrm:referral-new") + f"?person={person.pk}"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for q in form_version.questions:
        assert q["label"] in text
    assert "Debt bondage" in text and "Forced labour" in text
    response = client.post(url, _post_form(person))
    referral = m.Referral.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "nrm:referral", args=[referral.pk]
    )
    assert referral.person == person and referral.source == "person_page"


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"age_group": "child", "consent": "child"}, "local authority"),
        ({"consent": "not_consented"}, "duty to notify"),
        ({"q_indicators": ""}, "Indicators"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    frozen, authority_team, form_version, first_responder, person, over, words
):
    person.owning_team = first_responder.primary_team
    person.save()
    client = signed_in(first_responder)
    url = reverse("nrm:referral-new") + f"?person={person.pk}"
    response = client.post(url, _post_form(person, **over))
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text and words in text
    assert not m.Referral.objects.exists()


def test_a_standalone_referral_lists_candidates_to_confirm(
    frozen, authority_team, form_version, first_responder, person
):
    person.owning_team = first_responder.primary_team
    person.save()
    client = signed_in(first_responder)
    details = {
        "given_names": "Amira",
        "family_name": "Haddad",
        "date_of_birth_0": "2",
        "date_of_birth_1": "3",
        "date_of_birth_2": "1994",
        "nationality": "SYR",
    }
    response = client.post(reverse("nrm:referral-new"), _post_form(person, **details))
    assert response.status_code == 400
    assert person.reference in response.content.decode()
    assert not m.Referral.objects.exists()
    response = client.post(
        reverse("nrm:referral-new"),
        _post_form(person, **details, confirm_person_id=str(person.pk)),
    )
    assert response.status_code == 302
    assert m.Referral.objects.get().person == person


def test_who_sees_a_referral(
    referral,
    first_responder,
    other_responder,
    outsider,
    decision_maker,
    specialist,
    case_preparer,
    safeguarding_adviser,
    nrm_manager,
):
    url = reverse("nrm:referral", args=[referral.pk])
    for user in (
        first_responder,
        decision_maker,
        specialist,
        case_preparer,
        safeguarding_adviser,
        nrm_manager,
    ):
        response = signed_in(user).get(url)
        assert response.status_code == 200, user
        assert ANSWERS["account"] in response.content.decode()
    for user in (other_responder, outsider):
        assert signed_in(user).get(url).status_code == 404
    assert (
        AuditEvent.objects.filter(verb="nrm.referral_viewed", target_id=str(referral.pk)).count()
        == 6
    )


def test_my_referrals_lists_only_my_own(referral, first_responder, other_responder):
    assert (
        referral.reference
        in signed_in(first_responder).get(reverse("nrm:my-referrals")).content.decode()
    )
    assert (
        referral.reference
        not in signed_in(other_responder).get(reverse("nrm:my-referrals")).content.decode()
    )


def test_preparation_page_records_a_source(referral, case_preparer, first_responder):
    url = reverse("nrm:preparation", args=[referral.pk])
    assert signed_in(first_responder).get(url).status_code == 403
    client = signed_in(case_preparer)
    assert client.get(url).status_code == 200
    item = referral.preparation_items.first()
    bad = client.post(url, {"item": item.pk, "status": "gathered", "summary": ""})
    assert bad.status_code == 400 and "Summarise" in bad.content.decode()
    ok = client.post(url, {"item": item.pk, "status": "gathered", "summary": "Two visas"})
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.status == "gathered"


def test_information_request_page(referral, case_preparer):
    url = reverse("nrm:information-request-new", args=[referral.pk])
    client = signed_in(case_preparer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"requested_from": "", "questions": ""}).status_code == 400
    assert (
        client.post(
            url, {"requested_from": "Police", "questions": "PNC?", "is_s58_notice": "on"}
        ).status_code
        == 302
    )
    assert m.InformationRequest.objects.get().is_s58_notice


def test_quality_assessment_and_trends(referral, specialist, first_responder, nrm_manager):
    url = reverse("nrm:quality", args=[referral.pk])
    assert signed_in(first_responder).get(url).status_code == 403
    client = signed_in(specialist)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "met": ["account_detailed", "indicators_linked", "exploitation_coded"],
            "feedback": "Add the dates",
            "point_of_contact": str(first_responder.pk),
            "send": "on",
        },
    )
    assert response.status_code == 302
    assessment = m.QualityAssessment.objects.get()
    assert assessment.score == 0.5 and assessment.feedback_sent_at is not None
    from waymark.core.models import Notification

    assert Notification.objects.filter(user=first_responder).exists()
    services.first_responder_training_record(
        actor=nrm_manager,
        user=first_responder,
        course="NRM first responder",
        completed_on=date(2026, 1, 5),
    )
    trends = signed_in(nrm_manager).get(reverse("nrm:quality-trends"))
    text = trends.content.decode()
    assert (
        "Detention engagement team Heathrow" in text and "50%" in text and "5 January 2026" in text
    )
    assert signed_in(first_responder).get(reverse("nrm:quality-trends")).status_code == 403


def test_duty_to_notify_page(frozen, authority_team, first_responder):
    url = reverse("nrm:duty-to-notify-new")
    client = signed_in(first_responder)
    assert client.get(url).status_code == 200
    assert client.post(url, {"referrer_type": "police"}).status_code == 400
    response = client.post(
        url,
        {
            "referrer_type": "detention_engagement_team",
            "exploitation_types": ["forced_labour"],
            "control_methods": ["threats"],
            "summary": "Worked on a farm",
        },
    )
    assert response.status_code == 302
    assert m.DutyToNotify.objects.count() == 1


def test_withdraw_page(referral, first_responder):
    url = reverse("nrm:referral-withdraw", args=[referral.pk])
    client = signed_in(first_responder)
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Sent in error"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn"


def test_person_tab_shows_only_referrals_the_user_may_see(
    referral, person, decision_maker, first_responder
):
    url = reverse("nrm:person-referrals", args=[person.pk])
    response = signed_in(decision_maker).get(url)
    assert response.status_code == 200 and referral.reference in response.content.decode()
    detail = signed_in(decision_maker).get(reverse("people:detail", args=[person.pk]))
    assert url in detail.content.decode()
