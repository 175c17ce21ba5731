"""URLs of record linkage (namespace ``linkage``, mounted at ``/linkage/``): the review pages, the
import pages, bulk checks and the ownership clean-up."""

from django.urls import path

from waymark.linkage import views

app_name = "linkage"

urlpatterns: list = [
    # The dashboard, the review queue and pairs, source records, runs and the incremental match
    path("", views.home, name="home"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/pairs/<int:pk>/", views.pair, name="pair"),
    path("records/<int:pk>/", views.record, name="record"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("match/", views.match, name="match"),
    path("people/<int:pk>/", views.person_records, name="person"),
    # Imports
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_new, name="import-new"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/columns/", views.import_map, name="import-map"),
    path("imports/<int:pk>/check/", views.import_check, name="import-check"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("imports/<int:pk>/rejected-rows/", views.import_rejections, name="import-rejections"),
    path("imports/<int:pk>/rejected-rows.csv", views.import_report, name="import-report"),
    path("imports/<int:pk>/rows-with-warnings/", views.import_warnings, name="import-warnings"),
    # Bulk checks and the ownership clean-up
    path("bulk/", views.bulk_list, name="bulk-list"),
    path("bulk/new/", views.bulk_new, name="bulk-new"),
    path("bulk/new-criminality/", views.bulk_new_criminality, name="bulk-new-criminality"),
    path("bulk/<int:pk>/", views.bulk_detail, name="bulk-detail"),
    path("bulk/matches/<int:pk>/", views.bulk_match, name="bulk-match"),
    path("ownership/", views.ownership_page, name="ownership"),
    path("ownership/run/", views.ownership_run, name="ownership-run"),
]
