"""Referrals: receiving one (form answers, HTCDS codes, child and consent routes, person matching,
idempotency), the duty to notify, withdrawal, allocation and form versions. Every refusal saves
nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.models import AuditEvent
from waymark.nrm import models as m
from waymark.nrm import rules, services
from waymark.people.models import Person, TimelineEvent
from waymark.testing import NOW
from waymark.work.models import Task

pytestmark = pytest.mark.django_db

ANSWERS = {"account": "Worked 16 hours a day on a farm", "indicators": "Passport held by boss"}


def refer(actor, person=None, **over):
    fields = {
        "actor": actor,
        "person": person,
        "referrer_type": "detention_engagement_team",
        "consent": "consented",
        "age_group": "adult",
        "detained": True,
        "exploitation_types": ["forced_labour"],
        "control_methods": ["debt_bondage", "document_withholding"],
        "answers": dict(ANSWERS),
    }
    fields.update(over)
    return services.referral_create(**fields)


@pytest.fixture
def ready(frozen, authority_team, form_version, first_responder):
    return first_responder


def test_a_referral_is_received_with_reference_due_date_timeline_audit_and_preparation(
    ready, person
):
    referral = refer(ready, person)
    assert referral.reference == f"NRM-{NOW.year}-000001"
    assert refer(ready, person).reference == f"NRM-{NOW.year}-000002"
    assert referral.form_version.version == 1
    assert referral.answers == ANSWERS
    assert referral.rg_due_on == rules.rg_due_on(NOW.date())
    assert referral.referrer == ready
    assert referral.referring_team.slug == "detention-engagement"
    assert referral.nationality == "SYR"
    assert referral.status == m.ReferralStatus.PREPARATION
    assert AuditEvent.objects.filter(verb="nrm.referral_received", target_id=referral.pk).exists()
    assert TimelineEvent.objects.filter(
        person=person, module="nrm", event_type="nrm.referral_received"
    ).exists()
    assert referral.preparation_items.count() == len(rules.PREPARATION_SOURCES)
    assert Task.objects.filter(task_type="nrm.prepare", person=person).count() == 2 * len(
        rules.PREPARATION_SOURCES
    )


def test_the_same_source_key_makes_one_referral(ready, person):
    first = refer(ready, person, source="api", source_key="pit-1")
    again = refer(ready, person, source="api", source_key="pit-1")
    assert again.pk == first.pk
    assert m.Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"age_group": "child", "consent": "child"}, "local_authority", "local authority"),
        ({"consent": "not_consented"}, "consent", "duty to notify"),
        ({"answers": {"account": "x"}}, "indicators", "Indicators"),
        ({"exploitation_types": ["made_up"]}, "exploitation_types", "Unknown"),
        ({"control_methods": []}, "control_methods", "Select at least one"),
        ({"answers": {**ANSWERS, "shoe_size": "9"}}, "answers", "shoe_size"),
        ({"referrer_type": "astronaut"}, "referrer_type", "first responder"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_saved(ready, person, over, field, words):
    with pytest.raises(ValidationError) as caught:
        refer(ready, person, **over)
    assert words in " ".join(caught.value.message_dict[field])
    assert not m.Referral.objects.exists()
    assert not m.PreparationItem.objects.exists()
    assert not AuditEvent.objects.filter(verb="nrm.referral_received").exists()


def test_a_child_with_local_authority_is_referred(ready, person):
    referral = refer(ready, person, age_group="child", consent="child", local_authority="Hounslow")
    assert referral.local_authority == "Hounslow"


def test_a_role_without_refer_permission_is_refused(frozen, authority_team, form_version, person):
    from waymark import testing

    analyst = testing.user_make("performance_analyst", authority_team)
    with pytest.raises(PermissionDenied):
        refer(analyst, person)
    assert not m.Referral.objects.exists()


# --- person matching -----------------------------------------------------------------------------

DETAILS = {
    "given_names": "Amira",
    "family_name": "Haddad",
    "date_of_birth": date(1994, 3, 2),
    "nationality": "SYR",
}


def test_a_person_the_referrer_cannot_see_is_never_duplicated(ready, person):
    with pytest.raises(services.PersonMatchRequired) as caught:
        refer(ready, person_details=DETAILS, create_person=True)
    assert "cannot see" in caught.value.message_dict["person"][0]
    assert "Haddad" not in caught.value.message_dict["person"][0]
    assert Person.objects.count() == 1
    assert not m.Referral.objects.exists()


def test_a_matching_person_must_be_confirmed_then_is_used(ready, person, decision_maker):
    person.owning_team = ready.primary_team
    person.save()
    with pytest.raises(services.PersonMatchRequired) as caught:
        refer(ready, person_details=DETAILS, create_person=True)
    assert [c.person_id for c in caught.value.candidates] == [person.pk]
    assert "Haddad" in caught.value.message_dict["person"][0]
    assert not m.Referral.objects.exists()
    assert Person.objects.count() == 1  # never silently duplicated
    referral = refer(ready, person_details=DETAILS, confirm_person_id=person.pk)
    assert referral.person == person
    assert AuditEvent.objects.filter(verb="nrm.person_matched", target_id=referral.pk).exists()


def test_a_new_person_is_made_only_when_asked_and_nobody_matched(ready, decision_maker):
    details = {**DETAILS, "given_names": "Tomasz", "family_name": "Zielinski"}
    with pytest.raises(services.PersonMatchRequired) as caught:
        refer(ready, person_details=details)
    assert "new record" in caught.value.message_dict["person"][0]
    assert not Person.objects.exists()
    referral = refer(ready, person_details=details, create_person=True)
    assert referral.person.family_name == "Zielinski"
    assert Person.objects.count() == 1


def test_a_confirmed_person_who_does_not_match_is_refused(ready, person, decision_maker):
    with pytest.raises(ValidationError):
        refer(
            ready,
            person_details={**DETAILS, "given_names": "Tomasz", "family_name": "Zielinski"},
            confirm_person_id=person.pk,
        )
    assert not m.Referral.objects.exists()


def test_the_linkage_match_is_published_for_the_referral():
    from waymark.core.published import published

    assert published("linkage.person_match") is not None


# --- duty to notify ------------------------------------------------------------------------------


def test_duty_to_notify_holds_no_identifying_details(ready):
    record = services.duty_to_notify_record(
        actor=ready,
        referrer_type="detention_engagement_team",
        nationality="alb",
        exploitation_types=["criminal_exploitation"],
        control_methods=["threats"],
        summary="Worked in a cannabis grow",
    )
    assert record.nationality == "ALB"
    assert AuditEvent.objects.filter(verb="nrm.duty_to_notify_recorded").exists()
    with pytest.raises(ValidationError) as caught:
        services.duty_to_notify_record(
            actor=ready,
            referrer_type="detention_engagement_team",
            exploitation_types=["forced_labour"],
            control_methods=["threats"],
            given_names="Amira",
            date_of_birth=date(1994, 3, 2),
        )
    assert "date_of_birth, given_names" in caught.value.messages[0]
    assert m.DutyToNotify.objects.count() == 1


# --- withdraw, allocate, form versions -----------------------------------------------------------


def test_the_referrer_withdraws_and_open_tasks_close(ready, person, other_responder):
    referral = refer(ready, person)
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(actor=other_responder, referral=referral, reason="x")
    with pytest.raises(ValidationError):
        services.referral_withdraw(actor=ready, referral=referral, reason=" ")
    referral = services.referral_withdraw(actor=ready, referral=referral, reason="Sent in error")
    assert referral.status == m.ReferralStatus.WITHDRAWN
    assert not Task.objects.filter(task_type="nrm.prepare", status__in=["new", "in_progress"])
    with pytest.raises(ValidationError):
        services.referral_withdraw(actor=ready, referral=referral, reason="again")


def test_a_manager_allocates_and_the_preparation_tasks_follow(
    ready, person, nrm_manager, decision_maker, case_preparer, first_responder
):
    referral = refer(ready, person)
    with pytest.raises(PermissionDenied):
        services.referral_allocate(actor=ready, referral=referral, decision_maker=decision_maker)
    with pytest.raises(ValidationError) as caught:
        services.referral_allocate(actor=nrm_manager, referral=referral, case_preparer=ready)
    assert "cannot prepare" in caught.value.message_dict["case_preparer"][0]
    referral = services.referral_allocate(
        actor=nrm_manager,
        referral=referral,
        decision_maker=decision_maker,
        case_preparer=case_preparer,
    )
    assert referral.decision_maker == decision_maker
    assert set(referral.preparation_items.values_list("gatherer", flat=True)) == {case_preparer.pk}
    assert set(Task.objects.filter(task_type="nrm.prepare").values_list("assignee", flat=True)) == {
        case_preparer.pk
    }


def test_a_new_form_version_leaves_old_referrals_alone(ready, person, nrm_manager):
    old = refer(ready, person)
    questions = [
        *rules.REFERRAL_FORM_V1,
        {"key": "languages", "label": "Languages", "type": "string", "required": True},
    ]
    with pytest.raises(PermissionDenied):
        services.referral_form_version_publish(
            actor=ready, questions=questions, effective_from=NOW.date(), change_note="Languages"
        )
    with pytest.raises(ValidationError):
        services.referral_form_version_publish(
            actor=nrm_manager, questions=[{"key": "x"}], effective_from=NOW.date(), change_note="x"
        )
    v2 = services.referral_form_version_publish(
        actor=nrm_manager, questions=questions, effective_from=NOW.date(), change_note="Languages"
    )
    assert v2.version == 2
    with pytest.raises(ValidationError) as caught:
        refer(ready, person)
    assert "languages" in caught.value.message_dict
    new = refer(ready, person, answers={**ANSWERS, "languages": "Arabic"})
    old.refresh_from_db()
    assert (old.form_version.version, new.form_version.version) == (1, 2)
    assert "languages" not in old.answers
