"""Writes for fairness and safeguarding monitoring: "explain or reform" items (issue 20 item 5;
oversight.md §6: "a flagged disparity gets an owner and an answer").

An item is opened for a disparity the figures flag *now* (recomputed here, never trusted from the
form): a group below the small-group threshold is refused, as is a group whose disparity is not
flagged, and a second live item for the same decision point, dimension and group. Each service is
keyword-only, takes ``actor``, checks permission, validates, writes in one transaction and audits.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import AnswerKind, DisparityReview, DisparityReviewStatus
from waymark.oversight.selectors.fairness import (
    DIMENSIONS,
    fairness_group_figure,
    may_see_protected,
)
from waymark.oversight.workflows import DISPARITY_REVIEW_WORKFLOW

S = DisparityReviewStatus


def _require(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


def _text(value: str, field: str, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Enter {label}"})
    if len(value) > rules.DISPARITY_ANSWER_MAX_CHARS:
        raise ValidationError(
            {field: f"Keep it to {rules.DISPARITY_ANSWER_MAX_CHARS:,} characters or fewer"}
        )
    return value


def _snapshot(review: DisparityReview) -> dict:
    return {
        "status": review.status,
        "owner": review.owner_id,
        "due_on": review.due_on.isoformat(),
        "answer_kind": review.answer_kind,
    }


def _dimension_protected(key: str) -> bool:
    dimension = DIMENSIONS.get(key)
    return bool(dimension is not None and dimension.protected)


def disparity_review_open(
    *,
    actor: Actor,
    point_key: str,
    dimension_key: str,
    group: str,
    start: date,
    end: date,
    owner,
    due_on: date | None = None,
    note: str = "",
) -> DisparityReview:
    """Open an explain-or-reform item for a flagged disparity, owned by ``owner`` and due on
    ``due_on`` (by default ``rules.DISPARITY_REVIEW_DUE_DAYS`` from today)."""
    _require(actor, perms.MANAGE_DISPARITY_REVIEWS, "open explain-or-reform items")
    if owner is None or not owner.is_active or not owner.has_perm(perms.VIEW_FAIRNESS):
        raise ValidationError({"owner": "Choose an owner who can see the fairness figures"})
    if _dimension_protected(dimension_key) and not may_see_protected(owner):
        raise ValidationError(
            {"owner": "Choose an owner who may see protected characteristics: this item names one"}
        )
    today = clock.today()
    due_on = due_on or today + timedelta(days=rules.DISPARITY_REVIEW_DUE_DAYS)
    if due_on < today:
        raise ValidationError({"due_on": "The due date must be today or later"})
    note = _text(note, "note", "a note", required=False)
    figure, table = fairness_group_figure(
        actor=actor,
        point_key=point_key,
        dimension_key=dimension_key,
        group=group,
        start=start,
        end=end,
    )
    if not figure.flagged or table.reference is None:
        raise ValidationError(
            {
                "group": "This group's figures are not a flagged disparity: an item is opened "
                "only when the ratio is outside the fair band and its interval excludes 1"
            }
        )
    if figure.review is not None:
        raise ValidationError({"group": "An explain-or-reform item is already open for this group"})
    ref = table.reference
    try:
        with transaction.atomic():
            review = DisparityReview.objects.create(
                decision_point=table.point.key,
                decision_point_label=table.point.label,
                dimension=table.dimension.key,
                group=figure.key,
                reference_group=ref.key,
                period_start=start,
                period_end=end,
                group_count=figure.count or 0,
                group_outcomes=figure.outcomes or 0,
                reference_count=ref.count or 0,
                reference_outcomes=ref.outcomes or 0,
                ratio=figure.ratio or 0.0,
                ci_low=figure.ci_low or 0.0,
                ci_high=figure.ci_high or 0.0,
                owner=owner,
                due_on=due_on,
                opened_at=clock.now(),
                opened_by=actor if getattr(actor, "is_authenticated", False) else None,
                note=note,
            )
            audit_record(
                actor=actor,
                action=AuditAction.COLLECTION,
                verb="oversight.disparity_review_opened",
                target=review,
                payload={
                    "new": {
                        **_snapshot(review),
                        "decision_point": review.decision_point,
                        "dimension": review.dimension,
                        "ratio": round(review.ratio, 4),
                        "ci": [round(review.ci_low, 4), round(review.ci_high, 4)],
                    }
                },
            )
            _task_for(actor=actor, review=review)
    except IntegrityError as exc:  # a concurrent open of the same item
        raise ValidationError(
            {"group": "An explain-or-reform item is already open for this group"}
        ) from exc
    return review


def _task_for(*, actor: Actor, review: DisparityReview) -> None:
    """The item as a task on its owner's queue (their first team's fairness queue), assigned to
    them and due at the end of the due date; none when the owner belongs to no team."""
    from waymark.work import services as work

    team = review.owner.teams.order_by("pk").first()
    if team is None:
        return
    work.task_create(
        actor=actor,
        task_type=rules.DISPARITY_REVIEW_TASK_TYPE,
        title=f"Explain or reform: {review.decision_point_label}, {review.dimension} "
        f"{review.group or 'not recorded'}"[:300],
        subject=review,
        queue=work.queue_for(team=team, kind=rules.DISPARITY_REVIEW_QUEUE_KIND),
        start=datetime.combine(review.due_on, time(17, 0), tzinfo=clock.LONDON),
        dedupe_key=f"oversight.disparity_review:{review.pk}",
        assignee=review.owner,
    )


def disparity_review_answer(
    *, actor: Actor, review: DisparityReview, answer_kind: str, answer: str
) -> DisparityReview:
    """The owner records an explanation or a reform."""
    if not perms.may_answer_disparity_review(actor, review):
        raise PermissionDenied("Only the item's owner, or someone who manages the items, answers")
    if answer_kind not in AnswerKind.values:
        raise ValidationError({"answer_kind": "Choose explain or reform"})
    answer = _text(answer, "answer", "the answer")
    with transaction.atomic():
        review = DisparityReview.objects.select_for_update().get(pk=review.pk)
        if review.status != S.OPEN:
            raise ValidationError("This item has been answered already")
        old = _snapshot(review)
        review.answer_kind, review.answer = answer_kind, answer
        review.answered_at, review.answered_by = clock.now(), actor
        review.returned_reason = ""
        DISPARITY_REVIEW_WORKFLOW.move(review, S.ANSWERED)
        review.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.disparity_review_answered",
            target=review,
            payload={"old": old, "new": _snapshot(review)},
        )
    return review


def disparity_review_close(*, actor: Actor, review: DisparityReview) -> DisparityReview:
    """Accept the answer: someone who manages the items and does not own this one."""
    _require(actor, perms.MANAGE_DISPARITY_REVIEWS, "accept explain-or-reform answers")
    if actor is not None and review.owner_id == actor.pk:
        raise ValidationError("You own this item: someone other than its owner accepts the answer")
    with transaction.atomic():
        review = DisparityReview.objects.select_for_update().get(pk=review.pk)
        if review.status != S.ANSWERED:
            raise ValidationError("Only an answered item can be closed")
        old = _snapshot(review)
        review.closed_at, review.closed_by = clock.now(), actor
        DISPARITY_REVIEW_WORKFLOW.move(review, S.CLOSED)
        review.save()
        from waymark.work import services as work

        work.tasks_close_for(
            actor=actor,
            subject=review,
            task_types=[rules.DISPARITY_REVIEW_TASK_TYPE],
            outcome="answer accepted",
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.disparity_review_closed",
            target=review,
            payload={"old": old, "new": _snapshot(review)},
        )
    return review


def disparity_review_return(
    *, actor: Actor, review: DisparityReview, reason: str
) -> DisparityReview:
    """Send the answer back to the owner, with a reason."""
    _require(actor, perms.MANAGE_DISPARITY_REVIEWS, "send explain-or-reform answers back")
    reason = _text(reason, "reason", "why the answer is sent back")
    with transaction.atomic():
        review = DisparityReview.objects.select_for_update().get(pk=review.pk)
        if review.status != S.ANSWERED:
            raise ValidationError("Only an answered item can be sent back")
        old = _snapshot(review)
        review.returned_reason = reason
        DISPARITY_REVIEW_WORKFLOW.move(review, S.OPEN)
        review.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.disparity_review_returned",
            target=review,
            payload={"old": old, "new": _snapshot(review), "reason": reason},
        )
    return review


def _sweep_owner(*, protected: bool = False):
    """Who owns the items the sweep opens: the user named in ``rules.DISPARITY_SWEEP_OWNER``, or
    else the longest-standing active person who manages the items and belongs to a team (so the
    item reaches a queue); for a protected characteristic's item, only someone who may see
    protected characteristics. None when there is nobody."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    def fits(user) -> bool:
        return not protected or may_see_protected(user)

    users = get_user_model().objects.filter(is_active=True, is_machine=False)
    if rules.DISPARITY_SWEEP_OWNER:
        named = users.filter(username=rules.DISPARITY_SWEEP_OWNER).first()
        if named is not None and named.has_perm(perms.VIEW_FAIRNESS) and fits(named):
            return named
    candidates = (
        users.filter(teams__isnull=False)
        .filter(
            Q(
                groups__permissions__codename="manage_disparity_reviews",
                groups__permissions__content_type__app_label="oversight",
            )
            | Q(
                user_permissions__codename="manage_disparity_reviews",
                user_permissions__content_type__app_label="oversight",
            )
        )
        .distinct()
        .order_by("pk")
    )
    return next(
        (u for u in candidates if u.has_perm(perms.MANAGE_DISPARITY_REVIEWS) and fits(u)), None
    )


def disparity_review_sweep() -> dict[str, int]:
    """The ``oversight.disparity_reviews`` sweep: recompute the flags of every decision point by
    every dimension, over the default period (``rules.FAIRNESS_DEFAULT_PERIOD_MONTHS``), and open
    an item, by the system, for each flagged group that has no live item and none closed within
    ``rules.DISPARITY_SWEEP_QUIET_DAYS``. Idempotent: the service allows one live item per
    decision point, dimension and group.

    A protected characteristic's item goes only to an owner who may see protected
    characteristics (none: counted as ``no_owner``, nothing opened); the sweep reads them from the
    fairness read model, whose rebuild by the system is the audited read."""
    from waymark.oversight.selectors.fairness import (
        fairness_dimensions_of,
        fairness_points,
        fairness_table,
        period_for,
    )

    months = rules.FAIRNESS_DEFAULT_PERIOD_MONTHS
    start, end = period_for(months)
    quiet_since = clock.now() - timedelta(days=rules.DISPARITY_SWEEP_QUIET_DAYS)
    result = {"flagged": 0, "opened": 0, "already_live": 0, "recently_closed": 0, "no_owner": 0}
    owners = {False: _sweep_owner(), True: _sweep_owner(protected=True)}
    for point in fairness_points():
        for dimension in fairness_dimensions_of(point):
            owner = owners[bool(dimension.protected)]
            table = fairness_table(
                actor=None,
                point_key=point.key,
                dimension_key=dimension.key,
                start=start,
                end=end,
                months=months,
            )
            for group in table.flagged:
                result["flagged"] += 1
                if group.review is not None:
                    result["already_live"] += 1
                    continue
                if DisparityReview.objects.filter(
                    decision_point=point.key,
                    dimension=dimension.key,
                    group=group.key,
                    status=S.CLOSED,
                    closed_at__gte=quiet_since,
                ).exists():
                    result["recently_closed"] += 1
                    continue
                if owner is None:
                    result["no_owner"] += 1
                    continue
                try:
                    with transaction.atomic():
                        disparity_review_open(
                            actor=None,
                            point_key=point.key,
                            dimension_key=dimension.key,
                            group=group.key,
                            start=start,
                            end=end,
                            owner=owner,
                            note="Opened by the daily fairness sweep: this disparity is flagged "
                            f"over the last {months} months.",
                        )
                except ValidationError:  # no longer flagged when recomputed, or opened meanwhile
                    continue
                result["opened"] += 1
    return result
