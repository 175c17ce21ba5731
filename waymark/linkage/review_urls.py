"""URLs of the review pages: the dashboard, the review queue and pairs, source records, runs and
the incremental-match page."""

from django.urls import path

from waymark.linkage import review_views as views

urlpatterns: list = [
    path("", views.home, name="home"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/pairs/<int:pk>/", views.pair, name="pair"),
    path("records/<int:pk>/", views.record, name="record"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("match/", views.match, name="match"),
    path("people/<int:pk>/", views.person_records, name="person"),
]
