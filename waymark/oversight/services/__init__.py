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

__all__ = [
    "action_add",
    "action_close",
    "action_reopen",
    "action_update_post",
    "recommendations_data",
    "recommendations_seed",
]
