"""Referrals: made by a first responder (a page, the API, an enforcement visit), the duty to notify
for an adult who does not consent, allocation, withdrawal and the referral form's versions.

A referral answers the form version in force (its required questions present) and is coded with
HTCDS exploitation types and means of control. A child needs the local authority; an adult who
does not consent is not a referral (``duty_to_notify_record``). The person is matched before
anything is created: a candidate is used only when the caller confirms it, and a new person is
created only when asked and nothing matched, so a referral never silently duplicates a person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules, workflows
from waymark.nrm.models import Referral, ReferralStatus
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
from waymark.nrm.services.person_matching import PersonMatchRequired, _person_resolve  # noqa: F401
from waymark.nrm.services.referral_forms import answers_validate, referral_form_current

NON_CONSENT_MESSAGE = (
    "An adult who does not consent cannot be referred. Record the duty to notify the Home Office "
    "instead (no name, date of birth or contact details)."
)


# --- referral ------------------------------------------------------------------------------------


def _reference(year: int, team: Any = None) -> str:
    """The next reference of the year. Two referrals at once would read the same last reference;
    the authority team's row is locked first (inside the caller's transaction), so the second
    waits for the first to commit and numbers after it."""
    if team is not None:
        from waymark.accounts.models import Team

        Team.objects.select_for_update().filter(pk=team.pk).exists()
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
        reference=_reference(timezone.localdate(received_at).year, team),
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
    elif decision_maker is not None:
        # A manager naming the decision maker gives them the decision tasks: refused, as any
        # allocation is, when they lack the competence (issue 20 item 2, decision 0016).
        from waymark.nrm.services.preparation import TASK_DECIDE_RG
        from waymark.work.selectors import competence_refusal

        if refusal := competence_refusal(decision_maker, TASK_DECIDE_RG):
            errors["decision_maker"] = refusal
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
