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

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.linkage.models import OwnershipCategory, OwnershipFinding, SourceKind, SourceRecord
from waymark.people.models import OwnershipState, Person, RecordStatus

Cat = OwnershipCategory

OWNERSHIP_TASK_TYPE = "person.ownership_to_decide"
OWNERSHIP_QUEUE = "ownership-to-decide"
PERMISSION = "linkage.review_links"

# The rows of 001 Figure 3 ('Case ownership still to be reviewed as at October 2016'), in its order.
FIGURE3_ORDER: tuple[str, ...] = (
    Cat.LOCAL_IMMIGRATION_TEAM,
    Cat.REMOVALS_FRU,
    Cat.ASYLUM,
    Cat.BORDER_FORCE,
    Cat.NRC_DETAINED,
    Cat.UNIDENTIFIED,
    Cat.BLANK,
)
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


def linked_people(person_ids: Iterable[int] | None = None) -> QuerySet[Person]:
    """Active people with at least one source record."""
    qs = Person.objects.filter(
        record_status=RecordStatus.ACTIVE,
        pk__in=SourceRecord.objects.filter(person__isnull=False).values("person_id"),
    )
    if person_ids is not None:
        qs = qs.filter(pk__in=list(person_ids))
    return qs.select_related("owning_team").order_by("pk")


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
    *, actor, person_ids: Iterable[int] | None = None, batch_size: int = 500
) -> OwnershipSummary:
    """Give every linked person (or the ones named) one owner or an 'ownership to be decided' task,
    and record what their records claimed (one ``OwnershipFinding`` each). Idempotent."""
    if actor is not None and not actor.has_perm(PERMISSION):
        raise PermissionDenied("You do not have permission to run the ownership clean-up")
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
    actor,
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


def _task_for(*, actor, person: Person, found: Classification, task):
    """The person's open 'ownership to be decided' task, created if there is none. A task closed
    while the person still has no owner is followed by a new one (the key gains a number)."""
    from waymark.work.models import ACTIVE_STATUSES, Task
    from waymark.work.services import task_create

    if task is not None and task.status in ACTIVE_STATUSES:
        return task
    base = f"linkage-ownership-{person.pk}"
    existing = Task.objects.filter(dedupe_key__regex=rf"^{base}(-[0-9]+)?$").order_by("-pk")
    open_task = existing.filter(status__in=ACTIVE_STATUSES).first()
    if open_task is not None:
        return open_task
    key = base if not existing.exists() else f"{base}-{existing.count() + 1}"
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


# ------------------------------------------------------------------------------------------------
# Selectors


def open_findings() -> QuerySet[OwnershipFinding]:
    """Findings whose 'ownership to be decided' task is still open: people still to be decided."""
    from waymark.work.models import ACTIVE_STATUSES

    return OwnershipFinding.objects.filter(task__status__in=ACTIVE_STATUSES).select_related(
        "person", "task", "owning_team"
    )


def figure3_counts() -> list[tuple[str, int]]:
    """People whose ownership is still to be decided, by what their legacy record claimed, in the
    order of 001 Figure 3, with the total as the last row. People whose records claim more than
    one current team are not a Figure 3 row: see ``conflicting_open_count``."""
    counts = Counter(open_findings().values_list("category", flat=True))
    rows = [(Cat(c).label, counts.get(c, 0)) for c in FIGURE3_ORDER]
    return [*rows, ("Total", sum(n for _label, n in rows))]


def conflicting_open_count() -> int:
    return open_findings().filter(category=Cat.CONFLICTING).count()


def no_legacy_open_count() -> int:
    """People to decide whose records came only from new casework or trackers (not in Figure 3)."""
    return open_findings().filter(category=Cat.NO_LEGACY_RECORD).count()


def findings_summary() -> dict[str, int]:
    """Every finding by category (owned or not)."""
    return dict(Counter(OwnershipFinding.objects.values_list("category", flat=True)))


def people_to_decide(user=None) -> QuerySet[OwnershipFinding]:
    """The people still to be decided (open task), visible to ``user`` when given."""
    qs = open_findings().order_by("category", "person__family_name", "person__pk")
    if user is not None:
        from waymark.people.selectors import person_visible_queryset

        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs


def linked_people_without_owner_or_task() -> QuerySet[Person]:
    """The brief's invariant: should be empty after a clean-up."""
    from waymark.work.models import ACTIVE_STATUSES

    return (
        linked_people()
        .filter(owning_team__isnull=True)
        .exclude(ownership_finding__task__status__in=ACTIVE_STATUSES)
    )
