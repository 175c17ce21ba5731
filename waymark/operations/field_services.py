"""Writes for the visit in the field, the debrief and closure (brief operations.md §6-§7).

``field_entry_record`` stores one notebook entry exactly once by the ``client_uuid`` the phone made:
a replay of the same entry (the offline queue sending twice, a double-tapped button) returns the
stored entry with ``created=False``; the same id with a different visit, type or content is
refused. ``recorded_at`` is the phone's own time, kept as it was when the officer wrote the entry.
Every refusal is a ``ValidationError`` (or ``PermissionDenied``) and nothing is saved.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import rules, workflows
from waymark.operations.models import (
    CriticalIncident,
    Debrief,
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
    VisitStatus,
)
from waymark.people import selectors as people_selectors
from waymark.people import services as people_services
from waymark.work import services as work_services
from waymark.work.models import ACTIVE_STATUSES, Task

MODULE = "operations"
RECORD = "operations.record_field_entries"
COMMAND = "operations.command_visits"


# ------------------------------------------------------------------------------------------------
# Small helpers: reading a loosely typed ``data`` dict (JSON from a phone, or a form's cleaned data)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _text(data: dict, key: str, *, limit: int = 2000) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValidationError({key: "Enter text"})
    return str(value).strip()[:limit]


def _bool(data: dict, key: str) -> bool | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "on", "yes", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "off", "no", "0"):
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValidationError({key: "Choose yes or no"})


def _int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({key: "Enter a whole number"})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({key: "Enter a whole number"}) from None
    if number < 0 or number > 2**31 - 1:
        raise ValidationError({key: "Enter a whole number of 0 or more"})
    return number


def _choice(data: dict, key: str, choices: dict[str, str], message: str) -> str:
    value = _text(data, key, limit=40)
    if value and value not in choices:
        raise ValidationError({key: message})
    return value


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValidationError({key: "Send a list"})
    return value


def _date(data: dict, key: str) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({key: "Enter a real date (YYYY-MM-DD)"}) from None


def _canonical(data: Any) -> Any:
    """The entry's content as JSON (how it is stored and how a replay is compared)."""
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# ------------------------------------------------------------------------------------------------
# Who may record


def _assignment(*, actor, visit: Visit) -> VisitOfficer:
    if actor is None or not actor.has_perm(RECORD):
        raise PermissionDenied("Your role does not allow you to record field entries")
    assignment = VisitOfficer.objects.filter(visit=visit, officer=actor).first()
    if assignment is None:
        raise PermissionDenied("Only officers assigned to this visit may record entries on it")
    return assignment


def _check_time(*, visit: Visit, recorded_at: datetime) -> None:
    if not isinstance(recorded_at, datetime) or recorded_at.tzinfo is None:
        raise ValidationError(
            {"recorded_at": "Send the time the entry was made, with its time zone"}
        )
    now = clock.now()
    if recorded_at > now + rules.FIELD_CLOCK_TOLERANCE:
        raise ValidationError(
            {"recorded_at": "The entry's time is in the future: check the phone's clock"}
        )
    started = visit.deployed_at or visit.planned_start
    if recorded_at < started - rules.FIELD_BEFORE_DEPLOYMENT_MARGIN:
        raise ValidationError({"recorded_at": "The entry's time is before the visit was deployed"})
    if now - recorded_at > rules.OFFLINE_REPLAY_LIMIT:
        raise ValidationError(
            {
                "recorded_at": "The entry is too old to be accepted from the offline queue: "
                "record it in the debrief instead"
            }
        )


def _client_uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"client_uuid": "The entry's id must be a UUID"}) from None


def _location(latitude, longitude, accuracy_m) -> tuple[float | None, float | None, float | None]:
    def number(value, key):
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValidationError({key: "Send a number"}) from None

    lat, lon, acc = (
        number(latitude, "latitude"),
        number(longitude, "longitude"),
        number(accuracy_m, "accuracy_m"),
    )
    if (lat is None) != (lon is None):
        raise ValidationError({"latitude": "Send both latitude and longitude, or neither"})
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
        raise ValidationError({"latitude": "The location is not a real place"})
    if acc is not None and acc < 0:
        raise ValidationError({"accuracy_m": "Accuracy cannot be negative"})
    return lat, lon, acc


# ------------------------------------------------------------------------------------------------
# Per entry type: validate ``data`` and write the typed row. Each returns the entry's summary and
# a function that writes the typed rows once the FieldEntry exists (inside the same transaction).

Writer = Callable[[FieldEntry], Any]


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
    return f"Search of {searched}: nothing seized", lambda entry: None


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
        SafeguardingRecord.objects.create(
            entry=entry, visit=visit, encounter=encounter, kind=kind, detail=detail
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
    return f"Note: {text[:200]}", lambda entry: None


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


# ------------------------------------------------------------------------------------------------
# Recording an entry


def _replay(
    *, existing: FieldEntry, actor, visit: Visit, entry_type: str, payload: Any
) -> tuple[FieldEntry, bool]:
    # The time is not compared: the no-JavaScript form is stamped on arrival at the server, so a
    # double-submitted form carries the same id and content a moment later.
    same = (
        existing.visit_id == visit.pk
        and existing.entry_type == entry_type
        and existing.officer_id == getattr(actor, "pk", None)
        and existing.payload == payload
    )
    if not same:
        raise ValidationError(
            {"client_uuid": "This entry id was already used for a different entry"}
        )
    return existing, False


def field_entry_record(
    *,
    actor,
    visit: Visit,
    entry_type: str,
    client_uuid,
    recorded_at: datetime,
    latitude=None,
    longitude=None,
    accuracy_m=None,
    sent_offline: bool = False,
    data: dict | None = None,
) -> tuple[FieldEntry, bool]:
    """Record one field entry (brief §6), exactly once by ``client_uuid``; see the module docstring."""
    assignment = _assignment(actor=actor, visit=visit)
    key = _client_uuid(client_uuid)
    if entry_type not in ENTRY_HANDLERS:
        raise ValidationError({"entry_type": "Choose a type of entry from the list"})
    data = dict(data or {})
    payload = _canonical(data)
    existing = FieldEntry.objects.filter(client_uuid=key).first()
    if existing is not None:
        return _replay(
            existing=existing, actor=actor, visit=visit, entry_type=entry_type, payload=payload
        )
    visit = Visit.objects.select_related("premises").get(pk=visit.pk)
    if visit.status not in workflows.IN_THE_FIELD:
        raise ValidationError(
            {
                "visit": f"Entries are recorded only while a visit is deployed; this visit is "
                f"{visit.get_status_display().lower()}"
            }
        )
    _check_time(visit=visit, recorded_at=recorded_at)
    lat, lon, acc = _location(latitude, longitude, accuracy_m)
    try:
        with transaction.atomic():
            assignment = VisitOfficer.objects.select_for_update().get(pk=assignment.pk)
            # Another send of this entry may have been stored while this one waited for the lock.
            existing = FieldEntry.objects.filter(client_uuid=key).first()
            if existing is not None:
                return _replay(
                    existing=existing,
                    actor=actor,
                    visit=visit,
                    entry_type=entry_type,
                    payload=payload,
                )
            summary, write = ENTRY_HANDLERS[entry_type](
                actor=actor, visit=visit, assignment=assignment, data=data, recorded_at=recorded_at
            )
            entry = FieldEntry.objects.create(
                visit=visit,
                officer=actor,
                entry_type=entry_type,
                client_uuid=key,
                recorded_at=recorded_at,
                received_at=clock.now(),
                latitude=lat,
                longitude=lon,
                location_accuracy_m=acc,
                sent_offline=bool(sent_offline),
                summary=summary[:300],
                payload=payload,
            )
            typed = write(entry)
            if lat is not None:
                latest = (
                    FieldEntry.objects.filter(visit=visit, officer=actor, latitude__isnull=False)
                    .exclude(pk=entry.pk)
                    .order_by("-recorded_at")
                    .first()
                )
                if latest is None or latest.recorded_at <= recorded_at:
                    assignment.last_latitude, assignment.last_longitude = lat, lon
                    assignment.save(update_fields=["last_latitude", "last_longitude"])
            person_id = typed.person_id if isinstance(typed, Encounter) else None
            audit_record(
                actor=actor,
                action=AuditAction.COLLECTION,
                verb=f"operations.entry.{entry_type}",
                target=entry,
                person_id=person_id,
                payload={
                    "new": {
                        "visit": visit.reference,
                        "entry_type": entry_type,
                        "client_uuid": str(key),
                        "recorded_at": recorded_at.isoformat(),
                        "latitude": lat,
                        "longitude": lon,
                        "sent_offline": bool(sent_offline),
                        "summary": entry.summary,
                        "data": payload,
                    }
                },
            )
    except IntegrityError:
        # Two sends of the same entry at once: the other one stored it first.
        existing = FieldEntry.objects.filter(client_uuid=key).first()
        if existing is None:
            if entry_type == "seizure":
                raise ValidationError(
                    {"exhibit_number": "This exhibit number is already recorded on this visit"}
                ) from None
            raise
        return _replay(
            existing=existing, actor=actor, visit=visit, entry_type=entry_type, payload=payload
        )
    return entry, True


def seizure_property_sign_off(*, actor, seizure: Seizure) -> Seizure:
    """Sign off the property record of a seized item (an assigned officer; before closure)."""
    _assignment(actor=actor, visit=seizure.visit)
    if seizure.visit.status not in workflows.IN_THE_FIELD:
        raise ValidationError("Property is signed off while the visit is open")
    with transaction.atomic():
        seizure = Seizure.objects.select_for_update().get(pk=seizure.pk)
        if seizure.property_signed_off_at:
            raise ValidationError(
                f"The property for exhibit {seizure.exhibit_number} is already signed off"
            )
        seizure.property_signed_off_by, seizure.property_signed_off_at = actor, clock.now()
        seizure.save(update_fields=["property_signed_off_by", "property_signed_off_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="operations.seizure.signed_off",
            target=seizure,
            payload={
                "old": {"property_signed_off_at": None},
                "new": {"property_signed_off_at": seizure.property_signed_off_at.isoformat()},
            },
        )
    return seizure


# ------------------------------------------------------------------------------------------------
# Debrief and closure (brief §7)


def _officer_in_charge(*, actor, visit: Visit, doing: str) -> None:
    if actor is None or not actor.has_perm(COMMAND) or visit.officer_in_charge_id != actor.pk:
        raise PermissionDenied(f"Only the officer in charge of this visit may {doing}")


def debrief_submit(*, actor, visit: Visit, **sections) -> Debrief:
    """The structured debrief: every section in ``rules.DEBRIEF_SECTIONS`` and the intelligence
    accuracy, or a refusal naming each missing section. Submitting again replaces it (audited)."""
    _officer_in_charge(actor=actor, visit=visit, doing="submit the debrief")
    if visit.status != VisitStatus.DEPLOYED:
        raise ValidationError(
            "A debrief is submitted while the visit is deployed and not yet closed"
        )
    unknown = set(sections) - set(rules.DEBRIEF_SECTIONS) - {"intelligence_accuracy"}
    if unknown:
        raise ValidationError(f"Unknown debrief sections: {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, label in rules.DEBRIEF_SECTIONS.items():
        value = sections.get(key)
        values[key] = str(value).strip() if value is not None else ""
        if not values[key]:
            errors[key] = f"Enter {label.lower()}: every section of the debrief is required"
    accuracy = str(sections.get("intelligence_accuracy") or "").strip()
    if accuracy not in rules.INTELLIGENCE_ACCURACY:
        errors["intelligence_accuracy"] = "Select how accurate the intelligence was"
    _raise(errors)
    values["intelligence_accuracy"] = accuracy
    with transaction.atomic():
        existing = Debrief.objects.select_for_update().filter(visit=visit).first()
        now = clock.now()
        if existing is None:
            debrief = Debrief.objects.create(
                visit=visit, submitted_by=actor, submitted_at=now, **values
            )
            old = None
        else:
            old = {key: getattr(existing, key) for key in values}
            for key, value in values.items():
                setattr(existing, key, value)
            existing.submitted_by, existing.submitted_at = actor, now
            existing.save()
            debrief = existing
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION if old is None else AuditAction.ALTERATION,
            verb="operations.debrief.submitted",
            target=debrief,
            payload={"new": values, **({"old": old} if old else {})},
        )
    return debrief


def closure_problems(visit: Visit) -> list[str]:
    """What stops the visit being closed, in words (empty when it may be closed)."""
    from waymark.operations.field_selectors import incomplete_before_closure

    return incomplete_before_closure(visit)


def visit_close(*, actor, visit: Visit) -> Visit:
    """Close the visit (brief §7): the officer in charge, every officer departed, the debrief
    submitted and every form complete. A closure after ``closure_due_at`` is recorded as late."""
    _officer_in_charge(actor=actor, visit=visit, doing="close it")
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if not workflows.transition_allowed(visit.status, VisitStatus.CLOSED):
            raise ValidationError(f"A {visit.get_status_display().lower()} visit cannot be closed")
        problems = closure_problems(visit)
        if problems:
            raise ValidationError(problems)
        now = clock.now()
        late = bool(visit.closure_due_at and now > visit.closure_due_at)
        old = {"status": visit.status}
        visit.status, visit.closed_at, visit.closed_by, visit.updated_at = (
            VisitStatus.CLOSED,
            now,
            actor,
            now,
        )
        visit.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="operations.visit.closed",
            target=visit,
            payload={
                "old": old,
                "new": {
                    "status": visit.status,
                    "closed_at": now.isoformat(),
                    "closure_due_at": visit.closure_due_at.isoformat()
                    if visit.closure_due_at
                    else None,
                    "late": late,
                },
            },
        )
        tasks = Task.objects.filter(
            task_type=rules.TASK_CLOSE,
            subject_type="operations.visit",
            subject_id=str(visit.pk),
            status__in=ACTIVE_STATUSES,
        )
        for task in tasks:
            work_services.task_complete(
                actor=actor,
                task=task,
                outcome="closed_late" if late else "closed",
                note="Closed after the 48-hour closure deadline" if late else "",
            )
    return visit
