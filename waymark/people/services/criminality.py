"""Convictions on the record."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.types import Actor
from waymark.people.models import Conviction, Person
from waymark.people.services._common import _refuse_if_merged, _require
from waymark.people.services.timeline import _added


def conviction_add(
    *,
    actor: Actor,
    person: Person,
    offence: str,
    conviction_date: date,
    court: str = "",
    sentence_type: str = "",
    sentence_length_days: int | None = None,
    custodial: bool = False,
    source: str = "",
) -> Conviction:
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    if not (offence or "").strip():
        raise ValidationError({"offence": "Enter the offence"})
    if conviction_date > clock.today():
        raise ValidationError({"conviction_date": "The date of conviction must be in the past"})
    with transaction.atomic():
        row = Conviction.objects.create(
            person=person,
            offence=offence.strip(),
            court=court.strip(),
            conviction_date=conviction_date,
            sentence_type=sentence_type.strip(),
            sentence_length_days=sentence_length_days,
            custodial=custodial,
            source=source.strip(),
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.conviction_added",
            summary=f"Conviction recorded: {row.offence}",
            fields=[
                "offence",
                "court",
                "conviction_date",
                "sentence_type",
                "sentence_length_days",
                "custodial",
                "source",
            ],
        )
    return row
