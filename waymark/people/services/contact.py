"""Where and how to reach the person: addresses (and the no-fixed-abode state they set) and
phone numbers."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Address, AddressType, Person, PhoneKind, PhoneNumber
from waymark.people.services._common import _choice, _refuse_if_merged, _require
from waymark.people.services.timeline import _added


def address_add(
    *,
    actor: Actor,
    person: Person,
    line_1: str,
    valid_from: date,
    address_type: str = AddressType.HOME,
    line_2: str = "",
    town: str = "",
    postcode: str = "",
    valid_to: date | None = None,
) -> Address:
    """Add an address. A reporting-centre address means the person has no fixed abode (000 §5.89):
    it sets the no-fixed-abode state; a current home or bail address clears it."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    _choice(address_type, AddressType, "address_type", "type of address")
    if not (line_1 or "").strip():
        raise ValidationError({"line_1": "Enter the first line of the address"})
    if valid_to and valid_to < valid_from:
        raise ValidationError(
            {"valid_to": "The end date must be the same as or after the start date"}
        )
    with transaction.atomic():
        row = Address.objects.create(
            person=person,
            address_type=address_type,
            line_1=line_1.strip(),
            line_2=line_2.strip(),
            town=town.strip(),
            postcode=postcode.strip().upper(),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        current = valid_to is None or valid_to >= clock.today()
        nfa = person.no_fixed_abode
        if current and address_type == AddressType.REPORTING_CENTRE:
            nfa = True
        elif current and address_type in (AddressType.HOME, AddressType.BAIL):
            nfa = False
        if nfa != person.no_fixed_abode:
            old = person.no_fixed_abode
            person.no_fixed_abode = nfa
            person.updated_at = clock.now()
            person.save(update_fields=["no_fixed_abode", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.ALTERATION,
                verb="person.no_fixed_abode_changed",
                target=person,
                person_id=person.pk,
                payload={"old": {"no_fixed_abode": old}, "new": {"no_fixed_abode": nfa}},
            )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.address_added",
            summary=f"{row.get_address_type_display()} address added: {row.one_line}",
            fields=[
                "address_type",
                "line_1",
                "line_2",
                "town",
                "postcode",
                "valid_from",
                "valid_to",
            ],
        )
    return row


def phone_add(
    *,
    actor: Actor,
    person: Person,
    number: str,
    kind: str = PhoneKind.MOBILE,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> PhoneNumber:
    """Add a phone number, including the one the monitoring supplier issues at fitting (000 §5.92)."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    _choice(kind, PhoneKind, "kind", "type of phone")
    number = " ".join((number or "").split())
    if not number or not any(c.isdigit() for c in number):
        raise ValidationError({"number": "Enter a phone number"})
    with transaction.atomic():
        row = PhoneNumber.objects.create(
            person=person,
            kind=kind,
            number=number,
            valid_from=valid_from or clock.today(),
            valid_to=valid_to,
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.phone_added",
            summary=f"Phone number added ({row.get_kind_display()})",
            fields=["kind", "number", "valid_from", "valid_to"],
        )
    return row
