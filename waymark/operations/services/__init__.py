"""Enforcement operations' writes (docs/platform-contracts.md, ``services/``), by sub-domain:
intelligence, planning, assessments, checks, authorisation, deployment, the field notebook
(field_entries, field_writers), closure and objectives. Each service checks permission,
validates (a ``ValidationError`` naming the field; nothing saved), writes in one transaction,
audits, and puts the visit on each subject's timeline; statuses move only through
``workflows.VISIT`` and ``workflows.INTELLIGENCE``."""

from waymark.operations.services._common import (
    team_queue,
)
from waymark.operations.services.assessments import (
    impact_assessment_record,
    plan_assessment_record,
    risk_assessment_record,
)
from waymark.operations.services.authorisation import (
    authorisation_problems,
    authorisation_request,
    visit_authorise,
)
from waymark.operations.services.checks import (
    check_record,
    notification_answer,
    notification_send,
    police_phone_check_record,
    reconnaissance_record,
)
from waymark.operations.services.closure import (
    closure_problems,
    debrief_submit,
    seizure_property_sign_off,
    visit_close,
)
from waymark.operations.services.deployment import (
    briefing_accept,
    command_set,
    officer_in_charge_problem,
    order_record,
    visit_deploy,
    visit_officer_assign,
)
from waymark.operations.services.field_entries import (
    field_entry_record,
)
from waymark.operations.services.intelligence import (
    intelligence_decide,
    intelligence_record,
    premises_find_or_record,
)
from waymark.operations.services.measures_read_model import measures_read_model_rebuild
from waymark.operations.services.objectives import (
    objective_create,
    objective_measure_add,
    objective_measure_remove,
    objective_measure_update,
    objective_update,
)
from waymark.operations.services.planning import (
    visit_cancel,
    visit_plan,
    visit_update,
)

__all__ = [
    "authorisation_problems",
    "authorisation_request",
    "briefing_accept",
    "check_record",
    "closure_problems",
    "command_set",
    "debrief_submit",
    "field_entry_record",
    "impact_assessment_record",
    "intelligence_decide",
    "intelligence_record",
    "measures_read_model_rebuild",
    "notification_answer",
    "notification_send",
    "objective_create",
    "objective_measure_add",
    "objective_measure_remove",
    "objective_measure_update",
    "objective_update",
    "officer_in_charge_problem",
    "order_record",
    "plan_assessment_record",
    "police_phone_check_record",
    "premises_find_or_record",
    "reconnaissance_record",
    "risk_assessment_record",
    "seizure_property_sign_off",
    "team_queue",
    "visit_authorise",
    "visit_cancel",
    "visit_close",
    "visit_deploy",
    "visit_officer_assign",
    "visit_plan",
    "visit_update",
]
