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

# --- quality assurance: checklists, sampling, reviews, disputes, observations (item 1) ---
# (names from waymark.oversight.selectors.qa are re-exported here)

# --- people and performance: competence and objectives (item 2) ---
# (names from waymark.oversight.selectors.competence are re-exported here)

# --- insight: metric registry, reconciliation, snapshots (item 3) ---
# (names from waymark.oversight.selectors.metrics are re-exported here)

# --- data quality and fairness monitoring (items 4 and 5) ---
# (names from waymark.oversight.selectors.fairness are re-exported here)

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
