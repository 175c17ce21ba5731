"""URLs of the bulk-check pages and the ownership clean-up."""

from django.urls import path

from waymark.linkage import bulk_views as views

urlpatterns: list = [
    path("bulk/", views.bulk_list, name="bulk-list"),
    path("bulk/new/", views.bulk_new, name="bulk-new"),
    path("bulk/new-criminality/", views.bulk_new_criminality, name="bulk-new-criminality"),
    path("bulk/<int:pk>/", views.bulk_detail, name="bulk-detail"),
    path("bulk/matches/<int:pk>/", views.bulk_match, name="bulk-match"),
    path("ownership/", views.ownership_page, name="ownership"),
    path("ownership/run/", views.ownership_run, name="ownership-run"),
]
