"""Oversight's tables, one module per sub-domain (each helper-sized area owns its own file) and
re-exported here so ``from waymark.oversight.models import Action`` keeps working."""

# --- governance: recommendations and actions tracker (issue 20 item 6) -------------------------
# --- people and performance: competence and objectives (item 2) -------------------------------
from waymark.oversight.models.competence import *  # noqa: F403

# --- data quality and fairness monitoring (items 4 and 5) -------------------------------------
from waymark.oversight.models.data_quality import *  # noqa: F403
from waymark.oversight.models.fairness import *  # noqa: F403

# --- governance: risks, supplier issues, complaints, lessons (item 6) ---------------------------
from waymark.oversight.models.governance import *  # noqa: F403

# --- insight: metric registry snapshots and reconciliation (item 3) ---------------------------
from waymark.oversight.models.metrics import *  # noqa: F403

# --- people and performance: objectives linked to service priorities (item 2) -----------------
from waymark.oversight.models.objectives import *  # noqa: F403

# --- quality assurance: checklists, sampling, reviews, disputes, observations (item 1) --------
from waymark.oversight.models.qa import *  # noqa: F403
from waymark.oversight.models.tracker import (  # noqa: F401
    Action,
    ActionStatus,
    ActionUpdate,
    Recommendation,
    Response,
)

# --- people and performance: training records (item 2) ----------------------------------------
from waymark.oversight.models.training import *  # noqa: F403
