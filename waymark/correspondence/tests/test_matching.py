from datetime import date

import pytest

from waymark.correspondence.matching import (
    dates_find,
    names_find,
    person_match_find,
    references_find,
)
from waymark.documents.tests.factories import person_make

pytestmark = pytest.mark.django_db


def test_reference_forms_are_found():
    found = {
        (r.kind, r.value)
        for r in references_find(
            "Our client WM0001234, HO ref: b7654321/002, PNC 12/345678A, prison number A1234BC"
        )
    }
    assert ("waymark_reference", "WM-0001234") in found
    assert ("home_office_reference", "B7654321") in found
    assert ("external_reference", "12/345678A") in found
    assert ("external_reference", "A1234BC") in found


def test_dates_and_names_are_found():
    assert dates_find("born 01/02/1990, or 1st February 1990, seen 3 Mar 2099") == [
        date(1990, 2, 1)
    ]
    names = names_find(
        "Re: Amina Grace OKAFOR", "Client: Mr Tomasz Nowak\n\nYours sincerely,\n\nJo Smith"
    )
    assert [(n.given, n.family) for n in names] == [
        ("Amina", "OKAFOR"),
        ("Tomasz", "Nowak"),
        ("Jo", "Smith"),
    ]


def test_match_by_waymark_reference():
    person = person_make()
    result = person_match_find(subject=f"Query about {person.reference}", body="")
    assert result.person_id == person.pk and result.method == "waymark_reference"


def test_match_by_home_office_reference():
    person = person_make(home_office_reference="B1234567")
    result = person_match_find(
        subject="Representations", body="Home Office reference: B1234567/003"
    )
    assert result.person_id == person.pk and result.method == "home_office_reference"


def test_match_by_name_and_date_of_birth():
    person = person_make(
        given_names="Amina Grace", family_name="Okafor", date_of_birth=date(1990, 2, 1)
    )
    person_make(given_names="Amina", family_name="Okafor", date_of_birth=date(1985, 5, 5))
    result = person_match_find(subject="Re: Amina OKAFOR", body="Date of birth: 1 February 1990")
    assert result.person_id == person.pk and result.method == "name_and_dob"


def test_name_and_date_of_birth_fitting_two_people_is_ambiguous():
    a = person_make(given_names="Amina", family_name="Okafor", date_of_birth=date(1990, 2, 1))
    b = person_make(given_names="Amina", family_name="Okafor", date_of_birth=date(1990, 2, 1))
    result = person_match_find(subject="Re: Amina OKAFOR", body="DOB 01/02/1990")
    assert result.person_id is None and sorted(result.candidate_ids) == sorted([a.pk, b.pk])


def test_references_to_two_people_are_ambiguous():
    a, b = person_make(), person_make()
    result = person_match_find(subject=f"{a.reference} and {b.reference}", body="")
    assert result.person_id is None and "2 different people" in result.detail


def test_name_without_date_of_birth_does_not_match():
    person_make(given_names="Amina", family_name="Okafor")
    assert person_match_find(subject="Re: Amina OKAFOR", body="no date here").person_id is None
