"""Field pages (H2): the visit in the field, entries, who is where, debrief and closure."""

from django.urls import path

from waymark.operations import field_views

urlpatterns: list = [
    path("field/", field_views.field_visits, name="field-visits"),
    path("field-sw.js", field_views.field_service_worker, name="field-sw"),
    path("visits/<int:pk>/field/", field_views.field, name="field"),
    path(
        "visits/<int:pk>/field/seizures/<int:seizure_pk>/sign-off/",
        field_views.seizure_sign_off,
        name="seizure-sign-off",
    ),
    path("visits/<int:pk>/field/<slug:entry_type>/", field_views.field_entry, name="field-entry"),
    path("visits/<int:pk>/where/", field_views.where, name="where"),
    path("visits/<int:pk>/debrief/", field_views.debrief, name="debrief"),
    path("visits/<int:pk>/close/", field_views.close, name="close"),
]
