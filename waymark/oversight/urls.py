"""Oversight's pages: each views module holds its own routes (one per area of issue 20)."""

from waymark.oversight.views import (
    competence,
    dashboards,
    data_quality,
    fairness,
    governance,
    governance_complaints,
    governance_exports,
    metrics,
    objectives,
    qa,
    qa_admin,
    tracker,
    training,
)

app_name = "oversight"
urlpatterns = [
    *tracker.urlpatterns,
    # --- quality assurance (item 1) ---
    *qa.urlpatterns,
    # --- quality assurance editing: rule pages and changes, resuming, checklist versions ---
    *qa_admin.urlpatterns,
    # --- competence (item 2) ---
    *competence.urlpatterns,
    # --- objectives, quality per person, training needs, competence withdrawal (item 2) ---
    *objectives.urlpatterns,
    *training.urlpatterns,  # training records (item 2)
    # --- metrics (item 3) ---
    *metrics.urlpatterns,
    *dashboards.urlpatterns,
    # --- fairness and data quality (items 4-5) ---
    *fairness.urlpatterns,
    *data_quality.urlpatterns,
    # --- governance: risks, supplier issues, complaints, lessons (item 6) ---
    *governance.urlpatterns,
    *governance_exports.urlpatterns,
    *governance_complaints.urlpatterns,
]
