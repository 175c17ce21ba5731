"""Person matching for a referral: the people already held whom the details match, so that a
referral never silently duplicates a person (see referrals.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.nrm import rules
from waymark.nrm.services._common import (
    authority_team,
    user_of,
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
