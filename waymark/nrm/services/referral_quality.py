"""Referral quality (002 rec 4a-c): a referral scored against rules.QUALITY_CHECKLIST (the share of
items met), feedback sent to the referring team through its single point of contact, and first
responders' training, shown beside the quality trends."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import FirstResponderTraining, QualityAssessment, Referral
from waymark.nrm.services._common import audit, invalid, require, user_of


def referral_quality_assess(
    *, actor, referral: Referral, checklist: dict[str, bool], feedback: str, point_of_contact=None
) -> QualityAssessment:
    """Score ``referral``: every checklist item answered met or not; the score is the share met.
    Assessing again replaces the scores (the audit trail keeps the earlier ones)."""
    if actor is not None and not (actor.has_perm(perms.CHECK) or actor.has_perm(perms.MANAGE)):
        require(actor, perms.CHECK, "assess referral quality")
    errors = {}
    if not isinstance(checklist, dict):
        checklist = {}
    unknown = sorted(set(checklist) - set(rules.QUALITY_CHECKLIST))
    missing = [k for k in rules.QUALITY_CHECKLIST if k not in checklist]
    if unknown:
        errors["checklist"] = "Unknown checklist items: " + ", ".join(unknown)
    elif missing:
        errors["checklist"] = "Answer every checklist item: " + ", ".join(
            rules.QUALITY_CHECKLIST[k] for k in missing
        )
    feedback = (feedback or "").strip()
    if not feedback:
        errors["feedback"] = "Write the feedback for the referring team"
    if point_of_contact is not None and not point_of_contact.has_perm(perms.REFER):
        errors["point_of_contact"] = f"{point_of_contact} is not a first responder"
    invalid(errors)
    met = {k: bool(checklist[k]) for k in rules.QUALITY_CHECKLIST}
    score = sum(met.values()) / len(met)
    with transaction.atomic():
        assessment, _ = QualityAssessment.objects.update_or_create(
            referral=referral,
            defaults={
                "assessed_by": actor,
                "assessed_at": clock.now(),
                "checklist": met,
                "score": score,
                "feedback": feedback,
                "point_of_contact": point_of_contact,
                "feedback_sent_at": None,
            },
        )
        audit(
            actor=actor,
            verb="nrm.quality_assessed",
            target=assessment,
            person_id=referral.person_id,
            referral=referral.reference,
            score=score,
            checklist=met,
        )
    return assessment


def quality_feedback_send(*, actor, assessment: QualityAssessment) -> QualityAssessment:
    """Send the feedback to the referring team's single point of contact (a notification)."""
    if actor is not None and not (actor.has_perm(perms.CHECK) or actor.has_perm(perms.MANAGE)):
        require(actor, perms.CHECK, "send referral feedback")
    if assessment.point_of_contact_id is None:
        raise ValidationError(
            {"point_of_contact": "Name the referring team's single point of contact first"}
        )
    if assessment.feedback_sent_at is not None:
        raise ValidationError("This feedback has already been sent")
    from django.urls import reverse

    from waymark.core.notifications import notify

    with transaction.atomic():
        # Read the assessment again under its lock: a second send at the same moment waits for
        # the first and is refused (one notification, one audit entry).
        QualityAssessment.objects.select_for_update().filter(pk=assessment.pk).exists()
        assessment.refresh_from_db()
        if assessment.point_of_contact_id is None:
            raise ValidationError(
                {"point_of_contact": "Name the referring team's single point of contact first"}
            )
        if assessment.feedback_sent_at is not None:
            raise ValidationError("This feedback has already been sent")
        assessment.feedback_sent_at = clock.now()
        assessment.save(update_fields=["feedback_sent_at"])
        referral = assessment.referral
        notify(
            user=assessment.point_of_contact,
            text=(
                f"Feedback on referral {referral.reference}: {assessment.score:.0%} of the "
                "checklist met"
            ),
            url=reverse("nrm:quality", args=[referral.pk]),
            kind="decision",
        )
        audit(
            actor=actor,
            verb="nrm.quality_feedback_sent",
            target=assessment,
            person_id=referral.person_id,
            recipient=assessment.point_of_contact_id,
        )
    return assessment


def first_responder_training_record(
    *, actor, user, course: str, completed_on: date
) -> FirstResponderTraining:
    """Record a first responder's training (a manager, or the responder for themselves)."""
    if actor is not None and not actor.has_perm(perms.MANAGE):
        require(actor, perms.REFER, "record training")
        if user_of(actor) is None or actor.pk != user.pk:
            raise ValidationError("You may record only your own training")
    errors = {}
    if not (course or "").strip():
        errors["course"] = "Enter the course"
    if completed_on is None or completed_on > clock.today():
        errors["completed_on"] = "The completion date must be today or in the past"
    invalid(errors)
    with transaction.atomic():
        record = FirstResponderTraining.objects.create(
            user=user, course=course.strip()[:200], completed_on=completed_on
        )
        audit(
            actor=actor,
            verb="nrm.training_recorded",
            target=record,
            user=user.pk,
            course=record.course,
        )
    return record
