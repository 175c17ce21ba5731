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
