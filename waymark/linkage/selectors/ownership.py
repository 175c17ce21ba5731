"""Reads for the ownership clean-up page: the people still to be decided, the Figure 3 counts and
the brief's invariant (every linked person has an owner or an open 'ownership to be decided'
task). The clean-up itself is ``services.ownership``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import QuerySet

from waymark.linkage.models import OwnershipCategory, OwnershipFinding, SourceRecord
from waymark.people.models import Person, RecordStatus

Cat = OwnershipCategory

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


def linked_people(person_ids: Iterable[int] | None = None) -> QuerySet[Person]:
    """Active people with at least one source record."""
    qs = Person.objects.filter(
        record_status=RecordStatus.ACTIVE,
        pk__in=SourceRecord.objects.filter(person__isnull=False).values("person_id"),
    )
    if person_ids is not None:
        qs = qs.filter(pk__in=list(person_ids))
    return qs.select_related("owning_team").order_by("pk")


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
