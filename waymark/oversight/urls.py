"""Oversight's pages: each views module holds its own routes."""

from waymark.oversight.views import tracker
from waymark.oversight.views.competence import urlpatterns as competence_urls

# --- quality assurance (item 1): from waymark.oversight.views import qa ---
# --- competence (item 2): from waymark.oversight.views import competence ---
# --- metrics (item 3): from waymark.oversight.views import metrics ---
# --- fairness and data quality (items 4-5): from waymark.oversight.views import fairness ---

app_name = "oversight"
urlpatterns = [
    *tracker.urlpatterns,
    # --- quality assurance (item 1) ---
    # --- competence (item 2) ---
    *competence_urls,
    # --- metrics (item 3) ---
    # --- fairness and data quality (items 4-5) ---
]
