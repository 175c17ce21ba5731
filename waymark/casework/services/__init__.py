"""Writes for criminal casework (brief casework.md). Every change is audited and, where it is
about a person, put on their single timeline. Numbers come from ``casework.rules``; a refusal is
a ``ValidationError`` naming the field, and nothing is saved. Status changes go through
``casework.workflows``; tasks and queues through ``work.services``.

Split by sub-domain; every name is re-exported here, so callers write ``services.case_ensure``:
``referral`` (banding, referral, intake routing, the deportation decision), ``restrictions``
(setting and changing reporting), ``reporting`` (events, outcomes, chasing missing outcomes),
``commissions``, ``non_compliance``
(the contact checklist, absconders, trace and locate, reoffending), ``progression`` (reviews,
case preparation), ``barriers`` (barriers, travel documents, RED.0004, further submissions) and
``removals`` (charters, directions, outcomes, gatekeeping, voluntary return).
"""

from waymark.casework.services._common import MODULE, team_queue
from waymark.casework.services.barriers import (
    barrier_add,
    barrier_assign,
    barrier_clear,
    etd_record,
    further_submission_decide,
    further_submission_record,
    grounds_already_considered,
    red_notice_record,
)
from waymark.casework.services.commissions import (
    commission_request,
    commission_result_record,
    commission_result_seen,
)
from waymark.casework.services.non_compliance import (
    absconder_declare,
    contact_step_record,
    reoffence_record,
    trace_outcome_record,
    trace_refer,
)
from waymark.casework.services.progression import (
    case_preparation_finalise,
    case_preparation_initial_done,
    case_preparation_start,
    case_review_complete,
    reviews_schedule,
)
from waymark.casework.services.referral import (
    band_compute,
    band_override,
    case_band_refresh,
    case_ensure,
    deportation_decision_record,
    referral_create,
    referral_not_accept,
    referral_route,
    sentences_of,
)
from waymark.casework.services.removals import (
    blocking_barriers,
    charter_create,
    detention_decide,
    detention_request,
    removal_directions_set,
    removal_outcome_record,
    voluntary_return_offer,
)
from waymark.casework.services.reporting import (
    GENERATE_SQL,
    event_outcome_record,
    events_generate,
    missed_task_type,
    outcomes_missing_chase,
)
from waymark.casework.services.restrictions import (
    FIELD_LABELS,
    RESTRICTION_FIELDS,
    restriction_change,
    restriction_in_force,
    restriction_set,
)

__all__ = [
    "FIELD_LABELS",
    "GENERATE_SQL",
    "MODULE",
    "RESTRICTION_FIELDS",
    "absconder_declare",
    "band_compute",
    "band_override",
    "barrier_add",
    "barrier_assign",
    "barrier_clear",
    "blocking_barriers",
    "case_band_refresh",
    "case_ensure",
    "case_preparation_finalise",
    "case_preparation_initial_done",
    "case_preparation_start",
    "case_review_complete",
    "charter_create",
    "commission_request",
    "commission_result_record",
    "commission_result_seen",
    "contact_step_record",
    "deportation_decision_record",
    "detention_decide",
    "detention_request",
    "etd_record",
    "event_outcome_record",
    "events_generate",
    "further_submission_decide",
    "further_submission_record",
    "grounds_already_considered",
    "missed_task_type",
    "outcomes_missing_chase",
    "red_notice_record",
    "referral_create",
    "referral_not_accept",
    "referral_route",
    "removal_directions_set",
    "removal_outcome_record",
    "reoffence_record",
    "restriction_change",
    "restriction_in_force",
    "restriction_set",
    "reviews_schedule",
    "sentences_of",
    "team_queue",
    "trace_outcome_record",
    "trace_refer",
    "voluntary_return_offer",
]
