"""Adding a person (with the duplicate check) and changing their details, through the pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from waymark.core.models import AuditAction, AuditEvent
from waymark.people.models import Person
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user

pytestmark = pytest.mark.django_db

NEW = {
    "given_names": "Tomasz",
    "family_name": "Nowak",
    "date_of_birth_0": "3",
    "date_of_birth_1": "7",
    "date_of_birth_2": "1988",
    "sex": "male",
    "nationality": "POL",
    "reference_type": "",
    "reference_value": "",
    "owning_team": "",
}


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


def test_add_a_person_with_no_likely_match_creates_the_record(signed_in, team):
    response = signed_in.post(reverse("people:create"), {**NEW, "owning_team": str(team.pk)})
    person = Person.objects.get(family_name="Nowak")
    assert response.status_code == 302 and response["Location"] == reverse(
        "people:detail", args=[person.pk]
    )
    assert person.date_of_birth == date(1988, 7, 3) and person.owning_team == team
    assert [n.country for n in person.nationalities.all()] == ["POL"]
    assert AuditEvent.objects.filter(
        verb="person.created", action=AuditAction.COLLECTION, target_id=str(person.pk)
    ).exists()


def test_ownership_unclear_is_an_explicit_choice(signed_in):
    signed_in.post(reverse("people:create"), NEW)
    assert Person.objects.get(family_name="Nowak").ownership_state == "unclear"


def test_invalid_input_shows_the_error_summary_and_saves_nothing(signed_in):
    response = signed_in.post(
        reverse("people:create"),
        {**NEW, "family_name": "", "date_of_birth_0": "31", "date_of_birth_1": "2"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Enter the family name" in body
    assert "Date of birth must be a real date" in body
    assert not Person.objects.filter(given_names="Tomasz").exists()


def test_a_likely_duplicate_is_shown_and_nothing_saved_until_confirmed(signed_in, team):
    existing = make_person(
        given_names="Tomasz", family_name="Nowak", date_of_birth=date(1988, 7, 3), owning_team=team
    )
    response = signed_in.post(reverse("people:create"), {**NEW, "family_name": "Nowack"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Check this person is not already recorded" in body and existing.reference in body
    assert Person.objects.count() == 1
    # the confirmation form carries everything entered, so confirming needs no retyping
    for carried in (
        'name="family_name" value="Nowack"',
        'name="date_of_birth_0" value="3"',
        'name="sex" value="male"',
        'name="nationality" value="POL"',
        'name="no_match_confirmed" value="True"',
    ):
        assert carried in body, carried
    confirmed = signed_in.post(
        reverse("people:create"), {**NEW, "family_name": "Nowack", "no_match_confirmed": "True"}
    )
    assert confirmed.status_code == 302
    assert Person.objects.count() == 2


def test_a_reference_held_by_someone_else_is_refused(signed_in, team):
    make_person(
        given_names="Other",
        family_name="Person",
        owning_team=team,
        references=[("home_office", "H7654321")],
    )
    response = signed_in.post(
        reverse("people:create"),
        {
            **NEW,
            "reference_type": "home_office",
            "reference_value": "H7654321",
            "no_match_confirmed": "True",
        },
    )
    assert response.status_code == 400
    assert Person.objects.count() == 1


def test_half_a_reference_is_an_error(signed_in):
    response = signed_in.post(reverse("people:create"), {**NEW, "reference_type": "pnc"})
    assert response.status_code == 400
    assert "Enter both the type of reference and the reference" in response.content.decode()


def test_without_add_person_the_page_is_403(client, team):
    client.force_login(make_user("people.view_person", teams=[team]))
    assert client.get(reverse("people:create")).status_code == 403


def _details(person, **changes):
    data = {
        "given_names": person.given_names,
        "family_name": person.family_name,
        "date_of_birth_0": "17",
        "date_of_birth_1": "5",
        "date_of_birth_2": "1990",
        "sex": "male",
        "main_language": "Arabic",
        "interpreter_needed": "yes",
        "no_fixed_abode": "yes",
        "email": "",
        "reason": "Told us at reporting",
    }
    return {**data, **changes}


def test_changing_details_records_old_new_and_reason(signed_in, team):
    person = make_person(owning_team=team)
    response = signed_in.post(reverse("people:details-change", args=[person.pk]), _details(person))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.no_fixed_abode is True and person.interpreter_needed is True
    event = AuditEvent.objects.get(verb="person.updated", target_id=str(person.pk))
    assert event.action == AuditAction.ALTERATION
    assert (
        event.payload["old"]["no_fixed_abode"] is False
        and event.payload["new"]["no_fixed_abode"] is True
    )
    assert event.payload["reason"] == "Told us at reporting"


def test_a_change_without_a_reason_is_refused(signed_in, team):
    person = make_person(owning_team=team)
    response = signed_in.post(
        reverse("people:details-change", args=[person.pk]), _details(person, reason="")
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.no_fixed_abode is False


def test_someone_elses_person_is_404_on_the_change_page(client):
    other_person = make_person(owning_team=make_team("Elsewhere"))
    client.force_login(make_user(*CASEWORKER_PERMS, teams=[make_team("Mine")]))
    assert client.get(reverse("people:details-change", args=[other_person.pk])).status_code == 404


def test_tasks_tab_lists_only_tasks_in_queues_the_user_may_see(signed_in, team):
    from waymark.work import services as work_services
    from waymark.work.models import Queue

    person = make_person(owning_team=team)
    mine = Queue.objects.create(slug="mine", name="Mine", team=team)
    theirs = Queue.objects.create(slug="theirs", name="Theirs", team=make_team("Theirs"))
    work_services.task_create(
        actor=None, task_type="general.follow_up", title="Visible task", person=person, queue=mine
    )
    work_services.task_create(
        actor=None, task_type="general.follow_up", title="Hidden task", person=person, queue=theirs
    )
    body = signed_in.get(reverse("people:tasks", args=[person.pk])).content.decode()
    assert "Visible task" in body and "Hidden task" not in body


def test_the_form_offers_the_maker_s_own_team_first(signed_in, team):
    page = signed_in.get(reverse("people:create")).content.decode()
    assert f'<option value="{team.pk}" selected>' in page


def test_a_record_with_ownership_unclear_tells_its_maker_where_it_went(signed_in):
    """The maker cannot see a record nobody owns: they land on search with the reason, never on
    "Page not found" after "Success" (which made them add the person again)."""
    response = signed_in.post(reverse("people:create"), NEW, follow=True)
    person = Person.objects.get(family_name="Nowak")
    assert response.redirect_chain[-1][0] == reverse("people:search")
    assert response.status_code == 200
    assert f"recorded as {person.reference}" in response.content.decode()
    assert "ownership queue" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"date_of_birth_2": "1890", "date_of_birth_1": "1", "date_of_birth_0": "1"},
            "date_of_birth",
            "check the year",
        ),
        ({"family_name": "12345"}, "family_name", "Family name must include letters"),
        ({"given_names": "--"}, "given_names", "Given names must include letters"),
    ],
)
def test_implausible_details_are_refused_with_a_clear_message(
    signed_in, team, change, field, message
):
    response = signed_in.post(
        reverse("people:create"), {**NEW, "owning_team": str(team.pk), **change}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body
    assert not Person.objects.exists()


def test_names_in_any_script_and_the_oldest_plausible_date_are_accepted(signed_in, team):
    from waymark.people.services.records import oldest_plausible_birth_date

    oldest = oldest_plausible_birth_date()
    response = signed_in.post(
        reverse("people:create"),
        {
            **NEW,
            "given_names": "Ló",
            "family_name": "Ó Briain-李",
            "owning_team": str(team.pk),
            "date_of_birth_0": str(oldest.day),
            "date_of_birth_1": str(oldest.month),
            "date_of_birth_2": str(oldest.year),
        },
    )
    assert response.status_code == 302
    assert Person.objects.get().date_of_birth == oldest
