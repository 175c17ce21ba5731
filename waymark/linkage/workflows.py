"""The state machines of record linkage (docs/platform-contracts.md, "workflows.py"; the states are
described on each model in ``models.py``).

One ``Workflow`` for every model with a ``status``. Each table is what the services do: a service
checks its own preconditions (with the message the user sees) and then moves the status with
``<WORKFLOW>.move(obj, to)``, or, for a conditional update, filters on ``may_move_from(to)``.
Moving to the state an object is already in is always allowed.

    ImportJob       uploaded -> validated -> queued -> running -> completed | failed
                    (a check may fail; a failed or checked import may be remapped to uploaded;
                    anything not yet running may be cancelled)
    LinkageRun      queued -> running -> completed | failed
    CandidatePair   auto <-> pending (re-scored by a run) -> match | not_match | unsure;
                    unsure -> match | not_match
    BulkCheck       queued -> running -> completed | failed
    BulkCheckMatch  pending -> confirmed | rejected
"""

from __future__ import annotations

from waymark.core.workflows import TransitionNotAllowed, Workflow, table
from waymark.linkage.models import (
    BulkCheck,
    BulkCheckMatch,
    BulkCheckStatus,
    BulkMatchStatus,
    CandidatePair,
    ImportJob,
    ImportStatus,
    LinkageRun,
    PairStatus,
    RunStatus,
)

__all__ = [
    "BULK_CHECK",
    "BULK_CHECK_TRANSITIONS",
    "BULK_MATCH",
    "BULK_MATCH_TRANSITIONS",
    "IMPORT_JOB",
    "IMPORT_JOB_TRANSITIONS",
    "PAIR",
    "PAIR_TRANSITIONS",
    "RUN",
    "RUN_TRANSITIONS",
    "BulkCheckStatus",
    "BulkMatchStatus",
    "ImportStatus",
    "PairStatus",
    "RunStatus",
    "TransitionNotAllowed",
]

I = ImportStatus  # noqa: E741
IMPORT_JOB_TRANSITIONS = table(
    [
        # import_check: checked, or failed with the reason; import_cancel before it runs.
        (I.UPLOADED, {I.VALIDATED, I.FAILED, I.CANCELLED}),
        # import_map sends it back to uploaded; import_check again; import_confirm queues it.
        (I.VALIDATED, {I.UPLOADED, I.FAILED, I.QUEUED, I.CANCELLED}),
        # import_execute claims it with a conditional update; import_cancel until then.
        (I.QUEUED, {I.RUNNING, I.CANCELLED}),
        (I.RUNNING, {I.COMPLETED, I.FAILED}),
        (I.COMPLETED, set()),
        # A check that failed may be remapped (while the file is still held) and checked again.
        (I.FAILED, {I.UPLOADED}),
        (I.CANCELLED, set()),
    ]
)
IMPORT_JOB = Workflow(ImportJob, IMPORT_JOB_TRANSITIONS, label="import")

R = RunStatus
RUN_TRANSITIONS = table(
    [
        (R.QUEUED, {R.RUNNING}),
        (R.RUNNING, {R.COMPLETED, R.FAILED}),
        # linkage_run_execute's error path marks the run failed whatever it had reached: a run
        # saved as completed whose completion audit entry then could not be written, or that a
        # second execution of the same run finished first, is failed.
        (R.COMPLETED, {R.FAILED}),
        (R.FAILED, set()),
    ]
)
RUN = Workflow(LinkageRun, RUN_TRANSITIONS, label="linkage run")

P = PairStatus
PAIR_TRANSITIONS = table(
    [
        # A run re-scores an undecided pair (linked automatically, or back to clerical review);
        # pair_decide decides any undecided pair (the pair page refuses an automatic one).
        (P.AUTO, {P.PENDING, P.MATCH, P.NOT_MATCH, P.UNSURE}),
        (P.PENDING, {P.AUTO, P.MATCH, P.NOT_MATCH, P.UNSURE}),
        (P.MATCH, set()),
        (P.NOT_MATCH, set()),
        # Unsure: another reviewer decides it; a run never re-scores it.
        (P.UNSURE, {P.MATCH, P.NOT_MATCH}),
    ]
)
PAIR = Workflow(CandidatePair, PAIR_TRANSITIONS, label="pair")

B = BulkCheckStatus
BULK_CHECK_TRANSITIONS = table(
    [
        (B.QUEUED, {B.RUNNING}),
        (B.RUNNING, {B.COMPLETED, B.FAILED}),
        # bulk_check_execute's error path marks the check failed whatever it had reached: a second
        # execution of the same check that fails after the first completed it.
        (B.COMPLETED, {B.FAILED}),
        (B.FAILED, set()),
    ]
)
BULK_CHECK = Workflow(BulkCheck, BULK_CHECK_TRANSITIONS, label="bulk check")

M = BulkMatchStatus
BULK_MATCH_TRANSITIONS = table(
    [
        (M.PENDING, {M.CONFIRMED, M.REJECTED}),
        (M.CONFIRMED, set()),
        (M.REJECTED, set()),
    ]
)
BULK_MATCH = Workflow(BulkCheckMatch, BULK_MATCH_TRANSITIONS, label="bulk-check match")
