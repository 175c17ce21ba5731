"""Oversight's reads. Split by sub-domain and re-exported here."""

# --- governance: recommendations and actions tracker (issue 20 item 6) -------------------------
from waymark.oversight.selectors.tracker import (
    REC_STATUS_LABELS,
    ActionRow,
    RecommendationRow,
    access_action,
    access_recommendation,
    action_owner_choices,
    action_owner_get,
    recommendation_status,
    tracker_counts,
    tracker_owners,
    tracker_rows,
    tracker_sources,
)

__all__ = [
    "REC_STATUS_LABELS",
    "ActionRow",
    "RecommendationRow",
    "access_action",
    "access_recommendation",
    "action_owner_choices",
    "action_owner_get",
    "recommendation_status",
    "tracker_counts",
    "tracker_owners",
    "tracker_rows",
    "tracker_sources",
]
