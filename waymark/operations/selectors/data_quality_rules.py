"""Enforcement operations' data-quality rules (issue 20 item 4): encounters' nationalities as
given in the street against the rules and the person record. Registered in
``registrations.register_oversight_feeds``; oversight never imports this module. The team is the
visit's team and the owner the officer who recorded the encounter."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from waymark.core.data_quality import DataQualityCheck, check_querysets
from waymark.operations.models import Encounter

_ENCOUNTER = {
    "team_field": "visit__team_id",
    "owner_field": "entry__officer_id",
    "person_field": "person_id",
    "reference_field": "visit__reference",
}


def encounter_nationality_valid_check() -> DataQualityCheck:
    """Encounters with a nationality given: it is an ISO 3166 alpha-3 code (validity)."""
    from waymark.people.countries import is_valid_country

    given = Encounter.objects.exclude(nationality="")
    bad = [pk for pk, code in given.values_list("pk", "nationality") if not is_valid_country(code)]
    return check_querysets(
        given,
        given.filter(pk__in=bad),
        kind="encounter",
        label="Encounter nationality is not a country code, on visit",
        **_ENCOUNTER,
    )


def encounter_nationality_accurate_check() -> DataQualityCheck:
    """Encounters linked to a person with a nationality on record and one given in the street:
    the two agree (accuracy)."""
    from waymark.people.models import PersonNationality

    on_record = PersonNationality.objects.filter(person_id=OuterRef("person_id"))
    matching = on_record.filter(country=OuterRef("nationality"))
    linked = (
        Encounter.objects.exclude(nationality="")
        .filter(person__isnull=False)
        .filter(Exists(on_record))
    )
    return check_querysets(
        linked,
        linked.exclude(Exists(matching)),
        kind="encounter",
        label="Nationality given differs from the person's record, on visit",
        **_ENCOUNTER,
    )
