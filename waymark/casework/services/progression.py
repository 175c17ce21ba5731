"""Case progression (brief casework.md §4): three-monthly case reviews and the eight weeks of case
preparation for removal."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat

from waymark.accounts.models import Grade, User
from waymark.accounts.rules import grade_at_least
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import Case, CasePreparation, CaseReview
from waymark.casework.services._common import (
    _close_tasks,
    _owner_work,
    _raise,
    _record,
    _require,
    _text,
    _user,
)
from waymark.casework.workflows import CaseStatus
from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.types import Actor
from waymark.people.models import Person
from waymark.people.services import people_lock
from waymark.work.selectors import tasks_for

REVIEW_TASK_PREFIX = "casework.review:"


def reviews_schedule(*, today: date | None = None) -> int:
    """Every open, non-detained case has one scheduled review (001 §7.6). Idempotent."""
    today = today or clock.today()
    open_review = CaseReview.objects.filter(
        person_id=OuterRef("person_id"), completed_at__isnull=True
    )
    missing = (
        Case.objects.filter(status=CaseStatus.OPEN)
        .exclude(Exists(open_review))
        .values_list("pk", "person_id", "next_review_due", "opened_at")
    )
    rows = [
        CaseReview(
            person_id=person_id,
            due_on=due or rules.next_review_due(opened.astimezone(LONDON).date()),
        )
        for _pk, person_id, due, opened in missing
    ]
    CaseReview.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    _review_tasks(today)
    return len(rows)


def _review_tasks(today: date) -> int:
    """Owner work for each review due within the lead time (one task per review, never two)."""
    created = 0
    review_task = tasks_for(dedupe_prefix=REVIEW_TASK_PREFIX, active=False).filter(
        dedupe_key=Concat(Value(REVIEW_TASK_PREFIX), Cast(OuterRef("pk"), CharField()))
    )
    soon = (
        CaseReview.objects.filter(
            completed_at__isnull=True,
            due_on__lte=today + timedelta(days=rules.REVIEW_TASK_LEAD_DAYS),
        )
        .exclude(Exists(review_task))
        .select_related("person", "person__owning_team")
    )
    for review in soon.iterator(chunk_size=500):
        if review.person.owning_team_id is None:
            continue
        start = datetime.combine(
            review.due_on - timedelta(days=rules.REVIEW_TASK_LEAD_DAYS), time(9), tzinfo=LONDON
        )
        _owner_work(
            actor=None,
            person=review.person,
            task_type=rules.TASK_CASE_REVIEW,
            title=f"Three-monthly case review due {review.due_on:%d %b %Y}: {review.person.full_name}",
            start=start,
            dedupe_key=f"{REVIEW_TASK_PREFIX}{review.pk}",
        )
        created += 1
    return created


def case_review_complete(
    *, actor: Actor, review: CaseReview, summary: str, next_action: str
) -> CaseReview:
    _require(actor, perms.MANAGE_CASEWORK, "review cases")
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary, "Summarise the review")
    next_action = _text(errors, "next_action", next_action, "Enter the next action on the case")
    if review.completed_at is not None:
        errors["summary"] = "This review was already completed"
    _raise(errors)
    today = clock.today()
    with transaction.atomic():
        # Completed once: a second completion at the same moment waits for the first (the row
        # lock) and is refused rather than failing in the database on the next review.
        if CaseReview.objects.select_for_update().get(pk=review.pk).completed_at is not None:
            raise ValidationError({"summary": "This review was already completed"})
        review.completed_at, review.completed_by = clock.now(), _user(actor)
        review.summary, review.next_action = summary, next_action
        review.save()
        nxt = CaseReview.objects.create(person=review.person, due_on=rules.next_review_due(today))
        Case.objects.filter(person=review.person).update(
            next_review_due=nxt.due_on, updated_at=clock.now()
        )
        _record(
            actor=actor,
            verb="casework.case_reviewed",
            target=review,
            person=review.person,
            summary=f"Case reviewed{' (overdue)' if today > review.due_on else ''}: {summary[:200]}. "
            f"Next review due {nxt.due_on:%d %b %Y}",
            new={"due_on": review.due_on, "next_due": nxt.due_on, "next_action": next_action},
        )
        _close_tasks(actor=actor, prefix=f"{REVIEW_TASK_PREFIX}{review.pk}", outcome="reviewed")
    return review


def _refuse_if_preparing(person: Person) -> None:
    if CasePreparation.objects.filter(person=person, finalised_on__isnull=True).exists():
        raise ValidationError({"caseworker": "This case is already being prepared"})


def case_preparation_start(
    *, actor: User, person: Person, caseworker: User | None = None, started_on: date | None = None
) -> CasePreparation:
    _require(actor, perms.MANAGE_CASEWORK, "prepare cases")
    started_on = started_on or clock.today()
    caseworker = caseworker or actor
    _refuse_if_preparing(person)
    with transaction.atomic():
        # One preparation at a time: a second start at the same moment waits for the first (the
        # person's lock) and is refused, rather than failing on the unique key.
        people_lock([person.pk])
        _refuse_if_preparing(person)
        prep = CasePreparation.objects.create(
            person=person,
            caseworker=caseworker,
            started_on=started_on,
            initial_due_on=started_on + timedelta(weeks=rules.CASE_PREP_INITIAL_WEEKS),
            finalise_due_on=started_on + timedelta(weeks=rules.CASE_PREP_TOTAL_WEEKS),
        )
        _record(
            actor=actor,
            verb="casework.preparation_started",
            target=prep,
            person=person,
            summary=f"Case preparation started by {caseworker.display_name}: initial preparation due "
            f"{prep.initial_due_on:%d %b}, finalised by {prep.finalise_due_on:%d %b %Y}",
            new={"caseworker": caseworker.pk, "finalise_due_on": prep.finalise_due_on},
        )
        _owner_work(
            actor=actor,
            person=person,
            task_type=rules.TASK_CASE_PREPARATION,
            title=f"Prepare the case for removal: {person.full_name}",
            description=f"Initial preparation by {prep.initial_due_on:%d %b %Y}; finalise with a senior "
            f"caseworker by {prep.finalise_due_on:%d %b %Y}",
            start=datetime.combine(started_on, time(9), tzinfo=LONDON),
            dedupe_key=f"casework.preparation:{prep.pk}",
            assignee=caseworker,
        )
    return prep


def case_preparation_initial_done(*, actor: Actor, prep: CasePreparation) -> CasePreparation:
    _require(actor, perms.MANAGE_CASEWORK, "prepare cases")
    if prep.initial_done_on:
        raise ValidationError({"prep": "Initial preparation was already recorded"})
    done_on = clock.today()
    with transaction.atomic():
        # Recorded once: a second at the same moment waits for the first (the row lock) and is
        # refused rather than recording it again.
        if CasePreparation.objects.select_for_update().get(pk=prep.pk).initial_done_on:
            raise ValidationError({"prep": "Initial preparation was already recorded"})
        prep.initial_done_on = done_on
        prep.save(update_fields=["initial_done_on"])
        _record(
            actor=actor,
            verb="casework.preparation_initial_done",
            target=prep,
            person=prep.person,
            summary="Initial case preparation done"
            + (" (late)" if done_on > prep.initial_due_on else ""),
        )
    return prep


def case_preparation_finalise(
    *, actor: Actor, prep: CasePreparation, senior: User | None
) -> CasePreparation:
    """Finalised with a senior caseworker (HEO or above, not the caseworker)."""
    _require(actor, perms.MANAGE_CASEWORK, "prepare cases")
    errors: dict[str, str] = {}
    if prep.initial_done_on is None:
        errors["senior"] = "Record the initial preparation first"
    if prep.finalised_on:
        errors["senior"] = "This preparation was already finalised"
    if senior is None or not grade_at_least(senior, Grade.HEO) or senior.pk == prep.caseworker_id:
        errors["senior"] = "Select a senior caseworker (HEO or above) other than the caseworker"
    _raise(errors)
    assert senior is not None  # refused above when missing
    with transaction.atomic():
        # Finalised once: a second at the same moment waits for the first (the row lock) and is
        # refused rather than overwriting the senior caseworker.
        if CasePreparation.objects.select_for_update().get(pk=prep.pk).finalised_on:
            raise ValidationError({"senior": "This preparation was already finalised"})
        prep.finalised_on, prep.senior = clock.today(), senior
        prep.save(update_fields=["finalised_on", "senior"])
        _close_tasks(actor=actor, prefix=f"casework.preparation:{prep.pk}", outcome="finalised")
        _record(
            actor=actor,
            verb="casework.preparation_finalised",
            target=prep,
            person=prep.person,
            summary=f"Case preparation finalised with {senior.display_name} in {prep.days_taken} "
            f"days (target {rules.CASE_PREP_TOTAL_WEEKS * 7})",
            new={"days": prep.days_taken},
        )
    return prep
