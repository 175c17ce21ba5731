"""Reads for electronic monitoring: working lists and live management information (brief §1-§8).

Every figure is computed from records for a period, with one definition each, so the same number
appears on the page, in the API and in an export.

Split by sub-domain; every name is re-exported here, so callers write ``selectors.mi_figures``:
``access`` (who may see which records), ``lists`` (the Hub's working lists), ``figures`` (the
management information) and ``plan`` (the operational plan).
"""

from waymark.monitoring.selectors.access import (
    access_breach,
    access_challenge,
    access_condition,
    access_em_person,
    access_exemption,
    access_order,
    access_referral,
    access_review,
    access_trail_request,
    em_person_queryset,
    em_visibility,
)
from waymark.monitoring.selectors.figures import (
    Period,
    awaiting_device_counts,
    bail_em_share,
    breaches_by_type_by_month,
    devices_against_plan,
    exemption_figures,
    mi_figures,
    notifications_and_work,
    on_em_at,
    period_default,
    population,
    representations_by_outcome,
    reviews_figures,
    service_levels,
    supplier_measures,
    trail_figures,
)
from waymark.monitoring.selectors.figures_read_model import mi_figures_summary
from waymark.monitoring.selectors.lists import (
    FIGURE_5_GROUPS,
    LadderPosition,
    breaches_for_triage,
    current_exemptions,
    data_quality,
    duty_cohort,
    duty_gaps,
    figure_5_group,
    held_awaiting_fitting,
    joint_log_entries,
    joint_log_entry_find,
    ladder_position,
    released_awaiting_device,
    reviews_outstanding,
    scarcity_rank,
)
from waymark.monitoring.selectors.plan import WORK_MINUTES, operational_plan

__all__ = [
    "FIGURE_5_GROUPS",
    "WORK_MINUTES",
    "LadderPosition",
    "Period",
    "access_breach",
    "access_challenge",
    "access_condition",
    "access_em_person",
    "access_exemption",
    "access_order",
    "access_referral",
    "access_review",
    "access_trail_request",
    "awaiting_device_counts",
    "bail_em_share",
    "breaches_by_type_by_month",
    "breaches_for_triage",
    "current_exemptions",
    "data_quality",
    "devices_against_plan",
    "duty_cohort",
    "duty_gaps",
    "em_person_queryset",
    "em_visibility",
    "exemption_figures",
    "figure_5_group",
    "held_awaiting_fitting",
    "joint_log_entries",
    "joint_log_entry_find",
    "ladder_position",
    "mi_figures",
    "mi_figures_summary",
    "notifications_and_work",
    "on_em_at",
    "operational_plan",
    "period_default",
    "population",
    "released_awaiting_device",
    "representations_by_outcome",
    "reviews_figures",
    "reviews_outstanding",
    "scarcity_rank",
    "service_levels",
    "supplier_measures",
    "trail_figures",
]
