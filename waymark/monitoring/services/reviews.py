"""The 3-monthly EM review (000 §5.17): scheduling, the decision on each head and HEO sign-off
of a cease or vary outcome."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from waymark.accounts.rules import grade_at_least
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring import rules
from waymark.monitoring.models import (
    Condition,
    ConditionStatus,
    Review,
    ReviewOutcome,
    ReviewStatus,
)
from waymark.monitoring.permissions import (
    MANAGE_EM,
)
from waymark.monitoring.services._common import (
    _record,
    _require,
    _required_text,
    _task_close,
)
from waymark.monitoring.workflows import (
    CONDITION,
    REVIEW,
)
from waymark.work import services as work


def next_review_due(condition: Condition) -> date | None:
    last = condition.reviews.order_by("-due_on").first()
    base = (
        last.due_on
        if last
        else (condition.fitted_at.astimezone(LONDON).date() if condition.fitted_at else None)
    )
    return None if base is None else base + relativedelta(months=rules.REVIEW_INTERVAL_MONTHS)


def reviews_schedule(*, today: date | None = None) -> int:
    """Sweep: every active condition has its next 3-monthly review scheduled once it is within the
    lead time (000 §5.17). The unique (condition, due date) constraint makes a rerun harmless."""
    today = today or clock.today()
    created = 0
    active = (
        Condition.objects.filter(status=ConditionStatus.ACTIVE, fitted_at__isnull=False)
        .exclude(reviews__status__in=[ReviewStatus.DUE, ReviewStatus.AWAITING_SIGN_OFF])
        .select_related("person")
    )
    for condition in active.iterator(chunk_size=500):
        due_on = next_review_due(condition)
        if due_on is None or due_on - timedelta(days=rules.REVIEW_LEAD_DAYS) > today:
            continue
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    person=condition.person,
                    condition=condition,
                    due_on=due_on,
                    created_at=clock.now(),
                )
                start = datetime.combine(due_on, time(17, 0), tzinfo=LONDON)
                review.task = work.task_create(
                    actor=None,
                    task_type=rules.TASK_REVIEW,
                    title=f"EM review: {condition.person.full_name}",
                    person=condition.person,
                    subject=review,
                    start=start,
                    dedupe_key=f"em-review-{review.pk}",
                )
                review.save(update_fields=["task"])
                audit_record(
                    actor=None,
                    action=AuditAction.COLLECTION,
                    verb="em.review_scheduled",
                    target=review,
                    person_id=review.person_id,
                    payload={"new": {"due_on": due_on.isoformat()}},
                )
                created += 1
        except IntegrityError:
            continue
    return created


def review_decide(
    *,
    actor: Actor,
    review: Review,
    outcome: str,
    reasons_vulnerability: str,
    reasons_medical: str,
    reasons_convention_rights: str,
    reasons_harm: str,
) -> Review:
    """Record the review's outcome with reasons on each head. Continue completes it; cease or vary
    completes only with HEO sign-off (000 §3.11, §5.77), at once if the decider is HEO or above."""
    _require(actor, MANAGE_EM, "record an EM review")
    errors: dict[str, str] = {}
    if review.status != ReviewStatus.DUE:
        errors["outcome"] = "This review has already been decided"
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "Select the outcome of the review"
    texts = {
        "reasons_vulnerability": (
            reasons_vulnerability,
            "Enter your consideration of vulnerability",
        ),
        "reasons_medical": (reasons_medical, "Enter your consideration of medical evidence"),
        "reasons_convention_rights": (
            reasons_convention_rights,
            "Enter your consideration of Convention rights",
        ),
        "reasons_harm": (reasons_harm, "Enter your consideration of harm"),
    }
    clean = {
        field: _required_text(errors, field, value, message)
        for field, (value, message) in texts.items()
    }
    if errors:
        raise ValidationError(errors)
    needs_sign_off = outcome != ReviewOutcome.CONTINUE
    with transaction.atomic():
        # Decided once: two people deciding at once are taken one after the other (the review's
        # row lock) and the second is told it is decided rather than overwriting the first.
        if Review.objects.select_for_update().get(pk=review.pk).status != ReviewStatus.DUE:
            raise ValidationError({"outcome": "This review has already been decided"})
        for field, value in clean.items():
            setattr(review, field, value)
        review.outcome, review.decided_by, review.decided_at = outcome, actor, clock.now()
        REVIEW.move(
            review, ReviewStatus.AWAITING_SIGN_OFF if needs_sign_off else ReviewStatus.COMPLETED
        )
        review.save()
        _task_close(
            actor=actor, task=review.task, outcome="decided", note=review.get_outcome_display()
        )
        _record(
            actor=actor,
            verb="em.review_decided",
            target=review,
            person=review.person,
            summary=f"EM review: {review.get_outcome_display()}",
            new={"outcome": outcome, **clean},
            action=AuditAction.ALTERATION,
        )
        if needs_sign_off:
            if grade_at_least(actor, rules.SIGN_OFF_GRADE):
                review_sign_off(
                    actor=actor, review=review, agree=True, note="Decided at HEO or above"
                )
            else:
                work.task_create(
                    actor=actor,
                    task_type=rules.TASK_REVIEW_SIGN_OFF,
                    title=f"Sign off EM review: {review.person.full_name}",
                    person=review.person,
                    subject=review,
                    dedupe_key=f"em-review-sign-off-{review.pk}",
                )
    return review


def review_sign_off(*, actor: Actor, review: Review, agree: bool, note: str = "") -> Review:
    """HEO sign-off of a cease or vary outcome (000 §3.11, §5.77). Disagreeing returns it as due."""
    if not grade_at_least(actor, rules.SIGN_OFF_GRADE):
        raise PermissionDenied(
            f"Ceasing or varying EM needs sign-off by a {rules.SIGN_OFF_GRADE.label} or above"
        )
    _require(actor, MANAGE_EM, "sign off an EM review")
    if review.status != ReviewStatus.AWAITING_SIGN_OFF:
        raise ValidationError("This review is not awaiting sign-off")
    if not agree and not (note or "").strip():
        raise ValidationError({"note": "Say why you do not agree"})
    with transaction.atomic():
        # Signed off once: a second sign-off at the same moment waits for the first (the review's
        # row lock) and is refused rather than applying the outcome again.
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewStatus.AWAITING_SIGN_OFF:
            raise ValidationError("This review is not awaiting sign-off")
        work.tasks_close_for(
            actor=actor,
            subject=review,
            task_types=[rules.TASK_REVIEW_SIGN_OFF],
            outcome="signed_off" if agree else "returned",
            note=note,
        )
        if not agree:
            REVIEW.move(review, ReviewStatus.DUE)
            review.outcome = ""
            review.save(update_fields=["status", "outcome"])
            _record(
                actor=actor,
                verb="em.review_returned",
                target=review,
                person=review.person,
                summary="EM review returned at sign-off",
                new={"note": note},
                action=AuditAction.ALTERATION,
            )
            return review
        REVIEW.move(review, ReviewStatus.COMPLETED)
        review.signed_off_by, review.signed_off_at = actor, clock.now()
        review.save(update_fields=["status", "signed_off_by", "signed_off_at"])
        condition = review.condition
        if review.outcome == ReviewOutcome.CEASE:
            CONDITION.move(condition, ConditionStatus.CEASED)
            condition.ended_at = clock.now()
            condition.end_reason = f"Ceased at review {review.pk}"
            condition.save(update_fields=["status", "ended_at", "end_reason"])
        elif review.outcome == ReviewOutcome.VARY_CURFEW_REMOVED:
            condition.curfew_days, condition.curfew_start, condition.curfew_end = [], None, None
            condition.save(update_fields=["curfew_days", "curfew_start", "curfew_end"])
        _record(
            actor=actor,
            verb="em.review_signed_off",
            target=review,
            person=review.person,
            summary=f"EM review signed off: {review.get_outcome_display()}",
            new={"outcome": review.outcome},
            action=AuditAction.ALTERATION,
        )
    return review
