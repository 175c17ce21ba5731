"""Oversight's pages: each views module holds its own routes (one per area of issue 20)."""

from waymark.oversight.views import (
    competence,
    data_quality,
    fairness,
    governance,
    governance_complaints,
    metrics,
    qa,
    tracker,
)

app_name = "oversight"
urlpatterns = [
    *tracker.urlpatterns,
    # --- quality assurance (item 1) ---
    *qa.urlpatterns,
    # --- competence (item 2) ---
    *competence.urlpatterns,
    # --- metrics (item 3) ---
    *metrics.urlpatterns,
    # --- fairness and data quality (items 4-5) ---
    *fairness.urlpatterns,
    *data_quality.urlpatterns,
    # --- governance: risks, supplier issues, complaints, lessons (item 6) ---
    *governance.urlpatterns,
    *governance_complaints.urlpatterns,
]
