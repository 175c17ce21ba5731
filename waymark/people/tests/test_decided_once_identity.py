"""A date of birth, a nationality or a reference added twice at the same moment (a double-submitted
form, two caseworkers on one record, or one reference typed on two records). Each checked "already
recorded" before its transaction and without a lock, so both passed and the second failed on the
unique key: an error page. Now the second is refused with the reason the check gives alone: the
same person's additions wait for each other (``people_lock``); a reference, which may clash across
people, is refused when the unique key waits for the first and finds it. A pause after each
writer's audit and timeline entries, before it commits, makes the overlap happen every time
(PostgreSQL, real threads)."""

from __future__ import annotations

from datetime import date

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.core.models import AuditEvent
from waymark.people import services
from waymark.people.models import ExternalReference, PersonDateOfBirth, PersonNationality
from waymark.people.services import identity
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user
from waymark.testing import NOW

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _caseworkers():
    team = make_team()
    return [make_user(*CASEWORKER_PERMS, teams=[team]) for _ in range(2)]


def _one_refused(errors, words):
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and words in errors[0], errors


def _at_once(add, actors):
    return run_at_once([(lambda actor=actor: add(actor)) for actor in actors], at=NOW)


def test_a_date_of_birth_added_twice_at_once_is_added_once(monkeypatch):
    actors, person = _caseworkers(), make_person()
    pause_after(monkeypatch, identity, "_added")
    errors = _at_once(
        lambda actor: services.date_of_birth_add(
            actor=actor, person=person, date_of_birth=date(1991, 2, 3)
        ),
        actors,
    )
    _one_refused(errors, "already recorded")
    rows = PersonDateOfBirth.objects.filter(person=person, date_of_birth=date(1991, 2, 3))
    assert rows.count() == 1
    added = AuditEvent.objects.filter(verb="person.date_of_birth_added", person_id=person.pk)
    assert added.count() == 1


def test_a_nationality_added_twice_at_once_is_added_once(monkeypatch):
    actors, person = _caseworkers(), make_person()
    pause_after(monkeypatch, identity, "_added")
    errors = _at_once(
        lambda actor: services.nationality_add(actor=actor, person=person, country="ERI"),
        actors,
    )
    _one_refused(errors, "Eritrea is already recorded")
    assert PersonNationality.objects.filter(person=person, country="ERI").count() == 1
    added = AuditEvent.objects.filter(verb="person.nationality_added", person_id=person.pk)
    assert added.count() == 1


def test_one_reference_added_to_two_people_at_once_is_held_by_one(monkeypatch):
    actors = _caseworkers()
    people = [make_person(), make_person(given_names="Samir")]
    pause_after(monkeypatch, identity, "_added")
    errors = run_at_once(
        [
            (
                lambda actor=actor, person=person: services.reference_add(
                    actor=actor, person=person, reference_type="pnc", value="19/123456X"
                )
            )
            for actor, person in zip(actors, people, strict=True)
        ],
        at=NOW,
    )
    _one_refused(errors, "already recorded on another person's record")
    assert ExternalReference.objects.filter(reference_type="pnc").count() == 1
    assert AuditEvent.objects.filter(verb="person.reference_added").count() == 1
