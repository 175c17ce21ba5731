"""Who may do what in enforcement operations: the permission codenames (declared on
``IntelligencePackage.Meta``, given to roles in registrations.py). The object-level rules (which
visits and intelligence a user may see: their own teams', or every team's with ``VIEW_ALL``; the
police partner only their force's forms) live in ``selectors/visits.py`` and ``selectors/field.py``,
where every read goes through them."""

from __future__ import annotations

VIEW_OPERATIONS = "operations.view_operations"
VIEW_ALL = "operations.view_all_operations"
PLAN = "operations.plan_visits"
AUTHORISE = "operations.authorise_visits"
RECORD = "operations.record_field_entries"
COMMAND = "operations.command_visits"
VIEW_MEASURES = "operations.view_operations_measures"
MANAGE_OBJECTIVES = "operations.manage_objectives"
ANSWER = "operations.answer_notifications"

# What each role is given (registrations.py). Field officers record entries on the visits they are
# assigned to; the officer in charge also briefs, deploys and closes.
FIELD = frozenset({VIEW_OPERATIONS, RECORD, PLAN})
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "field_officer": FIELD,
    "officer_in_charge": FIELD | {COMMAND},
    "authorising_officer": frozenset(
        {VIEW_OPERATIONS, PLAN, AUTHORISE, VIEW_MEASURES, MANAGE_OBJECTIVES}
    ),
    "assurance": frozenset({VIEW_OPERATIONS, VIEW_ALL, VIEW_MEASURES}),
    "performance_analyst": frozenset({VIEW_MEASURES}),
    "line_manager": frozenset({VIEW_MEASURES}),
    "police_partner": frozenset({ANSWER}),
}
