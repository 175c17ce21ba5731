"""Writes for electronic monitoring (brief monitoring.md). Every change is audited and, where it
is about a person, put on their single timeline. Numbers come from ``monitoring.rules``; status
changes go through ``monitoring.workflows``.

Split by sub-domain; every name is re-exported here, so callers write ``services.breach_ingest``:
``conditions`` (bail grants, exemptions, the recommender, imposing a condition), ``fitting``
(orders, sending, slot answers, outcomes), ``supplier_events`` (inbound events), ``breaches``
(breaches, battery rule, mitigation, ladder, referrals), ``reviews``, ``challenges``,
``trail_data``, ``joint_log`` and ``archive`` (bulk replay of a supplier archive).
"""

from waymark.monitoring.services._common import MODULE, condition_tasks_for
from waymark.monitoring.services.archive import breach_archive_replay
from waymark.monitoring.services.breaches import (
    battery_evaluate,
    breach_end_record,
    breach_ingest,
    breaches_open_too_long,
    ladder_apply,
    ladder_preview,
    mitigation_decide,
    mitigation_record,
    referral_open,
    referral_update,
)
from waymark.monitoring.services.challenges import challenge_record, challenge_respond
from waymark.monitoring.services.conditions import (
    bail_grant_record,
    condition_impose,
    exemption_decide,
    exemption_withdraw,
    fitting_limit,
    recommendation_for,
    release_record,
)
from waymark.monitoring.services.figures_read_model import figures_read_model_rebuild
from waymark.monitoring.services.fitting import (
    OrderNotSent,
    condition_tasks,
    conveyance_confirmation_store,
    fitting_order_create,
    fitting_outcome_record,
    order_payload,
    order_send,
    slot_answer,
    slot_silence_flag,
)
from waymark.monitoring.services.joint_log import joint_log_add, joint_log_close
from waymark.monitoring.services.reviews import (
    next_review_due,
    review_decide,
    review_sign_off,
    reviews_schedule,
)
from waymark.monitoring.services.supplier_batches import (
    BatchAnswer,
    BatchEvent,
    supplier_events_batch_receive,
)
from waymark.monitoring.services.supplier_events import (
    EventConflict,
    breach_created_apply,
    device_fault_record,
    once_more_if_deadlocked,
    order_by_reference,
    person_by_reference,
    service_figures_record,
    supplier_event_receive,
)
from waymark.monitoring.services.trail_data import (
    trail_data_view,
    trail_request_approve,
    trail_request_close,
    trail_request_create,
    trail_retention_seal,
)

__all__ = [
    "MODULE",
    "BatchAnswer",
    "BatchEvent",
    "EventConflict",
    "OrderNotSent",
    "bail_grant_record",
    "battery_evaluate",
    "breach_archive_replay",
    "breach_created_apply",
    "breach_end_record",
    "breach_ingest",
    "breaches_open_too_long",
    "challenge_record",
    "challenge_respond",
    "condition_impose",
    "condition_tasks",
    "condition_tasks_for",
    "conveyance_confirmation_store",
    "device_fault_record",
    "exemption_decide",
    "exemption_withdraw",
    "figures_read_model_rebuild",
    "fitting_limit",
    "fitting_order_create",
    "fitting_outcome_record",
    "joint_log_add",
    "joint_log_close",
    "ladder_apply",
    "ladder_preview",
    "mitigation_decide",
    "mitigation_record",
    "next_review_due",
    "once_more_if_deadlocked",
    "order_by_reference",
    "order_payload",
    "order_send",
    "person_by_reference",
    "recommendation_for",
    "referral_open",
    "referral_update",
    "release_record",
    "review_decide",
    "review_sign_off",
    "reviews_schedule",
    "service_figures_record",
    "slot_answer",
    "slot_silence_flag",
    "supplier_event_receive",
    "supplier_events_batch_receive",
    "trail_data_view",
    "trail_request_approve",
    "trail_request_close",
    "trail_request_create",
    "trail_retention_seal",
]
