"""Oversight's writes (docs/platform-contracts.md, "services/"): keyword-only, each takes
``actor``, checks permission, runs in one transaction and audits. Split by sub-domain and
re-exported here so callers write ``services.action_add(...)``."""

# --- governance: recommendations and actions tracker (issue 20 item 6) -------------------------
from waymark.oversight.services.tracker import (
    action_add,
    action_close,
    action_reopen,
    action_update_post,
    recommendations_data,
    recommendations_seed,
)

# --- quality assurance: checklists, sampling, reviews, disputes, observations (item 1) ---
# (names from waymark.oversight.services.qa are re-exported here)

# --- people and performance: competence and objectives (item 2) ---
# (names from waymark.oversight.services.competence are re-exported here)

# --- insight: metric registry, reconciliation, snapshots (item 3) ---
# (names from waymark.oversight.services.metrics are re-exported here)

# --- data quality and fairness monitoring (items 4 and 5) ---
# (names from waymark.oversight.services.fairness are re-exported here)

__all__ = [
    "action_add",
    "action_close",
    "action_reopen",
    "action_update_post",
    "recommendations_data",
    "recommendations_seed",
]
