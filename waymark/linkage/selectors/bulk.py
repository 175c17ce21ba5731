"""Reads for bulk checks: the list of checks, one check with its counts, one match, and the
reviewed list of people with criminality not previously known (001 §6.22: 24 found in 5,000
analysed). A match whose person the user may not see is answered as missing (``Http404``).

Populations (``POPULATIONS``): each a named, documented definition of who a bulk check compares
with the police records file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from waymark.core.published import published
from waymark.linkage.models import (
    BulkCheck,
    BulkCheckMatch,
    BulkMatchStatus,
    ImportJob,
    ImportStatus,
    SourceKind,
    SourceRecord,
)
from waymark.people.models import OwnershipState, Person, RecordStatus
from waymark.people.selectors import person_visible_queryset

# ------------------------------------------------------------------------------------------------
# Populations


def _active() -> QuerySet[Person]:
    return Person.objects.filter(record_status=RecordStatus.ACTIVE)


def population_all_linked() -> QuerySet[Person]:
    return _active().filter(
        pk__in=SourceRecord.objects.filter(person__isnull=False)
        .exclude(source_kind=SourceKind.POLICE)
        .values("person_id")
    )


def population_reporting() -> QuerySet[Person]:
    """People criminal casework counts as reporting (its published query); nobody when criminal
    casework is not installed."""
    reporting_population = published("casework.reporting_population")
    if reporting_population is None:
        return _active().none()
    return _active().filter(pk__in=reporting_population().values("person_id"))


def population_ownership_unclear() -> QuerySet[Person]:
    return population_all_linked().filter(ownership_state=OwnershipState.UNCLEAR)


@dataclass(frozen=True)
class Population:
    key: str
    label: str
    description: str
    people: Callable[[], QuerySet[Person]]


POPULATIONS: dict[str, Population] = {
    p.key: p
    for p in [
        Population(
            "all_linked",
            "Everyone linked to source records",
            "Every active person linked to at least one imported legacy, casework or tracker record.",
            population_all_linked,
        ),
        Population(
            "reporting",
            "The reporting population",
            "People with an open case and a reporting restriction in force today, as criminal casework "
            "defines it (001 §6.9: 'all individuals with an open restriction for reporting').",
            population_reporting,
        ),
        Population(
            "ownership_unclear",
            "Linked people whose ownership is unclear",
            "Linked people with no owning team (001 §6.10).",
            population_ownership_unclear,
        ),
    ]
}
POPULATION_CHOICES = [(p.key, p.label) for p in POPULATIONS.values()]


def population_people(key: str) -> QuerySet[Person]:
    try:
        return POPULATIONS[key].people()
    except KeyError:
        raise ValidationError({"population": "Select a population to check"}) from None


# ------------------------------------------------------------------------------------------------
# Checks and matches


@dataclass(frozen=True)
class BulkCounts:
    potential_matches: int
    reviewed: int
    unreviewed: int
    confirmed: int
    rejected: int
    not_previously_known: int


_COUNTS = {
    "potential_matches": Count("pk"),
    "unreviewed": Count("pk", filter=Q(status=BulkMatchStatus.PENDING)),
    "confirmed": Count("pk", filter=Q(status=BulkMatchStatus.CONFIRMED)),
    "rejected": Count("pk", filter=Q(status=BulkMatchStatus.REJECTED)),
    "not_previously_known": Count(
        "pk", filter=Q(status=BulkMatchStatus.CONFIRMED, previously_known=False)
    ),
}


def _counts(values: dict) -> BulkCounts:
    total = values.get("potential_matches") or 0
    unreviewed = values.get("unreviewed") or 0
    return BulkCounts(
        potential_matches=total,
        reviewed=total - unreviewed,
        unreviewed=unreviewed,
        confirmed=values.get("confirmed") or 0,
        rejected=values.get("rejected") or 0,
        not_previously_known=values.get("not_previously_known") or 0,
    )


def bulk_check_counts(check: BulkCheck) -> BulkCounts:
    return _counts(BulkCheckMatch.objects.filter(check_run=check).aggregate(**_COUNTS))


def bulk_check_list() -> QuerySet[BulkCheck]:
    """Every check, newest first, with its counts annotated."""
    return (
        BulkCheck.objects.select_related("police_import", "created_by")
        .annotate(
            n_matches=Count("matches"),
            n_unreviewed=Count("matches", filter=Q(matches__status=BulkMatchStatus.PENDING)),
            n_new=Count(
                "matches",
                filter=Q(
                    matches__status=BulkMatchStatus.CONFIRMED, matches__previously_known=False
                ),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def access_bulk_check(user, pk) -> BulkCheck:
    try:
        return BulkCheck.objects.select_related("police_import", "created_by").get(pk=pk)
    except (BulkCheck.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such bulk check") from exc


def match_visible_queryset(user) -> QuerySet[BulkCheckMatch]:
    return BulkCheckMatch.objects.filter(person__in=person_visible_queryset(user).values("pk"))


def bulk_matches(user, check: BulkCheck, *, status: str = "") -> QuerySet[BulkCheckMatch]:
    qs = (
        match_visible_queryset(user)
        .filter(check_run=check)
        .select_related("person", "police_record", "decided_by", "task", "owner_task")
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-match_probability", "pk")


def access_bulk_match(user, pk) -> BulkCheckMatch:
    """One match, or 404 if missing or its person is hidden from the user."""
    try:
        return (
            match_visible_queryset(user)
            .select_related(
                "check_run",
                "person",
                "person__owning_team",
                "person__case_owner",
                "police_record",
                "decided_by",
                "task",
                "owner_task",
            )
            .get(pk=pk)
        )
    except (BulkCheckMatch.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such bulk-check match") from exc


def new_criminality(user, *, check: BulkCheck | None = None) -> QuerySet[BulkCheckMatch]:
    """The reviewed list: confirmed matches whose person's record showed no criminality."""
    qs = match_visible_queryset(user).filter(
        status=BulkMatchStatus.CONFIRMED, previously_known=False
    )
    if check is not None:
        qs = qs.filter(check_run=check)
    return qs.select_related(
        "check_run", "person", "person__owning_team", "police_record", "decided_by", "owner_task"
    ).order_by("-decided_at", "pk")


def police_imports_completed() -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(
        source_kind=SourceKind.POLICE, status=ImportStatus.COMPLETED
    ).order_by("-finished_at", "-pk")


def next_pending(user, match: BulkCheckMatch) -> BulkCheckMatch | None:
    """The next match of the same check still waiting for review."""
    return (
        match_visible_queryset(user)
        .filter(check_run_id=match.check_run_id, status=BulkMatchStatus.PENDING)
        .exclude(pk=match.pk)
        .order_by("-match_probability", "pk")
        .first()
    )
