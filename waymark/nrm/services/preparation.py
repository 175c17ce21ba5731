"""Case preparation and further information (002 rec 5a-b).

Every referral gets one ``PreparationItem`` a source (rules.PREPARATION_SOURCES), each with a named
gatherer (the case preparer allocated, or unassigned in the authority's case-preparation queue)
and an ``nrm.prepare`` task. When every item is gathered or holds nothing, the referral moves to
rg_pending and the decision maker's ``nrm.decide_rg`` task opens, due at the RG target.

When there is not enough to decide, a further information request (or a s58 notice) is sent; the
sweep ``nrm.information_requests`` chases it after INFORMATION_CHASE_AFTER_DAYS working days and
lapses it at its due date: the decision is then made on what there is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules, workflows
from waymark.nrm.models import (
    InformationRequest,
    InformationRequestStatus,
    PreparationItem,
    PreparationStatus,
    Referral,
    ReferralStatus,
)
from waymark.nrm.services._common import (
    audit,
    authority_team,
    invalid,
    nation_of,
    require,
    require_sees,
    timeline,
    user_of,
)

TASK_PREPARE = "nrm.prepare"
TASK_DECIDE_RG = "nrm.decide_rg"
TASK_CHASE = "nrm.information_chase"
DEADLINE_RG = "nrm.rg_target"


def _queue(kind: str):
    from waymark.work import services as work

    team = authority_team()
    if team is None:
        raise ValidationError("The competent authority's team is not set up")
    return work.queue_for(team=team, kind=kind)


def preparation_open(*, actor, referral: Referral) -> list[PreparationItem]:
    """Make the preparation items and their tasks; the referral moves to preparation."""
    from waymark.work import services as work

    items = []
    with transaction.atomic():
        queue = _queue(rules.QUEUE_CASE_PREPARATION)
        for source, label in rules.PREPARATION_SOURCES.items():
            item, _ = PreparationItem.objects.get_or_create(
                referral=referral, source=source, defaults={"gatherer": referral.case_preparer}
            )
            items.append(item)
            work.task_create(
                actor=actor,
                task_type=TASK_PREPARE,
                title=f"Gather {label.lower()} for {referral.reference}",
                person=referral.person,
                subject=item,
                queue=queue,
                dedupe_key=f"nrm:{referral.pk}:prepare:{source}",
                assignee=referral.case_preparer,
            )
        if referral.status == ReferralStatus.RECEIVED:
            workflows.REFERRAL.move(referral, ReferralStatus.PREPARATION)
            referral.save(update_fields=["status"])
    return items


def preparation_record(
    *, actor, item: PreparationItem, status: str, summary: str
) -> PreparationItem:
    """Record what a source holds (gathered, with a summary) or that it holds nothing."""
    require(actor, perms.PREPARE, "gather information for referrals")
    errors = {}
    if status not in (PreparationStatus.GATHERED, PreparationStatus.NOT_AVAILABLE):
        errors["status"] = "Select whether the information was gathered or nothing is held"
    summary = (summary or "").strip()
    if status == PreparationStatus.GATHERED and not summary:
        errors["summary"] = "Summarise what the source holds"
    invalid(errors)
    from waymark.work import services as work

    with transaction.atomic():
        item = (
            PreparationItem.objects.select_for_update(of=("self",))
            .select_related("referral")
            .get(pk=item.pk)
        )
        referral = item.referral
        if item.status != PreparationStatus.OPEN:
            raise ValidationError(f"{item.get_source_display()} is already recorded")
        if referral.status not in (ReferralStatus.RECEIVED, ReferralStatus.PREPARATION):
            raise ValidationError(f"The referral is {referral.get_status_display().lower()}")
        workflows.PREPARATION_ITEM.move(item, status)
        item.summary = summary
        item.gathered_at = clock.now()
        if item.gatherer_id is None and user_of(actor) is not None:
            item.gatherer = actor
        item.save()
        work.tasks_close_for(
            actor=actor,
            dedupe_scope=f"nrm:{referral.pk}:prepare:{item.source}",
            outcome="done",
            note=item.get_status_display(),
        )
        audit(
            actor=actor,
            verb="nrm.preparation_recorded",
            target=item,
            person_id=referral.person_id,
            referral=referral.reference,
            source=item.source,
            status=status,
        )
        Referral.objects.filter(pk=referral.pk).update(last_activity_at=clock.now())
        if not referral.preparation_items.filter(status=PreparationStatus.OPEN).exists():
            _preparation_complete(actor=actor, referral=referral)
    return item


def _preparation_complete(*, actor, referral: Referral) -> None:
    from waymark.work import services as work

    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    workflows.REFERRAL.move(referral, ReferralStatus.RG_PENDING)
    referral.last_activity_at = clock.now()
    referral.save(update_fields=["status", "last_activity_at"])
    from waymark.nrm.services._dcommon import gated_assignee

    # Given to the referral's decision maker only if they hold the decision-maker competence;
    # otherwise it waits unassigned in the decisions queue (issue 20 item 2, decision 0016).
    assignee, note = gated_assignee(TASK_DECIDE_RG, referral.decision_maker)
    work.task_create(
        actor=actor,
        task_type=TASK_DECIDE_RG,
        title=f"Reasonable grounds decision for {referral.reference}",
        person=referral.person,
        subject=referral,
        queue=_queue(rules.QUEUE_DECISIONS),
        dedupe_key=f"nrm:{referral.pk}:decide_rg",
        assignee=assignee,
        start=referral.received_at,
        description=note,
    )
    audit(
        actor=actor,
        verb="nrm.preparation_completed",
        target=referral,
        person_id=referral.person_id,
        rg_due_on=referral.rg_due_on,
    )
    timeline(
        actor=actor,
        referral=referral,
        event_type="nrm.preparation_completed",
        summary=f"Case preparation done for {referral.reference}: awaiting the RG decision",
    )


# --- further information -------------------------------------------------------------------------


def information_request_send(
    *,
    actor,
    referral: Referral,
    requested_from: str,
    questions: str,
    is_s58_notice: bool = False,
    due_on: date | None = None,
) -> InformationRequest:
    """Ask for further information (a s58 notice states its own period, ``due_on``; otherwise
    rules.information_due_on)."""
    if actor is not None and not (actor.has_perm(perms.PREPARE) or actor.has_perm(perms.DECIDE)):
        require_sees(actor, referral)
        require(actor, perms.PREPARE, "request further information")
    errors = {}
    if not (requested_from or "").strip():
        errors["requested_from"] = "Say who the information is requested from"
    if not (questions or "").strip():
        errors["questions"] = "Say what information is needed"
    now = clock.now()
    today = timezone.localdate(now)
    if due_on is not None and due_on <= today:
        errors["due_on"] = "The answer must be due after today"
    invalid(errors)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status not in workflows.OPEN_REFERRAL:
            raise ValidationError(f"The referral is {referral.get_status_display().lower()}")
        request = InformationRequest.objects.create(
            referral=referral,
            requested_from=requested_from.strip()[:200],
            questions=questions.strip(),
            is_s58_notice=bool(is_s58_notice),
            sent_at=now,
            sent_by=user_of(actor),
            due_on=due_on or rules.information_due_on(today, nation_of(referral.owning_team)),
        )
        referral.last_activity_at = now
        referral.save(update_fields=["last_activity_at"])
        audit(
            actor=actor,
            verb="nrm.information_requested",
            target=request,
            person_id=referral.person_id,
            referral=referral.reference,
            requested_from=request.requested_from,
            s58=request.is_s58_notice,
            due_on=request.due_on,
        )
    return request


def information_request_answer(
    *, actor, request: InformationRequest, answer: str, late_reason: str = ""
) -> InformationRequest:
    """Record the answer. One after the due date without a good reason is recorded as late
    without good reason (s58)."""
    if actor is not None and not (actor.has_perm(perms.PREPARE) or actor.has_perm(perms.DECIDE)):
        require(actor, perms.PREPARE, "record an answer")
    if not (answer or "").strip():
        raise ValidationError({"answer": "Enter the answer received"})
    from waymark.work import services as work

    with transaction.atomic():
        request = InformationRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == InformationRequestStatus.ANSWERED:
            raise ValidationError("This request is already answered")
        now = clock.now()
        late = timezone.localdate(now) > request.due_on
        workflows.INFORMATION_REQUEST.move(request, InformationRequestStatus.ANSWERED)
        request.answer = answer.strip()
        if late_reason.strip():
            request.answer += f"\n\nReason for lateness: {late_reason.strip()}"
        request.answered_at = now
        request.late_without_good_reason = late and not late_reason.strip()
        request.save()
        work.tasks_close_for(
            actor=actor,
            dedupe_scope=f"nrm:{request.referral_id}:chase:{request.pk}",
            outcome="done",
            note="Answered",
        )
        Referral.objects.filter(pk=request.referral_id).update(last_activity_at=now)
        audit(
            actor=actor,
            verb="nrm.information_answered",
            target=request,
            late=late,
            late_without_good_reason=request.late_without_good_reason,
        )
    return request


def information_requests_sweep() -> dict[str, Any]:
    """Chase open requests INFORMATION_CHASE_AFTER_DAYS working days after sending (an
    ``nrm.information_chase`` task, once), and lapse those past their due date: the decision is
    made on what there is. Idempotent."""
    from waymark.work import services as work

    today = clock.today()
    chased = lapsed = 0
    with transaction.atomic():
        for request in (
            InformationRequest.objects.select_for_update(of=("self",))
            .filter(status__in=(InformationRequestStatus.OPEN, InformationRequestStatus.CHASED))
            .select_related("referral", "referral__owning_team", "referral__person")
        ):
            referral = request.referral
            nation = nation_of(referral.owning_team)
            if today > request.due_on:
                workflows.INFORMATION_REQUEST.move(request, InformationRequestStatus.LAPSED)
                request.save(update_fields=["status"])
                work.tasks_close_for(
                    actor=None,
                    dedupe_scope=f"nrm:{referral.pk}:chase:{request.pk}",
                    outcome="lapsed",
                    note="Lapsed: decide on what there is",
                )
                audit(
                    actor=None,
                    verb="nrm.information_lapsed",
                    target=request,
                    person_id=referral.person_id,
                    due_on=request.due_on,
                )
                lapsed += 1
            elif request.status == InformationRequestStatus.OPEN and today >= (
                rules.information_chase_on(timezone.localdate(request.sent_at), nation)
            ):
                workflows.INFORMATION_REQUEST.move(request, InformationRequestStatus.CHASED)
                request.chased_at = clock.now()
                request.save(update_fields=["status", "chased_at"])
                work.task_create(
                    actor=None,
                    task_type=TASK_CHASE,
                    title=f"Chase {request.requested_from} for {referral.reference}",
                    person=referral.person,
                    subject=request,
                    queue=_queue(rules.QUEUE_CASE_PREPARATION),
                    dedupe_key=f"nrm:{referral.pk}:chase:{request.pk}",
                    assignee=request.sent_by,
                )
                audit(
                    actor=None,
                    verb="nrm.information_chased",
                    target=request,
                    person_id=referral.person_id,
                )
                chased += 1
    return {"chased": chased, "lapsed": lapsed}
