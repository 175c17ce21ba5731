"""URLs of the import pages (owned by that part of the module)."""

from django.urls import path

from waymark.linkage import import_views as v

urlpatterns: list = [
    path("imports/", v.import_list, name="import-list"),
    path("imports/new/", v.import_new, name="import-new"),
    path("imports/<int:pk>/", v.import_detail, name="import-detail"),
    path("imports/<int:pk>/columns/", v.import_map, name="import-map"),
    path("imports/<int:pk>/check/", v.import_check, name="import-check"),
    path("imports/<int:pk>/cancel/", v.import_cancel, name="import-cancel"),
    path("imports/<int:pk>/rejected-rows/", v.import_rejections, name="import-rejections"),
    path("imports/<int:pk>/rejected-rows.csv", v.import_report, name="import-report"),
]
