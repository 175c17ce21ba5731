"""A checked import is confirmed once when two people confirm it at the same moment (a
double-submitted confirmation, two records managers), and a confirmation does not undo a
cancellation made at the same moment. The status was checked before the transaction and the
job saved from the stale copy: both confirmations were audited and the task queued twice, and a
confirmation landing after a cancellation put the cancelled import (its file discarded) back on
the queue. Now the job's row is locked and its status looked at again: the second is refused with
the reason. A pause after each writer's audit entry, before it commits, makes the overlap happen
every time (PostgreSQL, real threads)."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from tests.concurrency import PAUSE, WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.linkage import services as linkage_services
from waymark.linkage.models import BulkCheckMatch, BulkMatchStatus, ImportJob, ImportStatus
from waymark.linkage.services import bulk, imports
from waymark.linkage.tests import bulk_fixtures as fx
from waymark.linkage.tests.test_bulk_services import _run, world  # noqa: F401 (a fixture)
from waymark.linkage.tests.test_import_services import ROWS, legacy, upload, user_with_role
from waymark.testing import NOW

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_audit(monkeypatch):
    pause_after(monkeypatch, imports, "audit_record")


def _checked():
    managers = [user_with_role("records_manager"), user_with_role("records_manager")]
    with clock.frozen(NOW):
        job = imports.import_check(actor=managers[0], job=upload(managers[0], legacy(*ROWS)))
    assert job.status == ImportStatus.VALIDATED
    return job, managers


def _verbs(job, verb):
    return AuditEvent.objects.filter(
        target_type="linkage.importjob", target_id=str(job.pk), verb=verb
    )


def test_an_import_confirmed_twice_at_once_is_queued_once(monkeypatch):
    job, managers = _checked()
    _paused_audit(monkeypatch)

    def confirm(actor, accept):
        def work():
            imports.import_confirm(
                actor=actor, job=ImportJob.objects.get(pk=job.pk), accept_valid_rows=accept
            )

        return work

    errors = run_at_once([confirm(managers[0], True), confirm(managers[1], False)], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "cannot be started" in errors[0]
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    confirmed = _verbs(job, "linkage.import_confirmed")
    assert confirmed.count() == 1
    assert confirmed.get().payload["accept_valid_rows"] == job.accept_valid_rows
    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).count() == 1


def test_a_confirmation_at_the_moment_of_a_cancellation_does_not_undo_it(monkeypatch):
    job, managers = _checked()
    _paused_audit(monkeypatch)

    def confirm():
        seen = ImportJob.objects.get(pk=job.pk)  # still checked: the cancellation is uncommitted
        time.sleep(PAUSE / 4)  # the cancellation takes the row first
        imports.import_confirm(actor=managers[0], job=seen, accept_valid_rows=True)

    def cancel():
        imports.import_cancel(actor=managers[1], job=ImportJob.objects.get(pk=job.pk))

    errors = run_at_once([cancel, confirm], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "cannot be started" in errors[0]
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and job.content is None
    assert _verbs(job, "linkage.import_cancelled").count() == 1
    assert not _verbs(job, "linkage.import_confirmed").exists()
    assert not DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).exists()


def test_refusals_inside_the_lock_still_refuse_alone():
    """The check repeated inside the transaction refuses as before when nothing is concurrent."""
    job, managers = _checked()
    with clock.frozen(NOW):
        imports.import_confirm(actor=managers[0], job=job, accept_valid_rows=True)
        with pytest.raises(ValidationError, match="cannot be started"):
            imports.import_confirm(
                actor=managers[1], job=ImportJob.objects.get(pk=job.pk), accept_valid_rows=True
            )


# Mapping and checking an import: ``import_map`` and ``import_check`` looked at the status only
# before their transaction and saved the job from the stale copy, so a mapping landing after a
# confirmation unqueued the import (its task still queued), one landing after a cancellation put
# the cancelled import (its file discarded) back as uploaded, and a check whose file was being read
# when the import was cancelled, or mapped again, saved "checked" over the cancellation, or the old
# mapping and its results over the new one. Now both lock the job's row before writing and look
# at it again: the later one is refused with the reason.


def _remapped(job):
    """A different mapping that is still valid: the owning unit is not imported."""
    mapping = {**job.column_mapping, "OWNING_UNIT": ""}
    assert mapping != job.column_mapping
    return mapping


def _uploaded():
    managers = [user_with_role("records_manager"), user_with_role("records_manager")]
    with clock.frozen(NOW):
        job = upload(managers[0], legacy(*ROWS))
    return job, managers


def _second(job, act):
    """Read the job while the other writer's change is uncommitted, let the other take the row
    first, then ``act`` on that stale copy."""

    def work():
        seen = ImportJob.objects.get(pk=job.pk)
        time.sleep(PAUSE / 4)
        act(seen)

    return work


def _cancel(job, actor):
    return lambda: imports.import_cancel(actor=actor, job=ImportJob.objects.get(pk=job.pk))


def _refused(errors, words):
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and words in errors[0], errors


def test_a_mapping_at_the_moment_of_a_confirmation_does_not_unqueue_it(monkeypatch):
    job, managers = _checked()
    _paused_audit(monkeypatch)

    def confirm():
        imports.import_confirm(
            actor=managers[0], job=ImportJob.objects.get(pk=job.pk), accept_valid_rows=True
        )

    def remap(seen):
        imports.import_map(actor=managers[1], job=seen, mapping=_remapped(seen))

    errors = run_at_once([confirm, _second(job, remap)], at=NOW)
    _refused(errors, "waiting to start: its columns can no")
    mapping = job.column_mapping
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and job.column_mapping == mapping
    assert _verbs(job, "linkage.import_confirmed").count() == 1
    assert not _verbs(job, "linkage.import_mapped").exists()
    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).count() == 1


def test_a_mapping_at_the_moment_of_a_cancellation_does_not_undo_it(monkeypatch):
    job, managers = _uploaded()
    _paused_audit(monkeypatch)

    def remap(seen):
        imports.import_map(actor=managers[1], job=seen, mapping=_remapped(seen))

    errors = run_at_once([_cancel(job, managers[0]), _second(job, remap)], at=NOW)
    _refused(errors, "cancelled (nothing was imported): its columns can no")
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and job.content is None
    assert _verbs(job, "linkage.import_cancelled").count() == 1
    assert not _verbs(job, "linkage.import_mapped").exists()


def test_a_check_at_the_moment_of_a_cancellation_does_not_undo_it(monkeypatch):
    job, managers = _uploaded()
    _paused_audit(monkeypatch)

    def check(seen):
        imports.import_check(actor=managers[1], job=seen)

    errors = run_at_once([_cancel(job, managers[0]), _second(job, check)], at=NOW)
    _refused(errors, "cancelled (nothing was imported): it cannot be checked")
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and job.content is None
    assert job.rows_read == 0
    assert _verbs(job, "linkage.import_cancelled").count() == 1
    assert not _verbs(job, "linkage.import_checked").exists()
    assert not job.rejections.exists() and not job.row_warnings.exists()


def test_a_check_at_the_moment_of_a_new_mapping_does_not_save_the_old_one(monkeypatch):
    job, managers = _checked()
    _paused_audit(monkeypatch)
    mapping = _remapped(job)

    def remap():
        imports.import_map(actor=managers[0], job=ImportJob.objects.get(pk=job.pk), mapping=mapping)

    def check(seen):  # seen with the old mapping
        imports.import_check(actor=managers[1], job=seen)

    errors = run_at_once([remap, _second(job, check)], at=NOW)
    _refused(errors, "mapping was changed")
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED and job.column_mapping == mapping
    assert job.rows_read == 0
    assert _verbs(job, "linkage.import_mapped").count() == 1
    assert _verbs(job, "linkage.import_checked").count() == 1  # by _checked, before the mapping


def test_map_and_check_refuse_alone_what_changed_since_the_job_was_read(monkeypatch):
    """The checks repeated inside the transaction refuse as before when nothing is concurrent: a
    job read before it was cancelled (or mapped again) is not mapped or checked over it."""
    job, managers = _uploaded()
    stale = ImportJob.objects.get(pk=job.pk)
    with clock.frozen(NOW):
        imports.import_cancel(actor=managers[0], job=ImportJob.objects.get(pk=job.pk))
        with pytest.raises(
            ValidationError,
            match=r"cancelled \(nothing was imported\): its columns can no longer be changed",
        ):
            imports.import_map(actor=managers[1], job=stale, mapping=_remapped(stale))
        with pytest.raises(
            ValidationError, match=r"cancelled \(nothing was imported\): it cannot be checked again"
        ):
            imports.import_check(actor=managers[1], job=stale)
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and job.content is None

    # Changed while its file is being read (between the opening check and the lock).
    job, managers = _uploaded()
    read = imports._table

    def cancelled_while_read(seen):
        imports.import_cancel(actor=managers[0], job=ImportJob.objects.get(pk=seen.pk))
        return read(seen)

    monkeypatch.setattr(imports, "_table", cancelled_while_read)
    with (
        clock.frozen(NOW),
        pytest.raises(
            ValidationError, match=r"cancelled \(nothing was imported\): it cannot be checked"
        ),
    ):
        imports.import_check(actor=managers[1], job=ImportJob.objects.get(pk=job.pk))
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.CANCELLED
    assert not _verbs(job, "linkage.import_checked").exists()

    job, managers = _uploaded()
    mapping = _remapped(job)

    def mapped_while_read(seen):
        imports.import_map(
            actor=managers[0], job=ImportJob.objects.get(pk=seen.pk), mapping=mapping
        )
        return read(seen)

    monkeypatch.setattr(imports, "_table", mapped_while_read)
    with clock.frozen(NOW), pytest.raises(ValidationError, match="mapping was changed"):
        imports.import_check(actor=managers[1], job=ImportJob.objects.get(pk=job.pk))
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED and job.column_mapping == mapping
    assert not _verbs(job, "linkage.import_checked").exists()


# A bulk-check match already locks its row and looks at its status again inside the transaction
# (``bulk_match_decide``): this test verifies it; no change was needed.
@pytest.fixture
def _bulk_queue():
    """The bulk-check queue the linkage migration makes (a transactional flush removes it)."""
    from waymark.accounts.models import Team
    from waymark.linkage import rules
    from waymark.work.models import Queue

    team = Team.objects.get_or_create(
        slug="records", defaults={"name": "Records and linkage", "unit": "Records"}
    )[0]
    Queue.objects.get_or_create(
        slug=rules.QUEUE_BULK_CHECK, defaults={"name": "Bulk-check matches", "team": team}
    )


def test_a_bulk_check_match_decided_twice_at_once_is_decided_once(
    monkeypatch,
    _bulk_queue,
    world,  # noqa: F811
):
    match = _run(world).matches.get(person=world["unknown"])
    other = fx.user_with_role("records_manager")
    pause_after(monkeypatch, bulk, "audit_record")

    def decide(actor, decision):
        def work():
            linkage_services.bulk_match_decide(
                actor=actor,
                match=BulkCheckMatch.objects.get(pk=match.pk),
                decision=decision,
                reason=f"{decision}: compared the records",
            )

        return work

    errors = run_at_once([decide(world["manager"], "confirmed"), decide(other, "rejected")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already decided by" in errors[0]
    match.refresh_from_db()
    # The refusal names who decided it (not "the system": the row is looked at again after the
    # lock, and a joined decider read with it is not).
    assert match.decided_by.get_full_name() in errors[0]
    assert match.status != BulkMatchStatus.PENDING
    decided = AuditEvent.objects.filter(
        verb__in=["linkage.bulk_match_confirmed", "linkage.bulk_match_decided"],
        target_id=str(match.pk),
    )
    assert decided.count() == 1 and decided.get().payload["new"]["status"] == match.status
