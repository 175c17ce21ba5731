"""Bulk checks: a population of people against a police records file (brief linkage.md §3; seed
001 §6.22-§6.23: 32,991 potential matches, 5,000 analysed, 27,991 never reviewed).

States of a ``BulkCheck``: queued -> running -> completed | failed. Every potential match (a pair
at or above the lower threshold) is a ``BulkCheckMatch`` waiting for review with one review task;
the check's page shows how many remain unreviewed until that is zero. A reviewer confirms or
rejects each match once (a second decision is refused, naming who decided). A confirmed match
records the PNC ID on the person; when the person's record showed no criminality (no conviction
and not that PNC ID) the owner gets a task to act on criminality not previously known.

Populations (``selectors.bulk.POPULATIONS``): each a named, documented definition of who is
checked.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from waymark.core import clock
from waymark.core.audit import audit_record, audit_record_many
from waymark.core.models import AuditAction
from waymark.core.notifications import notify
from waymark.core.types import Actor
from waymark.linkage import engine, rules, standardise
from waymark.linkage.models import (
    BulkCheck,
    BulkCheckMatch,
    BulkCheckStatus,
    BulkMatchStatus,
    ImportJob,
    ImportStatus,
    SourceKind,
)
from waymark.linkage.permissions import REVIEW_LINKS, require
from waymark.linkage.selectors.bulk import POPULATIONS, population_people
from waymark.linkage.services._common import MODULE, _user
from waymark.linkage.services._progress import (
    ProgressWriter,
    step_label,
    step_progress,
    step_spans,
    step_start,
)
from waymark.linkage.services.bulk_records import (
    _model,
    _police_engine_records,
    person_engine_records,
    person_of_unique_id,
    police_records,
)
from waymark.linkage.workflows import BULK_CHECK, BULK_MATCH
from waymark.people.models import Person, RecordStatus, ReferenceType

REVIEW_PERMISSION = REVIEW_LINKS
OWNERSHIP_QUEUE = "ownership-to-decide"
DECISIONS: dict[str, str] = {
    BulkMatchStatus.CONFIRMED: "confirmed: the same person",
    BulkMatchStatus.REJECTED: "rejected: not the same person",
}


class BulkMatchAlreadyDecided(ValidationError):
    """A decision on a bulk-check match someone has already decided."""


# ------------------------------------------------------------------------------------------------
# Starting and running a check


def bulk_check_start(
    *, actor: Actor, name: str, population: str, police_import: ImportJob
) -> BulkCheck:
    """Queue a check of ``population`` against a completed police records import."""
    require(actor, REVIEW_PERMISSION, "start a bulk check")
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter a name for the check"
    if population not in POPULATIONS:
        errors["population"] = "Select a population to check"
    if police_import is None:
        errors["police_import"] = "Select the police records file to check against"
    elif police_import.source_kind != SourceKind.POLICE:
        errors["police_import"] = f"'{police_import.label}' is not a police records file"
    elif police_import.status != ImportStatus.COMPLETED:
        errors["police_import"] = (
            f"The import '{police_import.label}' has not completed "
            f"({police_import.get_status_display().lower()})"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check = BulkCheck.objects.create(
            name=name[:200],
            population=population,
            police_import=police_import,
            created_by=_user(actor),
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COMBINATION,
            verb="linkage.bulk_check_started",
            target=check,
            payload={
                "new": {
                    "name": check.name,
                    "population": population,
                    "police_import": police_import.pk,
                }
            },
        )
    from waymark.linkage.tasks import bulk_check_task

    transaction.on_commit(lambda: bulk_check_task.enqueue(check.pk))
    return check


def bulk_check_execute(check_id: int, *, model: dict[str, Any] | None = None) -> BulkCheck:
    """Score the population against the police records (what the background task calls); each pair
    at or above the lower threshold becomes a pending match with a review task."""
    check = BulkCheck.objects.select_related("police_import").get(pk=check_id)
    if check.status not in (BulkCheckStatus.QUEUED, BulkCheckStatus.RUNNING):
        return check
    BULK_CHECK.move(check, BulkCheckStatus.RUNNING)
    check.started_at = clock.now()
    BulkCheck.objects.filter(pk=check.pk).update(status=check.status, started_at=check.started_at)
    spans = step_spans(rules.BULK_CHECK_STEPS)

    def step(key: str) -> None:
        step_start(BulkCheck, check.pk, steps=rules.BULK_CHECK_STEPS, spans=spans, key=key)

    progress = ProgressWriter(BulkCheck, check.pk)
    try:
        step("read")
        people = person_engine_records(population_people(check.population))
        police = _police_engine_records(police_records(check))
        step("score")
        scores: list[engine.PairScore] = []
        if people and police:
            scores = engine.pairs_between(
                people, police, model or _model(people + police), threshold=rules.lower_threshold()
            )
        step("write")
        with transaction.atomic():
            created = _matches_write(check, scores, progress, spans["write"])
            progress.close()
            check.people_checked = len(people)
            check.police_records = len(police)
            check.potential_matches = check.matches.count()
            BULK_CHECK.move(check, BulkCheckStatus.COMPLETED)
            check.finished_at, check.failure_reason = clock.now(), ""
            check.phase = "Finished"
            check.progress_done = check.progress_total = rules.PROGRESS_SCALE
            check.save()
            audit_record(
                actor=None,
                action=AuditAction.COMBINATION,
                verb="linkage.bulk_check_completed",
                target=check,
                payload={
                    "people_checked": check.people_checked,
                    "police_records": check.police_records,
                    "potential_matches": check.potential_matches,
                    "new": created,
                },
            )
            notify(
                user=check.created_by,
                text=f"Bulk check '{check.name}' has finished: "
                f"{check.potential_matches:,} potential matches",
                url=reverse("linkage:bulk-detail", args=[check.pk]),
                kind="job_finished",
            )
    except Exception as error:
        progress.close()
        check.refresh_from_db()
        BULK_CHECK.move(check, BulkCheckStatus.FAILED)
        check.finished_at = clock.now()
        check.failure_reason = f"{type(error).__name__}: {error}"[:2000]
        check.save(update_fields=["status", "finished_at", "failure_reason"])
        audit_record(
            actor=None,
            action=AuditAction.COMBINATION,
            verb="linkage.bulk_check_failed",
            target=check,
            payload={"reason": check.failure_reason},
        )
        if not isinstance(error, engine.EngineError | ValidationError):
            raise
    return check


def _matches_write(
    check: BulkCheck,
    scores: list[engine.PairScore],
    progress: ProgressWriter,
    span: tuple[int, int],
) -> int:
    """Each new pair as a pending match with its review task; the page counts the tasks."""
    from waymark.work.services import task_create

    existing = set(check.matches.values_list("person_id", "police_record_id"))
    created = []
    for score in scores:
        key = (person_of_unique_id(score.id_l), int(score.id_r))
        if key in existing:
            continue  # a re-run never re-opens or duplicates a match
        existing.add(key)
        created.append(
            BulkCheckMatch(
                check_run=check,
                person_id=key[0],
                police_record_id=key[1],
                match_probability=score.match_probability,
                match_weight=score.match_weight,
                contributions=score.contributions,
            )
        )
    BulkCheckMatch.objects.bulk_create(created, batch_size=2000)
    fresh = check.matches.filter(task__isnull=True, status=BulkMatchStatus.PENDING).select_related(
        "person", "police_record"
    )
    label, total = step_label(rules.BULK_CHECK_STEPS, "write"), fresh.count()
    for done, match in enumerate(fresh):
        if done % rules.PROGRESS_EVERY_ROWS == 0:
            progress.save(
                step_progress(span, done, total), phase=f"{label} ({done:,} of {total:,})"
            )
        task = task_create(
            actor=None,
            task_type=rules.TASK_REVIEW_BULK_MATCH,
            queue=rules.QUEUE_BULK_CHECK,
            person=match.person,
            subject=match,
            dedupe_key=f"linkage-bulk-match-{match.pk}",
            title=f"Review a possible police record match: {match.person.reference} and PNC "
            f"{match.police_record.pnc_id or match.police_record.source_ref}",
            description=f"Bulk check '{check.name}': match probability {match.match_probability:.3f}.",
        )
        BulkCheckMatch.objects.filter(pk=match.pk).update(task=task)
    audit_record_many(
        actor=None,
        entries=[
            {
                "action": AuditAction.COMBINATION,
                "verb": "linkage.bulk_match_found",
                "target_type": "linkage.bulkcheckmatch",
                "target_id": m.pk,
                "person_id": m.person_id,
                "payload": {
                    "check": check.pk,
                    "police_record": m.police_record_id,
                    "match_probability": m.match_probability,
                },
            }
            for m in created
        ],
    )
    return len(created)


# ------------------------------------------------------------------------------------------------
# Decisions


def _decider(match: BulkCheckMatch) -> str:
    who = (
        (match.decided_by.get_full_name() or match.decided_by.get_username())
        if match.decided_by
        else "the system"
    )
    when = (
        timezone.localtime(match.decided_at).strftime("%-d %B %Y at %H:%M")
        if match.decided_at
        else ""
    )
    return f"{who} on {when}" if when else who


def _survivor(person: Person) -> Person:
    seen = set()
    while (
        person.record_status == RecordStatus.MERGED
        and person.merged_into_id
        and person.pk not in seen
    ):
        seen.add(person.pk)
        person = Person.objects.select_related("owning_team", "case_owner").get(
            pk=person.merged_into_id
        )
    return person


def owner_queue(person: Person):
    """Where work for the person's owner goes: the owning team's casework queue (the convention
    criminal casework uses: slug '<team slug>-casework', else the team's first active queue,
    created the first time a team needs it); the 'ownership-to-decide' queue when nobody owns
    the person. The queue is created through the work contract (``queue_for``); the two reads of
    work's queues below have no work selector to go through yet."""
    from waymark.work.models import Queue
    from waymark.work.services import queue_for

    team = person.owning_team
    if team is None:
        return Queue.objects.get(slug=OWNERSHIP_QUEUE)
    if not Queue.objects.filter(slug=f"{team.slug}-casework"[:80]).exists():
        first = Queue.objects.filter(team=team, is_active=True).order_by("pk").first()
        if first is not None:
            return first
    return queue_for(team=team, kind="casework", name=f"{team.name}: Casework")


def bulk_match_decide(
    *, actor: Actor, match: BulkCheckMatch, decision: str, reason: str
) -> BulkCheckMatch:
    """Confirm or reject one potential match, once. Confirming records the PNC ID on the person and,
    when their record showed no criminality, routes a task to their owner."""
    from waymark.people.services import reference_add, timeline_event_record
    from waymark.work.models import ACTIVE_STATUSES
    from waymark.work.services import task_complete

    require(actor, REVIEW_PERMISSION, "decide bulk-check matches")
    reason = (reason or "").strip()
    errors = {}
    if decision not in (BulkMatchStatus.CONFIRMED, BulkMatchStatus.REJECTED):
        errors["decision"] = "Select whether the police record is the same person"
    if not reason:
        errors["reason"] = "Enter the reason for your decision"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The decider is read after the lock, not joined to it: a row that waited for another
        # decision is looked at again, but a joined decider is not (it would say "the system").
        match = (
            BulkCheckMatch.objects.select_for_update(of=("self",))
            .select_related("check_run", "police_record", "task")
            .get(pk=match.pk)
        )
        if match.status != BulkMatchStatus.PENDING:
            raise BulkMatchAlreadyDecided(
                f"This match was already decided by {_decider(match)}: {DECISIONS[match.status]}. "
                "A decided match cannot be decided again."
            )
        person = _survivor(
            Person.objects.select_related("owning_team", "case_owner").get(pk=match.person_id)
        )
        police = match.police_record
        now = clock.now()
        if decision == BulkMatchStatus.CONFIRMED:
            pnc = standardise.reference_clean(police.pnc_id or police.source_ref)
            had_reference = (
                bool(pnc)
                and person.references.filter(
                    reference_type=ReferenceType.PNC, value_normalised=pnc
                ).exists()
            )
            match.previously_known = had_reference or person.convictions.exists()
            if pnc and not had_reference:
                reference_add(
                    actor=actor,
                    person=person,
                    reference_type=ReferenceType.PNC,
                    value=pnc,
                    source=f"Police bulk check: {match.check_run.name}",
                )
            if not match.previously_known:
                match.owner_task = _owner_task(
                    actor=actor, person=person, match=match, reason=reason
                )
            timeline_event_record(
                person=person,
                module=MODULE,
                event_type="linkage.police_match_confirmed",
                actor=actor,
                related=match,
                summary=(
                    f"Police record {pnc} confirmed as this person"
                    + ("" if match.previously_known else ": criminality not previously known")
                ),
                detail={
                    "check": match.check_run_id,
                    "previously_known": match.previously_known,
                    "offence_count": police.extra.get("offence_count"),
                    "most_serious_offence": police.extra.get("most_serious_offence", ""),
                },
            )
        old = {"status": match.status}
        BULK_MATCH.move(match, decision)
        match.decided_by = _user(actor)
        match.decided_at = now
        match.decision_reason = reason
        match.save()
        audit_record(
            actor=actor,
            action=AuditAction.COMBINATION
            if decision == BulkMatchStatus.CONFIRMED
            else AuditAction.ALTERATION,
            # Confirming joins the police record to the person (combination); otherwise a decision.
            verb="linkage.bulk_match_confirmed"
            if decision == BulkMatchStatus.CONFIRMED
            else "linkage.bulk_match_decided",
            target=match,
            person_id=person.pk,
            payload={
                "old": old,
                "new": {"status": decision, "previously_known": match.previously_known},
                "reason": reason,
                "police_record": police.unique_id,
            },
        )
        if match.task is not None and match.task.status in ACTIVE_STATUSES:
            task_complete(actor=actor, task=match.task, outcome=decision, note=reason)
    return match


def _owner_task(*, actor: Actor, person: Person, match: BulkCheckMatch, reason: str):
    from waymark.work.services import task_assign, task_create

    police = match.police_record
    extra = police.extra or {}
    offence = extra.get("most_serious_offence") or "not recorded"
    task = task_create(
        actor=actor,
        task_type=rules.TASK_NEW_CRIMINALITY,
        person=person,
        subject=match,
        queue=owner_queue(person),
        dedupe_key=f"linkage-new-criminality-{match.pk}",
        title=f"Criminality not previously known: {person.reference}",
        description=(
            f"A police bulk check ('{match.check_run.name}') found police record "
            f"{police.pnc_id or police.source_ref} for this person, confirmed by review: {reason}. "
            f"Offences: {extra.get('offence_count') or 'not recorded'}; most serious: {offence}; "
            f"last conviction: {extra.get('last_conviction_date') or 'not recorded'}; "
            f"force: {extra.get('force') or 'not recorded'}. Their record showed no criminality."
        ),
    )
    if person.case_owner_id and task.assignee_id is None and task.is_active:
        # An owner who is not in the queue's team leaves the task waiting in the queue.
        with contextlib.suppress(ValidationError):
            task = task_assign(actor=None, task=task, assignee=person.case_owner)
    return task
