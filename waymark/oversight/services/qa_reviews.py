"""Quality-assurance reviews (issue 20 item 1): first- and second-line reviews, feedback to the
person and their managers, learning items and corrective tasks, disputes decided and kept, and
team observations (003 §7.46). Re-exported by ``services.qa``."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from waymark.core import assurance, clock
from waymark.core.notifications import notify
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    ChecklistQuestion,
    LearningItem,
    QAAnswer,
    QADispute,
    QAReview,
    ReviewLine,
    SampleItem,
    TeamObservation,
)
from waymark.oversight.registrations import QA_TASK_CORRECT, QA_TASK_DISPUTE, QA_TASK_REVIEW
from waymark.oversight.selectors import qa as sel
from waymark.oversight.services.qa_common import TEXT_MAX, _audit, _require
from waymark.oversight.workflows import LEARNING_WORKFLOW
from waymark.work import services as work

# ------------------------------------------------------------------------------------------------
# Reviews, feedback, learning items and corrective tasks


def _managers(item: SampleItem):
    if item.team_id is None:
        return []
    return list(
        get_user_model()
        .objects.filter(teams=item.team_id, groups__name="line_manager", is_active=True)
        .exclude(pk=item.worker_id or 0)
        .distinct()
    )


def review_record(
    *,
    actor,
    item: SampleItem,
    line: str,
    answers: dict[int, dict],
    feedback: str = "",
    corrective_action: str = "",
) -> QAReview:
    """Record a first- or second-line review. ``answers``: question id -> {"rating",
    "reason_codes", "note"}; every question of the kind's current checklist is answered."""
    if line == ReviewLine.FIRST:
        _require(actor, perms.QA_FIRST_LINE, "review work as a line manager")
    elif line == ReviewLine.SECOND:
        _require(actor, perms.QA_SECOND_LINE, "review work for the assurance team")
    else:
        raise ValidationError({"line": "Choose first-line or second-line review"})
    if item.worker_id is not None and item.worker_id == actor.pk:
        raise PermissionDenied("You cannot review work you did yourself")
    if (
        line == ReviewLine.FIRST
        and item.team_id is not None
        and not actor.teams.filter(pk=item.team_id).exists()
    ):
        raise PermissionDenied(
            "A first-line review is by a line manager of the team whose work it is"
        )
    checklist = sel.current_checklist(item.kind_key)
    if checklist is None:
        raise ValidationError("There is no checklist for this kind of work yet")
    errors: dict[str, str] = {}
    if QAReview.objects.filter(item=item, line=line).exists():
        errors["line"] = "This work already has a review at this line"
    questions = list(checklist.questions.all())
    cleaned: list[tuple[ChecklistQuestion, str, list[str], str]] = []
    for q in questions:
        given = answers.get(q.pk) or {}
        rating = given.get("rating", "")
        codes = list(dict.fromkeys(given.get("reason_codes") or []))
        note = (given.get("note") or "").strip()[:TEXT_MAX]
        field = f"q{q.pk}"
        if rating not in rules.QA_RATINGS:
            errors[field] = f"Rate '{q.text}' red, amber or green"
        elif any(c not in q.reason_labels for c in codes):
            errors[field] = "Choose reasons from the list"
        elif rating != "green" and not codes:
            errors[field] = f"Give a reason for the {rating} rating of '{q.text}'"
        cleaned.append((q, rating, codes if rating != "green" else [], note))
    feedback = (feedback or "").strip()[:TEXT_MAX]
    corrective_action = (corrective_action or "").strip()[:TEXT_MAX]
    if errors:
        raise ValidationError(errors)
    overall = rules.qa_rating_overall([r for _, r, _, _ in cleaned])
    if overall == "green" and corrective_action:
        raise ValidationError(
            {"corrective_action": "A corrective task needs a red or amber rating"}
        )
    score = rules.qa_score([(q.weight, r) for q, r, _, _ in cleaned])
    now = clock.now()
    with transaction.atomic():
        # Reviewed once a line: a second review of the same work at the same moment (two
        # reviewers, a double submission) waits for the first (the item's row lock) and is
        # refused rather than failing on the one-review-a-line constraint.
        SampleItem.objects.select_for_update().filter(pk=item.pk).exists()
        if QAReview.objects.filter(item=item, line=line).exists():
            raise ValidationError({"line": "This work already has a review at this line"})
        review = QAReview.objects.create(
            item=item,
            line=line,
            checklist=checklist,
            reviewer=actor,
            reviewed_at=now,
            rating=overall,
            final_rating=overall,
            score=score,
            feedback=feedback,
            corrective_action=corrective_action,
        )
        QAAnswer.objects.bulk_create(
            QAAnswer(review=review, question=q, rating=r, reason_codes=c, note=n)
            for q, r, c, n in cleaned
        )
        if item.worker_id is not None:
            LearningItem.objects.bulk_create(
                LearningItem(
                    user_id=item.worker_id,
                    review=review,
                    question=q,
                    reason_codes=c,
                    text=f"{q.text} — {', '.join(q.reason_labels[x] for x in c)}"[:500],
                    created_at=now,
                )
                for q, r, c, _ in cleaned
                if r == "red"
            )
        if corrective_action:
            review.corrective_task_id = _corrective_task(actor, review).pk
            review.save(update_fields=["corrective_task_id"])
        work.tasks_close_for(
            actor=actor, subject=item, task_types=[QA_TASK_REVIEW], outcome="reviewed"
        )
        url = reverse("oversight:qa-review", args=[review.pk])
        label = assurance.work_kind_label(item.kind_key).lower()
        if item.worker_id is not None:
            notify(
                user=item.worker,
                text=f"Your {label} was reviewed: {overall}. Read the feedback.",
                url=url,
                kind="decision",
            )
        for manager in _managers(item):
            if manager.pk != actor.pk:
                notify(
                    user=manager,
                    text=f"A {label} by {item.worker} was reviewed: {overall}.",
                    url=url,
                    kind="decision",
                )
        _audit(
            actor=actor,
            verb="oversight.qa_reviewed",
            target=review,
            person_id=item.person_id,
            payload={
                "item": item.pk,
                "line": line,
                "checklist": checklist.pk,
                "rating": overall,
                "score": round(score, 4),
                "answers": {q.code: {"rating": r, "reasons": c} for q, r, c, _ in cleaned},
                "corrective_task": review.corrective_task_id,
            },
        )
    return review


def _corrective_task(actor, review: QAReview):
    from waymark.people.models import Person

    item = review.item
    team = item.team or getattr(actor, "primary_team", None)
    if team is None:
        raise ValidationError({"corrective_action": "The work has no team to give the task to"})
    queue = work.queue_for(team=team, kind="qa-correct", name=f"{team.name}: QA corrections")
    person = Person.objects.filter(pk=item.person_id).first() if item.person_id else None
    return work.task_create(
        actor=actor,
        task_type=QA_TASK_CORRECT,
        title=f"Put right: {assurance.work_kind_label(item.kind_key).lower()} number {item.item_id}",
        description=review.corrective_action,
        person=person,
        subject=review,
        queue=queue,
        assignee=item.worker,
        dedupe_key=f"oversight-qa-correct-{review.pk}",
    )


def dispute_raise(*, actor, review: QAReview, grounds: str) -> QADispute:
    """The reviewed person disputes a review (once, within QA_DISPUTE_DAYS)."""
    if actor is None or review.item.worker_id != actor.pk:
        raise PermissionDenied("Only the person whose work was reviewed may dispute the review")
    errors: dict[str, str] = {}
    grounds = (grounds or "").strip()
    if not grounds:
        errors["grounds"] = "Enter why you dispute the review"
    elif len(grounds) > TEXT_MAX:
        errors["grounds"] = f"Keep the grounds under {TEXT_MAX:,} characters"
    if QADispute.objects.filter(review=review).exists():
        errors["grounds"] = "This review has already been disputed"
    elif clock.now() - review.reviewed_at > timedelta(days=rules.QA_DISPUTE_DAYS):
        errors["grounds"] = f"A review may be disputed within {rules.QA_DISPUTE_DAYS} days"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Disputed once: a second dispute at the same moment waits for the first (the review's
        # row lock) and is refused rather than failing on the one-dispute constraint.
        QAReview.objects.select_for_update().get(pk=review.pk)
        if QADispute.objects.filter(review=review).exists():
            raise ValidationError({"grounds": "This review has already been disputed"})
        dispute = QADispute.objects.create(
            review=review, raised_by=actor, raised_at=clock.now(), grounds=grounds
        )
        team = review.reviewer.primary_team or actor.primary_team
        if team is not None:
            work.task_create(
                actor=actor,
                task_type=QA_TASK_DISPUTE,
                title=f"Decide a dispute about quality review {review.pk}",
                subject=review,
                queue=work.queue_for(
                    team=team, kind="qa-dispute", name=f"{team.name}: QA disputes"
                ),
                dedupe_key=f"oversight-qa-dispute-{dispute.pk}",
            )
        _audit(
            actor=actor,
            verb="oversight.qa_disputed",
            target=dispute,
            person_id=review.item.person_id,
            payload={"review": review.pk, "grounds": grounds},
        )
    return dispute


def dispute_decide(
    *, actor, dispute: QADispute, outcome: str, reasons: str, revised_rating: str = ""
) -> QADispute:
    """Decide a dispute. Upheld: the rating becomes ``revised_rating`` and, if no longer red, the
    learning items are withdrawn and the corrective task cancelled. Not upheld: the rating stands.
    Never by the reviewer or the person who disputed."""
    _require(actor, perms.QA_DECIDE_DISPUTES, "decide disputes")
    review = dispute.review
    if actor.pk in (review.reviewer_id, dispute.raised_by_id):
        raise PermissionDenied(
            "Someone other than the reviewer and the person disputing must decide the dispute"
        )
    errors: dict[str, str] = {}
    if dispute.outcome:
        errors["outcome"] = "This dispute has already been decided"
    if outcome not in (QADispute.Outcome.UPHELD, QADispute.Outcome.REJECTED):
        errors["outcome"] = "Choose whether the dispute is upheld"
    elif outcome == QADispute.Outcome.UPHELD:
        if revised_rating not in rules.QA_RATINGS:
            errors["revised_rating"] = "Choose the rating that replaces the reviewer's"
        elif revised_rating == review.rating:
            errors["revised_rating"] = "An upheld dispute changes the rating"
    reasons = (reasons or "").strip()
    if not reasons:
        errors["reasons"] = "Enter the reasons for the decision"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        dispute = QADispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.outcome:
            raise ValidationError({"outcome": "This dispute has already been decided"})
        dispute.outcome = outcome
        dispute.revised_rating = revised_rating if outcome == QADispute.Outcome.UPHELD else ""
        dispute.decided_by = actor
        dispute.decided_at = clock.now()
        dispute.decision_reasons = reasons
        dispute.save()
        if outcome == QADispute.Outcome.UPHELD:
            review.final_rating = revised_rating
            review.save(update_fields=["final_rating"])
            if revised_rating != "red":
                LearningItem.objects.filter(
                    review=review, status__in=LEARNING_WORKFLOW.may_move_from("withdrawn")
                ).update(status="withdrawn")
            if revised_rating == "green" and review.corrective_task_id:
                from waymark.work.models import Task

                task = Task.objects.filter(pk=review.corrective_task_id).first()
                if task is not None and task.status not in ("done", "cancelled"):
                    work.task_cancel(actor=actor, task=task, reason="The dispute was upheld")
        work.tasks_close_for(
            actor=actor, subject=review, task_types=[QA_TASK_DISPUTE], outcome="decided"
        )
        notify(
            user=dispute.raised_by,
            text=f"Your dispute was {dispute.get_outcome_display().split(':')[0].lower()}.",
            url=reverse("oversight:qa-review", args=[review.pk]),
            kind="decision",
        )
        _audit(
            actor=actor,
            verb="oversight.qa_dispute_decided",
            target=dispute,
            person_id=review.item.person_id,
            payload={
                "review": review.pk,
                "outcome": outcome,
                "old": {"rating": review.rating},
                "new": {"rating": review.final_rating},
                "reasons": reasons,
            },
        )
    return dispute


def learning_item_done(*, actor, item: LearningItem) -> LearningItem:
    """The person a learning item is for marks it done (they have acted on it)."""
    if actor is None or item.user_id != actor.pk:
        raise PermissionDenied("Only the person a learning item is for may mark it done")
    with transaction.atomic():
        item = LearningItem.objects.select_for_update().get(pk=item.pk)
        if item.status == "done":
            raise ValidationError("This learning item is marked as done already")
        old = LEARNING_WORKFLOW.move(item, "done")
        item.save(update_fields=["status"])
        _audit(
            actor=actor,
            verb="oversight.qa_learning_done",
            target=item,
            payload={"old": {"status": old}, "new": {"status": "done"}},
        )
    return item


# ------------------------------------------------------------------------------------------------
# Team observations (003 §7.46)


def observation_record(
    *, actor, team, observed_on: date, rating: str, notes: str
) -> TeamObservation:
    _require(actor, perms.QA_OBSERVE, "record team observations")
    errors: dict[str, str] = {}
    if team is None:
        errors["team"] = "Choose the team observed"
    if observed_on is None:
        errors["observed_on"] = "Enter the date of the observation"
    elif observed_on > clock.today():
        errors["observed_on"] = "The observation date must be today or in the past"
    if rating not in rules.QA_RATINGS:
        errors["rating"] = "Choose red, amber or green"
    notes = (notes or "").strip()
    if not notes:
        errors["notes"] = "Enter what the observation found"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        obs = TeamObservation.objects.create(
            team=team,
            observed_on=observed_on,
            observer=actor,
            rating=rating,
            notes=notes[:TEXT_MAX],
            next_due_on=rules.qa_observation_next_due(observed_on, rating),
            recorded_at=clock.now(),
        )
        _audit(
            actor=actor,
            verb="oversight.qa_observation_recorded",
            target=obs,
            payload={
                "team": team.pk,
                "observed_on": observed_on.isoformat(),
                "rating": rating,
                "next_due_on": obs.next_due_on.isoformat(),
            },
        )
    return obs
