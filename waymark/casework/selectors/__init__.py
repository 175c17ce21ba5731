"""Reads for criminal casework: the lists people work from and the live figures (brief §6).

Every list starts from ``people.selectors.person_visible_queryset`` so team scoping and restricted
records are respected; figures are counted over the same stated definitions.

Split by sub-domain; every name is re-exported here, so callers write ``selectors.caseload``:
``access`` (one record, the cases a user may see), ``caseload`` (the case owner's lists and data
quality), ``reporting`` (the centre's lists), ``barriers``, ``removals`` (with what happened to a
person afterwards, for other modules) and ``figures`` (management information). The visibility
rules are in ``casework.permissions``.
"""

from waymark.casework.permissions import (
    CENTRE_VISIBILITY_AFTER_END_DAYS,
    intake_visibility,
    reporting_centre_visibility,
)
from waymark.casework.selectors.access import (
    access_case_person,
    access_for_person,
    cases_with_band,
    visible_cases,
)
from waymark.casework.selectors.barriers import (
    AGE_BANDS,
    barriers_by_type_and_age,
    barriers_open,
    etd_waiting_for_appeal,
    further_submissions_pending,
)
from waymark.casework.selectors.caseload import (
    DATA_QUALITY_LABELS,
    caseload,
    criminal_casework_team_ids,
    data_quality,
    decision_overdue,
    flagged_no_absconder_decision,
    out_of_contact,
    preparation_by_caseworker,
    referable_without_owner,
    referrals_awaiting,
    reviews_due,
    trace_queue,
)
from waymark.casework.selectors.figures import (
    DISPARITY_TOP,
    etd_by_country,
    mi_figures,
    models_f,
    outcomes_by_nationality,
    reporting_population,
)
from waymark.casework.selectors.figures_read_model import mi_figures_summary
from waymark.casework.selectors.removals import (
    REMOVAL_OUTCOME_LABELS,
    charter_summary,
    gatekeeping_pending,
    removal_outcome_dates_for_people,
    removal_outcomes_for_people,
    removals_planned,
)
from waymark.casework.selectors.reporting import (
    CHANGE_SHOWN_DAYS,
    DAY_LIST_PAGE,
    HISTORY_SHOWN,
    commissions_for_owner,
    day_list,
    day_list_events,
    events_missing_outcome,
    reporting_centres_for,
    reporting_history,
)

__all__ = [
    "AGE_BANDS",
    "CENTRE_VISIBILITY_AFTER_END_DAYS",
    "CHANGE_SHOWN_DAYS",
    "DATA_QUALITY_LABELS",
    "DAY_LIST_PAGE",
    "DISPARITY_TOP",
    "HISTORY_SHOWN",
    "REMOVAL_OUTCOME_LABELS",
    "access_case_person",
    "access_for_person",
    "barriers_by_type_and_age",
    "barriers_open",
    "caseload",
    "cases_with_band",
    "charter_summary",
    "commissions_for_owner",
    "criminal_casework_team_ids",
    "data_quality",
    "day_list",
    "day_list_events",
    "decision_overdue",
    "etd_by_country",
    "etd_waiting_for_appeal",
    "events_missing_outcome",
    "flagged_no_absconder_decision",
    "further_submissions_pending",
    "gatekeeping_pending",
    "intake_visibility",
    "mi_figures",
    "mi_figures_summary",
    "models_f",
    "out_of_contact",
    "outcomes_by_nationality",
    "preparation_by_caseworker",
    "referable_without_owner",
    "referrals_awaiting",
    "removal_outcome_dates_for_people",
    "removal_outcomes_for_people",
    "removals_planned",
    "reporting_centre_visibility",
    "reporting_centres_for",
    "reporting_history",
    "reporting_population",
    "reviews_due",
    "trace_queue",
    "visible_cases",
]
