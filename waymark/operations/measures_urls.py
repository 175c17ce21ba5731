from django.urls import path

from waymark.operations import measures_views as views

urlpatterns: list = [
    path("measures/", views.measures_page, name="measures"),
    path("measures.csv", views.measures_csv, name="measures-csv"),
    path("objectives/", views.objectives_page, name="objectives"),
    path("objectives/new/", views.objective_new, name="objective-new"),
    path("objectives/<int:pk>/", views.objective_edit, name="objective-edit"),
    path(
        "objectives/<int:pk>/measures/new/",
        views.objective_measure_new,
        name="objective-measure-new",
    ),
    path(
        "objectives/measures/<int:pk>/", views.objective_measure_edit, name="objective-measure-edit"
    ),
    path(
        "objectives/measures/<int:pk>/remove/",
        views.objective_measure_remove,
        name="objective-measure-remove",
    ),
    path("data-quality/", views.data_quality_page, name="data-quality"),
]
