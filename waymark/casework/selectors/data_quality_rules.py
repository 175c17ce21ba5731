"""Criminal casework's data-quality rules (issue 20 item 4), the lists casework's data-quality
page already shows (``selectors.caseload.data_quality``) measured across every record, through
the same selectors with no user (every record): registered in
``registrations.register_oversight_feeds``; oversight never imports this module."""

from __future__ import annotations

from django.db.models import Count, Q

from waymark.casework.models import (
    Case,
    CaseReview,
    CaseStatus,
    RemovalDirection,
    RemovalStatus,
    ReportingEvent,
)
from waymark.casework.selectors.barriers import barriers_open
from waymark.casework.selectors.reporting import events_missing_outcome
from waymark.core import clock
from waymark.core.data_quality import DataQualityCheck, check_querysets


def ownership_unclear_check() -> DataQualityCheck:
    """Open cases: an owning team and a named case owner are recorded (completeness)."""
    cases = Case.objects.filter(status=CaseStatus.OPEN)
    return check_querysets(
        cases,
        cases.filter(Q(person__owning_team__isnull=True) | Q(person__case_owner__isnull=True)),
        kind="case",
        label="No owning team or case owner on the case",
    )


def outcome_missing_check() -> DataQualityCheck:
    """Past reporting events: an outcome is recorded (timeliness)."""
    past = ReportingEvent.objects.filter(cancelled=False, due_on__lt=clock.today())
    return check_querysets(
        past,
        events_missing_outcome(None),
        kind="reporting-event",
        label="Reporting event with no outcome",
    )


def barrier_no_owner_check() -> DataQualityCheck:
    """Open barriers to removal: an owner is named (completeness)."""
    return check_querysets(
        barriers_open(None),
        barriers_open(None).filter(owner__isnull=True),
        kind="barrier",
        label="Barrier to removal with no owner",
    )


def review_overdue_check() -> DataQualityCheck:
    """Case reviews due before today: completed (timeliness)."""
    due = CaseReview.objects.filter(due_on__lt=clock.today())
    return check_querysets(
        due, due.filter(completed_at__isnull=True), kind="case-review", label="Case review overdue"
    )


def removal_directions_unique_check() -> DataQualityCheck:
    """Planned removal directions: at most one per person (uniqueness)."""
    planned = RemovalDirection.objects.filter(status=RemovalStatus.PLANNED)
    doubled = (
        planned.values("person_id").annotate(n=Count("pk")).filter(n__gt=1).values("person_id")
    )
    return check_querysets(
        planned,
        planned.filter(person_id__in=doubled),
        kind="removal-direction",
        label="More than one planned removal direction",
    )
