"""Per entry type: validate ``data`` and write the typed row. Each returns the entry's summary and
a function that writes the typed rows once the FieldEntry exists (inside the same transaction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from waymark.core import clock, events
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import rules
from waymark.operations.models import (
    CriticalIncident,
    EmployerSanction,
    Encounter,
    Engagement,
    EntryRecord,
    FieldEntry,
    Interview,
    InterviewQuestion,
    SafeguardingRecord,
    Seizure,
    Visit,
    VisitOfficer,
)
from waymark.operations.services._field import (
    MODULE,
    Writer,
    _bool,
    _choice,
    _date,
    _int,
    _list,
    _raise,
    _text,
    _user,
)
from waymark.people import selectors as people_selectors
from waymark.people import services as people_services


def no_typed_row(entry: FieldEntry) -> None:
    """The writer of an entry type with no typed row and no other write (a note, a search with
    nothing seized): such entries of a batch are written together (``field_entries_record``)."""
    return None


def _arrival(*, actor, visit, assignment: VisitOfficer, data, recorded_at) -> tuple[str, Writer]:
    if assignment.on_site:
        raise ValidationError({"entry_type": "You are already marked as arrived"})

    def write(entry: FieldEntry) -> None:
        assignment.arrived_at, assignment.departed_at = recorded_at, None
        assignment.save(update_fields=["arrived_at", "departed_at"])

    return "Arrived at the premises", write


def _departure(*, actor, visit, assignment: VisitOfficer, data, recorded_at) -> tuple[str, Writer]:
    if not assignment.arrived_at or assignment.departed_at:
        raise ValidationError({"entry_type": "You cannot depart before you have arrived"})
    if recorded_at < assignment.arrived_at:
        raise ValidationError({"recorded_at": "The departure time is before your arrival"})

    def write(entry: FieldEntry) -> None:
        assignment.departed_at = recorded_at
        assignment.save(update_fields=["departed_at"])

    return "Departed from the premises", write


def _entry(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    errors: dict[str, str] = {}
    achieved = _bool(data, "achieved")
    if achieved is None:
        raise ValidationError({"achieved": "Select whether entry was achieved"})
    fields: dict[str, Any] = {"achieved": achieved}
    if not achieved:
        reason = _text(data, "not_achieved_reason")
        if not reason:
            errors["not_achieved_reason"] = "Enter why entry was not achieved"
        fields["not_achieved_reason"] = reason
        _raise(errors)
        summary = "Entry not achieved"
    else:
        power = _choice(data, "power", rules.POWERS_OF_ENTRY, "Select the power of entry used")
        if not power:
            raise ValidationError({"power": "Select the power of entry used"})
        fields["power"] = power
        if power == "informed_consent":
            fields["consent_given_by"] = _text(data, "consent_given_by", limit=200)
            fields["consent_given_by_role"] = _text(data, "consent_given_by_role", limit=100)
            fields["told_could_refuse"] = _bool(data, "told_could_refuse")
            if not fields["consent_given_by"]:
                errors["consent_given_by"] = "Enter who gave consent"
            if not fields["consent_given_by_role"]:
                errors["consent_given_by_role"] = "Enter the role of the person who gave consent"
            if fields["told_could_refuse"] is not True:
                errors["told_could_refuse"] = (
                    "Informed consent needs the person to have been told they could refuse"
                )
        elif power == "licensing_s179":
            if not visit.premises.licensed:
                errors["power"] = "Section 179 applies only to licensed premises"
        elif power == "warrant":
            fields["warrant_reference"] = _text(data, "warrant_reference", limit=60)
            fields["warrant_court"] = _text(data, "warrant_court", limit=200)
            if not fields["warrant_reference"]:
                errors["warrant_reference"] = "Enter the warrant reference"
            if not fields["warrant_court"]:
                errors["warrant_court"] = "Enter the court that issued the warrant"
        elif power == "ad_letter_s28ca":
            fields["ad_letter_reference"] = _text(data, "ad_letter_reference", limit=60)
            if not fields["ad_letter_reference"]:
                errors["ad_letter_reference"] = (
                    "Enter the reference of the assistant director's letter"
                )
        _raise(errors)
        summary = f"Entry achieved: {rules.POWERS_OF_ENTRY[power]}"

    def write(entry: FieldEntry) -> None:
        EntryRecord.objects.create(entry=entry, visit=visit, **fields)

    return summary, write


def _encounter(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    errors: dict[str, str] = {}
    person = None
    person_ref = data.get("person")
    if person_ref not in (None, ""):
        try:
            person = people_selectors.access_person(
                actor, person_ref if isinstance(person_ref, int) else str(person_ref).strip()
            )
        except Http404:
            raise ValidationError(
                {"person": "No person with this reference that you may see"}
            ) from None
    given, family = _text(data, "given_names", limit=200), _text(data, "family_name", limit=200)
    dob = _date(data, "date_of_birth")
    nationality = _text(data, "nationality", limit=3).upper()
    if person is None and not (given and family):
        errors["family_name"] = (
            "Enter the name given (given names and family name), or choose a person"
        )
    checks = [str(c) for c in _list(data, "checks_made")]
    if any(c not in rules.ENCOUNTER_CHECKS for c in checks):
        errors["checks_made"] = "Select the checks made from the list"
    result = _choice(data, "result", rules.ENCOUNTER_RESULTS, "Select the result of the checks")
    if not result:
        errors["result"] = "Select the result of the checks"
    action = _choice(data, "action", rules.OFFENDER_ACTIONS, "Select the action taken")
    offence = _text(data, "offence", limit=200)
    if result == "offender" and not action:
        errors["action"] = "Select the action taken for an immigration offender"
    if result and result != "offender" and action:
        errors["action"] = "An action is recorded only for an immigration offender"
    if action == "arrest" and not offence:
        errors["offence"] = "Enter the offence for the arrest"
    _raise(errors)
    name_given = f"{given} {family}".strip() or (str(person) if person else "")

    def write(entry: FieldEntry) -> Encounter:
        nonlocal person
        if person is None:
            person = people_services.person_create(
                actor=actor,
                given_names=given,
                family_name=family,
                date_of_birth=dob,
                nationalities=(nationality,) if nationality else (),
            )
        encounter = Encounter.objects.create(
            entry=entry,
            visit=visit,
            person=person,
            name_given=name_given[:200],
            date_of_birth_given=dob,
            nationality=nationality,
            checks_made=checks,
            result=result,
            action=action,
            offence=offence,
        )
        outcome = rules.ENCOUNTER_RESULTS[result]
        if action:
            outcome += f"; {rules.OFFENDER_ACTIONS[action].lower()}"
        if offence:
            outcome += f" ({offence})"
        people_services.timeline_event_record(
            person=person,
            module=MODULE,
            event_type="operations.encounter",
            summary=f"Encountered on enforcement visit {visit.reference}: {outcome}",
            occurred_at=recorded_at,
            actor=actor,
            related=encounter,
            detail={
                "visit": visit.reference,
                "result": result,
                "action": action,
                "offence": offence,
            },
        )
        return encounter

    summary = f"Encounter: {name_given} — {rules.ENCOUNTER_RESULTS[result]}"
    return summary, write


def _visit_encounter(visit: Visit, data: dict) -> Encounter | None:
    value = _int(data, "encounter")
    if value is None:
        return None
    found = Encounter.objects.filter(visit=visit, pk=value).first()
    if found is None:
        raise ValidationError({"encounter": "No such encounter on this visit"})
    return found


def _interview(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    encounter = _visit_encounter(visit, data)
    raw = _list(data, "answers")
    answers: list[dict[str, Any]] = []
    to_save: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationError({"answers": "Each answer needs a question and an answer"})
        answer = _text(item, "answer")
        question_id = _int(item, "question_id")
        if question_id is not None:
            question = InterviewQuestion.objects.filter(pk=question_id, active=True).first()
            if question is None:
                raise ValidationError(
                    {"answers": f"Question {index + 1} is not one of the interview questions"}
                )
            text = question.text
        else:
            text = _text(item, "question", limit=300)
            if not text and answer:
                raise ValidationError({"answers": f"Enter the question for answer {index + 1}"})
            if text and _bool(item, "save_for_reuse"):
                to_save.append(text)
        if text and answer:
            answers.append({"question_id": question_id, "question": text, "answer": answer})
    if not answers:
        raise ValidationError({"answers": "Answer at least one question"})

    def write(entry: FieldEntry) -> None:
        Interview.objects.create(entry=entry, visit=visit, encounter=encounter, answers=answers)
        now = clock.now()
        for text in to_save:
            if not InterviewQuestion.objects.filter(text__iexact=text, active=True).exists():
                question = InterviewQuestion.objects.create(
                    text=text, predefined=False, created_by=_user(actor), created_at=now
                )
                audit_record(
                    actor=actor,
                    action=AuditAction.COLLECTION,
                    verb="operations.question.saved",
                    target=question,
                    payload={"new": {"text": text}},
                )

    return f"Interview: {len(answers)} question{'s' if len(answers) != 1 else ''} answered", write


def _search(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    searched, power = _text(data, "searched", limit=300), _text(data, "search_power", limit=200)
    errors = {}
    if not searched:
        errors["searched"] = "Enter what was searched"
    if not power:
        errors["search_power"] = "Enter the power used for the search"
    _raise(errors)
    return f"Search of {searched}: nothing seized", no_typed_row


def _seizure(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    errors: dict[str, str] = {}
    fields = {
        "searched": _text(data, "searched", limit=300),
        "search_power": _text(data, "search_power", limit=200),
        "item_description": _text(data, "item_description", limit=300),
        "exhibit_number": _text(data, "exhibit_number", limit=40),
        "sealed_bag_number": _text(data, "sealed_bag_number", limit=40),
    }
    messages = {
        "searched": "Enter what was searched",
        "search_power": "Enter the power used for the search",
        "item_description": "Describe the item seized",
        "exhibit_number": "Enter the exhibit number: every seized item needs one",
        "sealed_bag_number": "Enter the sealed-bag number: every seized item goes in a sealed bag",
    }
    for key, message in messages.items():
        if not fields[key]:
            errors[key] = message
    if (
        fields["exhibit_number"]
        and Seizure.objects.filter(visit=visit, exhibit_number=fields["exhibit_number"]).exists()
    ):
        errors["exhibit_number"] = (
            f"Exhibit {fields['exhibit_number']} is already recorded on this visit"
        )
    _raise(errors)
    signed_off = bool(_bool(data, "property_signed_off"))

    def write(entry: FieldEntry) -> None:
        Seizure.objects.create(
            entry=entry,
            visit=visit,
            **fields,
            property_signed_off_by=_user(actor) if signed_off else None,
            property_signed_off_at=recorded_at if signed_off else None,
        )

    return (
        f"Seized {fields['item_description']} (exhibit {fields['exhibit_number']}, "
        f"bag {fields['sealed_bag_number']})",
        write,
    )


def _safeguarding(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    kind = _choice(data, "kind", rules.SAFEGUARDING_KINDS, "Select the kind of safeguarding")
    detail = _text(data, "detail")
    errors = {}
    if not kind:
        errors["kind"] = "Select the kind of safeguarding"
    if not detail:
        errors["detail"] = "Describe the safeguarding concern and what was done"
    _raise(errors)
    encounter = _visit_encounter(visit, data)

    def write(entry: FieldEntry) -> None:
        record = SafeguardingRecord.objects.create(
            entry=entry, visit=visit, encounter=encounter, kind=kind, detail=detail
        )
        if kind == "nrm":
            # The competent authority module (if installed) makes this a referral, linked to the
            # same person, in this transaction (core/events.py).
            events.emit(
                "operations.nrm_referral_recorded",
                actor=actor,
                source_key=f"operations.safeguarding:{record.pk}",
                visit_reference=visit.reference,
                team_id=visit.team_id,
                person_id=encounter.person_id if encounter else None,
                name_given=encounter.name_given if encounter else "",
                date_of_birth=encounter.date_of_birth_given if encounter else None,
                nationality=encounter.nationality if encounter else "",
                detail=detail,
                recorded_at=recorded_at,
            )

    return f"Safeguarding: {rules.SAFEGUARDING_KINDS[kind]}", write


def _employer_sanction(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    kind = _choice(data, "kind", rules.SANCTION_KINDS, "Select the employer sanction")
    if not kind:
        raise ValidationError({"kind": "Select the employer sanction"})
    detail = _text(data, "detail")

    def write(entry: FieldEntry) -> None:
        EmployerSanction.objects.create(entry=entry, visit=visit, kind=kind, detail=detail)

    return f"Employer sanction: {rules.SANCTION_KINDS[kind]}", write


def _engagement(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    advice = _text(data, "advice_given")
    leaflets = _int(data, "leaflets_handed_out") or 0
    if not advice:
        raise ValidationError({"advice_given": "Enter the advice given"})

    def write(entry: FieldEntry) -> None:
        Engagement.objects.create(
            entry=entry, visit=visit, advice_given=advice, leaflets_handed_out=leaflets
        )

    return f"Engagement: advice given, {leaflets} leaflet{'s' if leaflets != 1 else ''}", write


def _critical_incident(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    if visit.officer_in_charge_id != actor.pk:
        raise PermissionDenied("Only the officer in charge may declare a critical incident")
    reason, help_requested = _text(data, "reason"), _text(data, "help_requested")
    errors = {}
    if not reason:
        errors["reason"] = "Enter why the critical incident is declared"
    if not help_requested:
        errors["help_requested"] = "Enter the help requested (or 'none')"
    _raise(errors)
    if CriticalIncident.objects.filter(visit=visit, stood_down_at__isnull=True).exists():
        raise ValidationError({"reason": "A critical incident is already declared on this visit"})

    def write(entry: FieldEntry) -> None:
        CriticalIncident.objects.create(
            entry=entry,
            visit=visit,
            declared_at=recorded_at,
            reason=reason,
            help_requested=help_requested,
        )

    return f"Critical incident declared: {reason[:200]}", write


def _incident_action(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    incident = CriticalIncident.objects.filter(visit=visit, stood_down_at__isnull=True).first()
    if incident is None:
        raise ValidationError({"action": "There is no critical incident in progress on this visit"})
    action = _text(data, "action")
    if not action:
        raise ValidationError({"action": "Enter the action taken"})
    stands_down = bool(_bool(data, "stands_down"))
    if stands_down and visit.officer_in_charge_id != actor.pk:
        raise PermissionDenied("Only the officer in charge may stand the critical incident down")

    def write(entry: FieldEntry) -> None:
        if stands_down:
            incident.stood_down_at = recorded_at
            incident.save(update_fields=["stood_down_at"])

    return f"Incident action: {action[:200]}" + (" (stood down)" if stands_down else ""), write


def _note(*, actor, visit, assignment, data, recorded_at) -> tuple[str, Writer]:
    text = _text(data, "text")
    if not text:
        raise ValidationError({"text": "Enter the note"})
    return f"Note: {text[:200]}", no_typed_row


ENTRY_HANDLERS: dict[str, Callable[..., tuple[str, Writer]]] = {
    "arrival": _arrival,
    "departure": _departure,
    "entry": _entry,
    "encounter": _encounter,
    "interview": _interview,
    "search": _search,
    "seizure": _seizure,
    "safeguarding": _safeguarding,
    "employer_sanction": _employer_sanction,
    "engagement": _engagement,
    "critical_incident": _critical_incident,
    "incident_action": _incident_action,
    "note": _note,
}
assert set(ENTRY_HANDLERS) == set(rules.ENTRY_TYPES)

# Entry types whose checks read nothing and write nothing, and whose writer is ``no_typed_row``:
# a batch writes a run of them in one INSERT (``field_entries.field_entries_record``).
WITHOUT_TYPED_ROW = frozenset({"note", "search"})
