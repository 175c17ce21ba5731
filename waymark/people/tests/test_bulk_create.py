"""``people_bulk_create`` writes what ``person_create`` writes one by one, for enough people that
PostgreSQL takes the COPY path (``core.rules.BULK_INSERT_COPY_FROM``): a reference made from each
person's own key, the primary name with its search keys, aliases, dates of birth, nationalities,
references (a reference another person holds is returned, not written), a timeline entry and an
audit entry each."""

from __future__ import annotations

from datetime import date

import pytest

from waymark.core.models import AuditEvent
from waymark.core.rules import BULK_INSERT_COPY_FROM
from waymark.people import rules
from waymark.people.models import (
    ExternalReference,
    Person,
    PersonDateOfBirth,
    PersonName,
    PersonNationality,
    TimelineEvent,
)
from waymark.people.services import person_create
from waymark.people.services.bulk import people_bulk_create

pytestmark = pytest.mark.django_db

NAME_FIELDS = [f.attname for f in PersonName._meta.concrete_fields if f.attname.endswith("_key")]


def _spec(i: int) -> dict:
    return {
        "given_names": f"Amira{i}",
        "family_name": "Haddad",
        "date_of_birth": date(1990, 1 + i % 12, 1 + i % 28),
        "dates_of_birth": [date(1991, 2, 3)],
        "nationalities": ["syr", "GBR"],
        "references": [("pnc", f"2001/{i:07d}A")],
        "aliases": [("Amira", f"Hadad{i}")],
    }


def test_bulk_creation_writes_what_one_by_one_creation_writes(caseworker):
    held = person_create(
        actor=caseworker,
        given_names="Someone",
        family_name="Else",
        references=[("pnc", "2001/0000003A")],
    )
    n = BULK_INSERT_COPY_FROM + 5
    audits_before = AuditEvent.objects.filter(verb="person.created").count()
    created, clashes = people_bulk_create(
        actor=caseworker, people=[_spec(i) for i in range(n)], source="bench"
    )
    assert len(created) == n
    assert clashes == [(3, "pnc", "2001/0000003A")]
    for person in created:
        stored = Person.objects.get(pk=person.pk)
        assert stored.reference == rules.WAYMARK_REFERENCE_FORMAT % person.pk
        assert stored.search_name
    ids = [p.pk for p in created]
    assert PersonName.objects.filter(person_id__in=ids).count() == 2 * n
    assert PersonDateOfBirth.objects.filter(person_id__in=ids).count() == 2 * n
    assert PersonNationality.objects.filter(person_id__in=ids, country="SYR").count() == n
    assert ExternalReference.objects.filter(person_id__in=ids).count() == n - 1
    assert TimelineEvent.objects.filter(person_id__in=ids, event_type="person.created").count() == n
    assert AuditEvent.objects.filter(verb="person.created").count() == audits_before + n
    # The same name keys as one-by-one creation gives the same name.
    single = person_create(actor=caseworker, given_names="Amira0", family_name="Haddad")
    expected = PersonName.objects.filter(person=single).values(*NAME_FIELDS).get()
    got = PersonName.objects.filter(person_id=ids[0], name_type="primary").values(*NAME_FIELDS)
    assert got.get() == expected
    assert held.pk not in ids


def _added_rows(since_reference: int, since_audit: int, since_timeline: int) -> tuple:
    """The references, their audit entries and timeline events written after these keys, with
    each row's own keys left out (they differ between the two ways of writing)."""
    refs = list(
        ExternalReference.objects.filter(pk__gt=since_reference)
        .order_by("pk")
        .values_list("person_id", "reference_type", "value", "value_normalised", "source")
    )
    audits = [
        (e.verb, e.action, e.actor_id, e.target_type, e.person_id, e.payload)
        for e in AuditEvent.objects.filter(sequence__gt=since_audit).order_by("sequence")
    ]
    timeline = list(
        TimelineEvent.objects.filter(pk__gt=since_timeline)
        .order_by("pk")
        .values_list("person_id", "module", "event_type", "summary", "detail", "related_type")
    )
    return refs, audits, timeline


def _last() -> tuple[int, int, int]:
    return (
        ExternalReference.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0,
        TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )


@pytest.mark.parametrize("count", [2, BULK_INSERT_COPY_FROM + 2])
def test_adding_many_references_writes_what_adding_them_one_by_one_writes(caseworker, count):
    from waymark.people.services import reference_add, references_add_many

    people = [
        person_create(actor=caseworker, given_names="Amira", family_name="Haddad") for _ in "ab"
    ]

    def additions(prefix: str) -> list[tuple]:
        return [
            (people[i % 2], "pnc", f" {prefix}/{i:07d}a ", " Record linkage ") for i in range(count)
        ]

    since = _last()
    for person, reference_type, value, source in additions("2001"):
        reference_add(
            actor=caseworker,
            person=person,
            reference_type=reference_type,
            value=value,
            source=source,
        )
    one = _added_rows(*since)
    since = _last()
    made = references_add_many(actor=caseworker, additions=additions("2002"))
    many = _added_rows(*since)
    assert len(many[0]) == len(many[1]) == len(many[2]) == count
    assert str(many).replace("2002/", "2001/") == str(one)
    # Each entry and event names its reference.
    assert list(
        AuditEvent.objects.filter(sequence__gt=since[1])
        .order_by("sequence")
        .values_list("target_id", flat=True)
    ) == [str(r.pk) for r in made]
    assert list(
        TimelineEvent.objects.filter(pk__gt=since[2])
        .order_by("pk")
        .values_list("related_id", flat=True)
    ) == [str(r.pk) for r in made]


def test_adding_many_references_refuses_them_all_as_adding_one_would(caseworker):
    from django.core.exceptions import ValidationError

    from waymark.people.services import references_add_many

    held = person_create(
        actor=caseworker, given_names="A", family_name="B", references=[("pnc", "2001/0000001A")]
    )
    other = person_create(actor=caseworker, given_names="C", family_name="D")
    before = ExternalReference.objects.count()
    cases = [
        ([(other, "pnc", "2001/0000001a", "")], "already recorded on another person's record"),
        ([(held, "pnc", " 2001/0000001a", "")], "already recorded on this person"),
        ([(other, "pnc", "X1", ""), (held, "pnc", "x1", "")], "another person's record"),
        ([(other, "pnc", "X2", ""), (other, "pnc", " ", "")], "Enter the reference"),
        ([(other, "nonsense", "X3", "")], "Select a valid type of reference"),
    ]
    for additions, message in cases:
        with pytest.raises(ValidationError, match=message):
            references_add_many(actor=caseworker, additions=additions)
    assert ExternalReference.objects.count() == before


def test_a_reference_stored_between_the_check_and_the_insert_refuses_them_all(
    caseworker, monkeypatch
):
    """Stored by someone else after the look-up (simulated: the look-up misses it): the unique
    key refuses the insert, answered as a refusal, not an error page, and nothing is added."""
    from django.core.exceptions import ValidationError

    from waymark.people.services import identity, references_add_many

    person_create(
        actor=caseworker, given_names="A", family_name="B", references=[("pnc", "2001/0000009A")]
    )
    other = person_create(actor=caseworker, given_names="C", family_name="D")
    monkeypatch.setattr(identity, "references_held", lambda *_a: [])
    before = ExternalReference.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="recorded on a person at the same moment"):
        references_add_many(
            actor=caseworker,
            additions=[(other, "pnc", "X9", ""), (other, "pnc", "2001/0000009A", "")],
        )
    assert (ExternalReference.objects.count(), AuditEvent.objects.count()) == before
