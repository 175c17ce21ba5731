"""Oversight's pages: each views module holds its own routes."""

# --- quality assurance (item 1): from waymark.oversight.views import qa ---
from waymark.oversight.views import qa, tracker

# --- competence (item 2): from waymark.oversight.views import competence ---
# --- metrics (item 3): from waymark.oversight.views import metrics ---
# --- fairness and data quality (items 4-5): from waymark.oversight.views import fairness ---

app_name = "oversight"
urlpatterns = [
    *tracker.urlpatterns,
    # --- quality assurance (item 1) ---
    *qa.urlpatterns,
    # --- competence (item 2) ---
    # --- metrics (item 3) ---
    # --- fairness and data quality (items 4-5) ---
]
