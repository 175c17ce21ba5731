"""Ownership clean-up after linking (brief linkage.md §4; seed 001 §6.10-§6.17, Figure 3).

Every person linked to source records ends with exactly one owner or an explicit 'ownership to be
decided' task. The clean-up reads the owning units the person's records claim:

- legacy case records: ``extra["owning_unit"]`` as typed on CID (may be 'no unit', 'not in use'
  or blank);
- tracker rows: ``extra["case_owner"]``, counted only when it names a current team (a tracker's
  'case owner' is often a person's name, which says nothing about the owning unit).

A claimed unit is a *current team* when its text is the name of an active ``accounts.Team``
(case-insensitive). Then:

- exactly one current team claimed: that team becomes the owner (``current_unit``), unless the
  person already has a different owning team in Waymark, which stands (a decision recorded in
  Waymark is newer than the legacy extract);
- more than one current team: ``conflicting``;
- no current team: the Figure 3 category of the claimed units (``generator.owning_unit_category``:
  Local Immigration Teams, Removals Casework (FRU), Asylum, Border Force, NRC/Detained casework,
  unidentified groups, blank). A unit the category function knows as current but that is not a
  team here counts as an unidentified group.

Conflicting and Figure 3 findings for a person with no owning team get one task of type
``person.ownership_to_decide`` (queue 'ownership-to-decide'; dedupe key
``linkage-ownership-<person pk>``) and the person's ownership stays 'unclear'. A person who
already has an owning team keeps it and gets no task: they have one owner.

One ``OwnershipFinding`` per person, updated on every run; a second run with the same data changes
nothing, creates no task and writes no audit event. Each person whose finding, owner or task
changes gets one audit event (``linkage.ownership_owner_set``, ``linkage.ownership_to_decide``,
``linkage.ownership_found``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.linkage.models import OwnershipCategory, OwnershipFinding, SourceKind, SourceRecord
from waymark.linkage.permissions import REVIEW_LINKS, require
from waymark.linkage.selectors.ownership import FIGURE3_ORDER, linked_people
from waymark.people.models import OwnershipState, Person

Cat = OwnershipCategory

OWNERSHIP_TASK_TYPE = "person.ownership_to_decide"
OWNERSHIP_QUEUE = "ownership-to-decide"
PERMISSION = REVIEW_LINKS

# Named legacy units say more about who should own a case than 'unidentified', which says more
# than blank: when a person's records claim several, the most telling category is the finding.
_NAMED_LEGACY = FIGURE3_ORDER[:5]

UNIT_SOURCE_KINDS = (SourceKind.LEGACY_CASE, SourceKind.TRACKER)


@dataclass
class OwnershipSummary:
    """What one run of the clean-up found and did."""

    people: int = 0
    owners_set: int = 0
    already_owned: int = 0
    tasks_created: int = 0
    tasks_cancelled: int = 0
    findings_changed: int = 0
    by_category: Counter = field(default_factory=Counter)

    @property
    def to_decide(self) -> int:
        return sum(n for cat, n in self.by_category.items() if cat != Cat.CURRENT_UNIT)


@dataclass(frozen=True)
class Classification:
    category: str
    claimed_units: list[str]
    team: Team | None  # the one current team claimed (current_unit only)


# ------------------------------------------------------------------------------------------------
# Classification (pure apart from the team lookup passed in)


def _unit_text(value) -> str:
    return " ".join(str(value or "").split())


def teams_by_name() -> dict[str, Team]:
    return {t.name.strip().casefold(): t for t in Team.objects.filter(is_active=True)}


def claims_classify(claims: Iterable[tuple[str, str]], teams: dict[str, Team]) -> Classification:
    """Classify one person's claims: ``(source_kind, unit text)`` for each of their records."""
    from waymark.linkage.generator import owning_unit_category

    claimed: list[str] = []
    current: dict[int, Team] = {}
    categories: Counter = Counter()
    legacy = False
    for kind, raw in claims:
        text = _unit_text(raw)
        team = teams.get(text.casefold()) if text else None
        if kind == SourceKind.TRACKER:
            # A tracker's 'case owner' counts only when it names a current team.
            if team is not None:
                current[team.pk] = team
                claimed.append(text)
            continue
        legacy = True
        if text not in claimed:
            claimed.append(text)
        if team is not None:
            current[team.pk] = team
            continue
        category = owning_unit_category(text)
        if category == Cat.CURRENT_UNIT:
            category = Cat.UNIDENTIFIED  # a current unit with no team here: nobody to give it to
        categories[category] += 1
    claimed = list(dict.fromkeys(claimed))
    if len(current) == 1:
        return Classification(Cat.CURRENT_UNIT, claimed, next(iter(current.values())))
    if len(current) > 1:
        return Classification(Cat.CONFLICTING, claimed, None)
    if not legacy:
        # Not a Figure 3 row: the legacy system never held this person (decided all the same).
        return Classification(Cat.NO_LEGACY_RECORD, claimed, None)
    return Classification(_telling_category(categories), claimed, None)


def _telling_category(categories: Counter) -> str:
    named = [c for c in _NAMED_LEGACY if categories.get(c)]
    if named:
        return max(named, key=lambda c: (categories[c], -_NAMED_LEGACY.index(c)))
    if categories.get(Cat.UNIDENTIFIED):
        return Cat.UNIDENTIFIED
    return Cat.BLANK


# ------------------------------------------------------------------------------------------------
# The clean-up


def _claims_by_person(person_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    claims: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        SourceRecord.objects.filter(person_id__in=person_ids, source_kind__in=UNIT_SOURCE_KINDS)
        .order_by("person_id", "source_kind", "source_ref")
        .values_list("person_id", "source_kind", "extra")
    )
    for person_id, kind, extra in rows:
        extra = extra or {}
        if kind == SourceKind.LEGACY_CASE:
            claims[person_id].append((kind, extra.get("owning_unit", "")))
        elif extra.get("case_owner"):
            claims[person_id].append((kind, extra["case_owner"]))
    return claims


def ownership_cleanup(
    *, actor: Actor, person_ids: Iterable[int] | None = None, batch_size: int = 500
) -> OwnershipSummary:
    """Give every linked person (or the ones named) one owner or an 'ownership to be decided' task,
    and record what their records claimed (one ``OwnershipFinding`` each). Idempotent."""
    require(actor, PERMISSION, "run the ownership clean-up")
    summary = OwnershipSummary()
    teams = teams_by_name()
    people = list(linked_people(person_ids))
    for start in range(0, len(people), batch_size):
        batch = people[start : start + batch_size]
        claims = _claims_by_person([p.pk for p in batch])
        findings = {
            f.person_id: f
            for f in OwnershipFinding.objects.filter(person__in=batch).select_related("task")
        }
        with transaction.atomic():
            for person in batch:
                found = claims_classify(claims.get(person.pk, []), teams)
                _person_settle(
                    actor=actor,
                    person=person,
                    found=found,
                    finding=findings.get(person.pk),
                    summary=summary,
                )
    return summary


def _finding_values(finding: OwnershipFinding | None) -> dict:
    if finding is None:
        return {}
    return {
        "category": finding.category,
        "claimed_units": finding.claimed_units,
        "owning_team": finding.owning_team_id,
        "task": finding.task_id,
    }


def _person_settle(
    *,
    actor: Actor,
    person: Person,
    found: Classification,
    finding: OwnershipFinding | None,
    summary: OwnershipSummary,
) -> None:
    from waymark.people.services import ownership_change
    from waymark.work.models import ACTIVE_STATUSES
    from waymark.work.services import task_cancel

    summary.people += 1
    summary.by_category[found.category] += 1
    old = _finding_values(finding)
    verb = "linkage.ownership_found"
    task = finding.task if finding is not None else None
    owned = person.ownership_state == OwnershipState.OWNED and person.owning_team_id is not None
    if found.category == Cat.CURRENT_UNIT and not owned:
        assert found.team is not None  # claims_classify names the team of a current unit
        ownership_change(
            actor=actor,
            person=person,
            team=found.team,
            owner=None,
            reason=f"Ownership clean-up after record linkage: the legacy records name "
            f"{found.team.name} as the owning unit",
        )
        person.refresh_from_db(fields=["ownership_state", "owning_team", "case_owner"])
        summary.owners_set += 1
        verb = "linkage.ownership_owner_set"
        owned = True
    elif owned:
        summary.already_owned += 1
    if owned:
        if task is not None and task.status in ACTIVE_STATUSES:
            task_cancel(
                actor=actor, task=task, reason="Ownership settled: the person has an owning team"
            )
            summary.tasks_cancelled += 1
    else:
        new_task = _task_for(actor=actor, person=person, found=found, task=task)
        if new_task is not None and (task is None or new_task.pk != task.pk):
            summary.tasks_created += 1
            verb = "linkage.ownership_to_decide"
            task = new_task
    new = {
        "category": found.category,
        "claimed_units": found.claimed_units,
        "owning_team": person.owning_team_id,
        "task": task.pk if task is not None else None,
    }
    if new == old:
        return
    if finding is None:
        finding = OwnershipFinding(person=person)
    finding.category = found.category
    finding.claimed_units = found.claimed_units
    finding.owning_team_id = person.owning_team_id
    finding.task = task
    finding.found_at = clock.now()
    finding.save()
    summary.findings_changed += 1
    audit_record(
        actor=actor,
        action=AuditAction.ALTERATION,
        verb=verb,
        target=finding,
        person_id=person.pk,
        payload={"old": old, "new": new},
    )


def _task_for(*, actor: Actor, person: Person, found: Classification, task):
    """The person's open 'ownership to be decided' task, created if there is none. A task closed
    while the person still has no owner is followed by a new one (the key gains a number)."""
    from waymark.work.models import ACTIVE_STATUSES
    from waymark.work.selectors import tasks_for
    from waymark.work.services import task_create

    if task is not None and task.status in ACTIVE_STATUSES:
        return task
    base = f"linkage-ownership-{person.pk}"
    # This person's keys only: the base and its numbered successors, not another person's
    # ('linkage-ownership-12' must not find 'linkage-ownership-123').
    own = re.compile(rf"{re.escape(base)}(-[0-9]+)?")
    existing = [
        t for t in tasks_for(dedupe_prefix=base, active=False) if own.fullmatch(t.dedupe_key or "")
    ]
    open_task = next((t for t in reversed(existing) if t.status in ACTIVE_STATUSES), None)
    if open_task is not None:
        return open_task
    key = base if not existing else f"{base}-{len(existing) + 1}"
    label = Cat(found.category).label
    units = ", ".join(u or "(blank)" for u in found.claimed_units) or "(none recorded)"
    return task_create(
        actor=actor,
        task_type=OWNERSHIP_TASK_TYPE,
        queue=OWNERSHIP_QUEUE,
        person=person,
        dedupe_key=key,
        title=f"Decide who owns {person.reference}: legacy owner '{label}'",
        description=(
            f"The ownership clean-up after record linkage could not give {person.reference} an owner. "
            f"Owning units the source records claim: {units}. Category: {label}."
        ),
    )
