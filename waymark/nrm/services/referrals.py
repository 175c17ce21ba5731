"""Referrals: made by a first responder (a page, the API, an enforcement visit), the duty to notify
for an adult who does not consent, allocation, withdrawal and the referral form's versions.

A referral answers the form version in force (its required questions present) and is coded with
HTCDS exploitation types and means of control. A child needs the local authority; an adult who
does not consent is not a referral (``duty_to_notify_record``). The person is matched before
anything is created: a candidate is used only when the caller confirms it, and a new person is
created only when asked and nothing matched, so a referral never silently duplicates a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules, workflows
from waymark.nrm.models import DutyToNotify, Referral, ReferralFormVersion, ReferralStatus
from waymark.nrm.services._common import (
    audit,
    authority_team,
    invalid,
    nation_of,
    require,
    require_sees,
    timeline,
    user_of,
)

NON_CONSENT_MESSAGE = (
    "An adult who does not consent cannot be referred. Record the duty to notify the Home Office "
    "instead (no name, date of birth or contact details)."
)


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    reference: str
    date_of_birth: date | None
    score: float
    how: str  # "search" or "linkage"

    @property
    def strong(self) -> bool:
        return self.score >= rules.PERSON_STRONG_SCORE


HIDDEN = "A person held in a record you cannot see"


class PersonMatchRequired(ValidationError):
    """The details given match people already held (or none): the caller must confirm one
    (``confirm_person_id``) or, when none matched, ask for a new record (``create_person``)."""

    def __init__(self, message: str, candidates: list[Candidate]):
        super().__init__({"person": message})
        self.candidates = candidates


# --- the referral form ---------------------------------------------------------------------------


def referral_form_current(on: date | None = None) -> ReferralFormVersion:
    """The form version in force on ``on`` (today); the first version from rules when none exists."""
    on = on or clock.today()
    version = (
        ReferralFormVersion.objects.filter(effective_from__lte=on).order_by("-version").first()
    )
    if version is None:
        version = ReferralFormVersion.objects.order_by("version").first()
    if version is None:
        version, _ = ReferralFormVersion.objects.get_or_create(
            version=1,
            defaults={
                "effective_from": date(2000, 1, 1),
                "questions": rules.REFERRAL_FORM_V1,
                "created_at": clock.now(),
                "change_note": "First version",
            },
        )
    return version


def _questions_check(questions: Any) -> list[dict[str, Any]]:
    if not isinstance(questions, list) or not questions:
        raise ValidationError({"questions": "A form version needs at least one question"})
    keys = set()
    for q in questions:
        if not isinstance(q, dict) or not str(q.get("key", "")).strip():
            raise ValidationError({"questions": "Every question needs a key"})
        if not str(q.get("label", "")).strip():
            raise ValidationError({"questions": f"Question {q['key']} needs a label"})
        if q.get("type", "text") not in ("text", "string"):
            raise ValidationError({"questions": f"Question {q['key']} has an unknown type"})
        if q["key"] in keys:
            raise ValidationError({"questions": f"Question {q['key']} appears twice"})
        keys.add(q["key"])
    return [
        {
            "key": str(q["key"]).strip(),
            "label": str(q["label"]).strip(),
            "type": q.get("type", "text"),
            "required": bool(q.get("required", False)),
        }
        for q in questions
    ]


def referral_form_version_publish(
    *, actor, questions: list[dict[str, Any]], effective_from: date, change_note: str
) -> ReferralFormVersion:
    """A new version of the form. Old referrals keep the version they answered."""
    require(actor, perms.MANAGE, "publish a referral form")
    questions = _questions_check(questions)
    if not (change_note or "").strip():
        raise ValidationError({"change_note": "Say what changed in this version"})
    with transaction.atomic():
        latest = ReferralFormVersion.objects.select_for_update().order_by("-version").first()
        if latest and effective_from < latest.effective_from:
            raise ValidationError(
                {"effective_from": "A new version cannot take effect before the current one"}
            )
        version = ReferralFormVersion.objects.create(
            version=(latest.version + 1) if latest else 1,
            effective_from=effective_from,
            questions=questions,
            change_note=change_note.strip()[:300],
            created_at=clock.now(),
            created_by=user_of(actor),
        )
        audit(
            actor=actor,
            verb="nrm.form_version_published",
            target=version,
            version=version.version,
            effective_from=effective_from,
        )
    return version


def answers_validate(version: ReferralFormVersion, answers: Any) -> dict[str, str]:
    """The answers to ``version``'s questions, stripped; every required one present."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Answers must be given question by question"})
    errors: dict[str, str] = {}
    known = {q["key"]: q for q in version.questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        errors["answers"] = f"These are not questions on form v{version.version}: " + ", ".join(
            unknown
        )
    clean: dict[str, str] = {}
    for key, q in known.items():
        value = answers.get(key)
        value = "" if value is None else str(value).strip()
        if q.get("required") and not value:
            errors[key] = f"Answer: {q['label']}"
        if value:
            clean[key] = value
    invalid(errors)
    return clean


# --- person matching -----------------------------------------------------------------------------


def _name_of(person: Any) -> str:
    return f"{person.given_names} {person.family_name}".strip()


def person_candidates(*, actor, details: dict[str, Any]) -> list[Candidate]:
    """People already held who match ``details`` (given_names, family_name, date_of_birth,
    nationality) by the platform's name search and, when record linkage is installed, its match
    model; best first, one row a person."""
    from waymark.core.published import published
    from waymark.people.search import person_search

    given = (details.get("given_names") or "").strip()
    family = (details.get("family_name") or "").strip()
    dob = details.get("date_of_birth")
    nationality = (details.get("nationality") or "").strip().upper()
    found: dict[int, Candidate] = {}
    if given or family:
        searcher = user_of(actor)
        if searcher is not None:
            results = person_search(
                user=searcher, query=f"{given} {family}".strip(), date_of_birth=dob, limit=10
            )
        else:
            results = []
        for r in results:
            if r.score >= rules.PERSON_CANDIDATE_SCORE:
                found[r.person.pk] = Candidate(
                    r.person.pk,
                    _name_of(r.person),
                    r.person.reference,
                    r.person.date_of_birth,
                    r.score,
                    "search",
                )
        match = published("linkage.person_match")
        if match is not None:
            try:
                matches = match(
                    actor=actor,
                    given_names=given,
                    family_name=family,
                    date_of_birth=dob,
                    nationality=nationality,
                    limit=10,
                    purpose="Modern slavery referral: is this person already held?",
                )
            except (PermissionDenied, ValidationError, LookupError):
                # Linkage refuses a role without its permission, or has no trained model yet:
                # the name search above stands on its own.
                matches = []
            for c in matches:
                if c.match_probability < rules.PERSON_CANDIDATE_SCORE:
                    continue
                prior = found.get(c.person.pk)
                if prior is None or prior.score < c.match_probability:
                    found[c.person.pk] = Candidate(
                        c.person.pk,
                        _name_of(c.person),
                        c.person.reference,
                        c.person.date_of_birth,
                        c.match_probability,
                        "linkage",
                    )
        # The duplicate guard cannot rest on what the referrer may see: the same family name and
        # date of birth among every active person is a candidate too, shown without its details.
        if family and dob is not None:
            from waymark.people.models import Person

            for pk in Person.objects.filter(
                family_name__iexact=family, date_of_birth=dob
            ).values_list("pk", flat=True)[:10]:
                if pk not in found:
                    found[pk] = Candidate(pk, HIDDEN, "", None, rules.PERSON_STRONG_SCORE, "hidden")
    return sorted(found.values(), key=lambda c: (-c.score, c.person_id))


def _person_resolve(
    *, actor, person_details: dict[str, Any] | None, confirm_person_id, create_person: bool
):
    from waymark.people import services as people_services
    from waymark.people.models import Person

    details = person_details or {}
    if not (
        (details.get("given_names") or "").strip() or (details.get("family_name") or "").strip()
    ):
        raise ValidationError({"person": "Give the person's name, or refer from their record"})
    candidates = person_candidates(actor=actor, details=details)
    if confirm_person_id:
        chosen = next(
            (c for c in candidates if c.person_id == int(confirm_person_id) and c.how != "hidden"),
            None,
        )
        if chosen is None:
            raise PersonMatchRequired(
                "The person you confirmed does not match the details given", candidates
            )
        return Person.objects.get(pk=chosen.person_id), candidates
    if candidates and all(c.how == "hidden" for c in candidates):
        raise PersonMatchRequired(
            "These details match a person already held in a record you cannot see. Ask the "
            "competent authority to refer from that record, so that it is not duplicated",
            candidates,
        )
    if candidates:
        listing = "; ".join(
            f"{c.name} ({c.reference}, {c.score:.0%})" for c in candidates[:5] if c.how != "hidden"
        )
        strong = [c for c in candidates if c.strong]
        lead = (
            "These details strongly match a person already held"
            if len(strong) == 1
            else "These details match people already held"
        )
        raise PersonMatchRequired(
            f"{lead}: {listing}. Confirm which one, or refer from their record", candidates
        )
    if not create_person:
        raise PersonMatchRequired(
            "Nobody held matches these details: confirm that a new record should be created", []
        )
    nationality = (details.get("nationality") or "").strip().upper()
    person = people_services.person_create(
        actor=None,  # made on the referral's behalf; the referral's own audit names who referred
        given_names=details.get("given_names") or "",
        family_name=details.get("family_name") or "",
        date_of_birth=details.get("date_of_birth"),
        nationalities=(nationality,) if nationality else (),
        owning_team=authority_team(),
    )
    return person, candidates


# --- referral ------------------------------------------------------------------------------------


def _reference(year: int) -> str:
    prefix = f"{rules.REFERENCE_PREFIX}-{year}-"
    last = (
        Referral.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def _codes(values: Any, allowed: dict[str, str], field: str, what: str) -> list[str]:
    values = [v for v in (values or []) if v]
    if not values:
        raise ValidationError({field: f"Select at least one {what}"})
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError({field: f"Unknown {what}: {', '.join(map(str, unknown))}"})
    return sorted(set(values), key=list(allowed).index)


def _base_checks(
    *, referrer_type: str, consent: str, age_group: str, local_authority: str, priority_cohort: str
) -> None:
    errors: dict[str, str] = {}
    if referrer_type not in rules.REFERRER_TYPES:
        errors["referrer_type"] = "Select the kind of first responder"
    if consent not in rules.CONSENT:
        errors["consent"] = "Select whether the person consented (or is a child)"
    if age_group not in rules.AGE_GROUPS:
        errors["age_group"] = "Select the person's age group"
    if priority_cohort not in rules.PRIORITY_COHORTS:
        errors["priority_cohort"] = "Select a priority cohort"
    invalid(errors)
    if consent == "not_consented" and age_group != "child":
        raise ValidationError({"consent": NON_CONSENT_MESSAGE})
    if (age_group == "child" or consent == "child") and not local_authority:
        raise ValidationError(
            {"local_authority": "A child's referral needs the local authority informed"}
        )
    if consent == "child" and age_group == "adult":
        raise ValidationError({"consent": "The child route is for people under 18"})


def referral_create(
    *,
    actor,
    person=None,
    person_details: dict[str, Any] | None = None,
    confirm_person_id: int | None = None,
    create_person: bool = False,
    referrer_type: str,
    consent: str,
    age_group: str,
    local_authority: str = "",
    detained: bool,
    has_legal_representative: bool = False,
    exploitation_types: list[str],
    control_methods: list[str],
    answers: dict[str, Any],
    source: str = "web",
    source_key: str | None = None,
    referring_team=None,
    priority_cohort: str = "none",
    received_at: datetime | None = None,
    referrer_label: str = "",
    nationality: str = "",
) -> Referral:
    """Receive a referral (see the module docstring). Idempotent on ``source_key``: the same key
    again returns the referral already made and changes nothing."""
    require(actor, perms.REFER, "refer someone to the NRM")
    if source_key:
        existing = Referral.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    local_authority = (local_authority or "").strip()
    _base_checks(
        referrer_type=referrer_type,
        consent=consent,
        age_group=age_group,
        local_authority=local_authority,
        priority_cohort=priority_cohort,
    )
    exploitation = _codes(
        exploitation_types, rules.EXPLOITATION_TYPES, "exploitation_types", "type of exploitation"
    )
    control = _codes(control_methods, rules.CONTROL_METHODS, "control_methods", "means of control")
    try:
        with transaction.atomic():
            return _referral_write(
                actor=actor,
                person=person,
                person_details=person_details,
                confirm_person_id=confirm_person_id,
                create_person=create_person,
                referrer_type=referrer_type,
                consent=consent,
                age_group=age_group,
                local_authority=local_authority,
                detained=detained,
                has_legal_representative=has_legal_representative,
                exploitation=exploitation,
                control=control,
                answers=answers,
                source=source,
                source_key=source_key,
                referring_team=referring_team,
                priority_cohort=priority_cohort,
                received_at=received_at,
                referrer_label=referrer_label,
                nationality=nationality,
            )
    except IntegrityError:
        if source_key:
            existing = Referral.objects.filter(source_key=source_key).first()
            if existing is not None:
                return existing
        raise


def _referral_write(
    *,
    actor,
    person,
    person_details,
    confirm_person_id,
    create_person,
    referrer_type,
    consent,
    age_group,
    local_authority,
    detained,
    has_legal_representative,
    exploitation,
    control,
    answers,
    source,
    source_key,
    referring_team,
    priority_cohort,
    received_at,
    referrer_label,
    nationality,
) -> Referral:
    from waymark.nrm.services.preparation import preparation_open

    version = referral_form_current()
    clean = answers_validate(version, answers)
    if person is None:
        person, candidates = _person_resolve(
            actor=actor,
            person_details=person_details,
            confirm_person_id=confirm_person_id,
            create_person=create_person,
        )
    else:
        candidates = []
    now = clock.now()
    received_at = received_at or now
    team = authority_team()
    user = user_of(actor)
    if referring_team is None and user is not None:
        referring_team = user.primary_team
    if not nationality:
        nationality = (
            person.nationalities.values_list("country", flat=True).first()
            if hasattr(person, "nationalities")
            else ""
        ) or ""
    referral = Referral.objects.create(
        reference=_reference(timezone.localdate(received_at).year),
        person=person,
        form_version=version,
        answers=clean,
        status=ReferralStatus.RECEIVED,
        received_at=received_at,
        referrer=user,
        referrer_label=(referrer_label or (user.display_name if user else ""))[:200],
        referrer_type=referrer_type,
        referring_team=referring_team,
        consent=consent,
        age_group=age_group,
        local_authority=local_authority,
        detained=bool(detained),
        has_legal_representative=bool(has_legal_representative),
        nationality=(nationality or "")[:3].upper(),
        exploitation_types=exploitation,
        control_methods=control,
        priority_cohort=priority_cohort,
        source=source,
        source_key=source_key or None,
        rg_due_on=rules.rg_due_on(timezone.localdate(received_at), nation_of(team)),
        owning_team=team,
        last_activity_at=now,
    )
    if candidates:
        audit(
            actor=actor,
            verb="nrm.person_matched",
            target=referral,
            person_id=person.pk,
            confirmed=person.pk,
            candidates=[c.person_id for c in candidates],
        )
    audit(
        actor=actor,
        verb="nrm.referral_received",
        target=referral,
        person_id=person.pk,
        reference=referral.reference,
        form_version=version.version,
        source=source,
        referrer_type=referrer_type,
        consent=consent,
        age_group=age_group,
    )
    timeline(
        actor=actor,
        referral=referral,
        event_type="nrm.referral_received",
        summary=f"Referred to the National Referral Mechanism ({referral.reference})",
    )
    preparation_open(actor=actor, referral=referral)
    return referral


def referral_withdraw(*, actor, referral: Referral, reason: str) -> Referral:
    """Withdraw an open referral (the referrer or the authority's manager), with the reason."""
    if actor is not None and not (
        actor.has_perm(perms.MANAGE)
        or (actor.has_perm(perms.REFER) and referral.referrer_id == actor.pk)
    ):
        require_sees(actor, referral)
        raise ValidationError("Only the referrer or a manager may withdraw a referral")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the referral is withdrawn"})
    from waymark.work import services as work

    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status not in workflows.OPEN_REFERRAL:
            raise ValidationError(f"The referral is {referral.get_status_display().lower()}")
        old = referral.status
        workflows.REFERRAL.move(referral, ReferralStatus.WITHDRAWN)
        referral.concluded_at = referral.last_activity_at = clock.now()
        referral.outcome = "withdrawn"
        referral.save()
        work.tasks_close_for(
            actor=actor,
            dedupe_prefix=f"nrm:{referral.pk}:",
            outcome="cancelled",
            note="Referral withdrawn",
        )
        audit(
            actor=actor,
            verb="nrm.referral_withdrawn",
            target=referral,
            person_id=referral.person_id,
            old_status=old,
            reason=reason.strip(),
        )
        timeline(
            actor=actor,
            referral=referral,
            event_type="nrm.referral_withdrawn",
            summary=f"NRM referral {referral.reference} withdrawn",
        )
    return referral


def referral_allocate(
    *, actor, referral: Referral, decision_maker=None, case_preparer=None
) -> Referral:
    """A manager names the decision maker and the case preparer; open tasks follow them."""
    require(actor, perms.MANAGE, "allocate referrals")
    errors = {}
    if decision_maker is not None and not decision_maker.has_perm(perms.DECIDE):
        errors["decision_maker"] = f"{decision_maker} cannot make decisions"
    if case_preparer is not None and not case_preparer.has_perm(perms.PREPARE):
        errors["case_preparer"] = f"{case_preparer} cannot prepare cases"
    if decision_maker is None and case_preparer is None:
        errors["decision_maker"] = "Choose a decision maker or a case preparer"
    invalid(errors)
    from waymark.nrm.models import PreparationStatus
    from waymark.work import services as work
    from waymark.work.selectors import tasks_for

    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status not in workflows.OPEN_REFERRAL:
            raise ValidationError(f"The referral is {referral.get_status_display().lower()}")
        old = {
            "decision_maker": referral.decision_maker_id,
            "case_preparer": referral.case_preparer_id,
        }
        if decision_maker is not None:
            referral.decision_maker = decision_maker
            for task in tasks_for(dedupe_prefix=f"nrm:{referral.pk}:decide_rg"):
                work.task_reassign(actor=None, task=task, assignee=decision_maker)
        if case_preparer is not None:
            referral.case_preparer = case_preparer
            referral.preparation_items.filter(status=PreparationStatus.OPEN).update(
                gatherer=case_preparer
            )
            for task in tasks_for(dedupe_prefix=f"nrm:{referral.pk}:prepare:"):
                work.task_reassign(actor=None, task=task, assignee=case_preparer)
        referral.last_activity_at = clock.now()
        referral.save()
        audit(
            actor=actor,
            verb="nrm.referral_allocated",
            target=referral,
            person_id=referral.person_id,
            old=old,
            new={
                "decision_maker": referral.decision_maker_id,
                "case_preparer": referral.case_preparer_id,
            },
        )
    return referral


# --- duty to notify ------------------------------------------------------------------------------

IDENTIFYING = ("name", "given_names", "family_name", "date_of_birth", "address", "phone", "email")


def duty_to_notify_record(
    *,
    actor,
    referrer_type: str,
    nationality: str = "",
    sex: str = "",
    exploitation_types: list[str],
    control_methods: list[str],
    where_exploited: str = "",
    summary: str = "",
    referring_team=None,
    received_at: datetime | None = None,
    source_key: str | None = None,
    **identifying: Any,
) -> DutyToNotify:
    """The duty to notify for an adult who did not consent: no identifying details at all (any
    given are refused, not dropped, so the caller knows)."""
    require(actor, perms.REFER, "record a duty to notify")
    if identifying:
        raise ValidationError(
            "The duty to notify holds no identifying details: remove "
            + ", ".join(sorted(identifying))
        )
    if referrer_type not in rules.REFERRER_TYPES:
        raise ValidationError({"referrer_type": "Select the kind of first responder"})
    exploitation = _codes(
        exploitation_types, rules.EXPLOITATION_TYPES, "exploitation_types", "type of exploitation"
    )
    control = _codes(control_methods, rules.CONTROL_METHODS, "control_methods", "means of control")
    if source_key:
        existing = DutyToNotify.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    user = user_of(actor)
    with transaction.atomic():
        record = DutyToNotify.objects.create(
            received_at=received_at or clock.now(),
            referrer=user,
            referrer_type=referrer_type,
            referring_team=referring_team or (user.primary_team if user else None),
            nationality=(nationality or "").strip().upper()[:3],
            sex=(sex or "")[:10],
            exploitation_types=exploitation,
            control_methods=control,
            where_exploited=(where_exploited or "").strip()[:200],
            summary=(summary or "").strip(),
            source_key=source_key or None,
        )
        audit(
            actor=actor,
            verb="nrm.duty_to_notify_recorded",
            target=record,
            referrer_type=referrer_type,
            nationality=record.nationality,
        )
    return record


# --- the enforcement visit hook ------------------------------------------------------------------


def _age_group(date_of_birth: date | None, on: date) -> str:
    if date_of_birth is None:
        return "unknown"
    years = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    return "child" if years < rules.AGE_OF_MAJORITY else "adult"


def referral_from_visit(
    *,
    actor,
    source_key: str,
    visit_reference: str,
    team_id=None,
    person_id=None,
    name_given: str = "",
    date_of_birth: date | None = None,
    nationality: str = "",
    detail: str = "",
    recorded_at: datetime | None = None,
    **_: Any,
):
    """Handler of ``operations.nrm_referral_recorded``: an NRM referral recorded on an enforcement
    visit becomes a referral of the same person (source ``operations_visit``, idempotent on the
    field entry's key). Without a person record there is nobody to refer safely (matching a name
    typed in the field could attach the account to the wrong person), so it becomes a duty to
    notify with no identifying details, pointing back to the visit where the details are held.
    Runs as the system: the officer's own permission was checked by operations."""
    from waymark.accounts.models import Team
    from waymark.people.models import Person

    team = Team.objects.filter(pk=team_id).first() if team_id else None
    recorded_at = recorded_at or clock.now()
    text = (detail or "").strip() or f"Recorded on enforcement visit {visit_reference}"
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is None:
        return duty_to_notify_record(
            actor=None,
            referrer_type="enforcement_officer",
            nationality=nationality,
            exploitation_types=["not_specified"],
            control_methods=["other"],
            summary=(
                f"Recorded on enforcement visit {visit_reference}; the person was not identified. "
                "Details are held on the visit record."
            ),
            referring_team=team,
            received_at=recorded_at,
            source_key=source_key,
        )
    version = referral_form_current()
    answers = {
        q["key"]: (text if q["type"] == "text" else "")
        for q in version.questions
        if q.get("required")
    }
    dob = date_of_birth or person.date_of_birth
    age = _age_group(dob, timezone.localdate(recorded_at))
    referral = referral_create(
        actor=None,
        person=person,
        referrer_type="enforcement_officer",
        consent="child" if age == "child" else "consented",
        age_group=age,
        local_authority=(
            f"To be confirmed (enforcement visit {visit_reference})" if age == "child" else ""
        ),
        detained=False,
        exploitation_types=["not_specified"],
        control_methods=["other"],
        answers=answers,
        source="operations_visit",
        source_key=source_key,
        referring_team=team,
        received_at=recorded_at,
        referrer_label=(
            f"{actor.display_name} (enforcement visit {visit_reference})"
            if user_of(actor)
            else f"Enforcement visit {visit_reference}"
        ),
        nationality=nationality,
    )
    if user_of(actor) is not None and referral.referrer_id is None:
        Referral.objects.filter(pk=referral.pk).update(referrer=actor)
        referral.referrer = actor
    return referral
