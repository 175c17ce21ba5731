"""Enforcement operations' pages, mounted at /operations/."""

from django.urls import path

from waymark.operations.views import field, measures, planning, steps

app_name = "operations"

urlpatterns: list = [
    # Planning and authorisation, from intelligence to deployment (views/planning.py, steps.py)
    path("", planning.home, name="home"),
    path("intelligence/", planning.intelligence_list, name="intelligence-list"),
    path("intelligence/new/", planning.intelligence_new, name="intelligence-new"),
    path("intelligence/<int:pk>/", planning.intelligence_detail, name="intelligence"),
    path("intelligence/<int:pk>/decide/", planning.intelligence_decide, name="intelligence-decide"),
    path("visits/new/", planning.visit_new, name="visit-new"),
    path("visits/<int:pk>/", planning.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", planning.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/cancel/", planning.visit_cancel, name="visit-cancel"),
    path(
        "visits/<int:pk>/request-authorisation/",
        planning.authorisation_request,
        name="authorisation-request",
    ),
    path("visits/<int:pk>/steps/<slug:step>/", steps.visit_step, name="visit-step"),
    path("visits/<int:pk>/briefing/", steps.briefing, name="briefing"),
    path("visits/<int:pk>/deploy/", steps.deploy, name="deploy"),
    path("authorisations/", steps.authorisations, name="authorisations"),
    path("partner/", steps.partner_home, name="partner-home"),
    path("partner/forms/<int:pk>/", steps.partner_form, name="partner-form"),
    # The visit in the field, entries, who is where, debrief and closure (views/field.py)
    path("field/", field.field_visits, name="field-visits"),
    path("field-sw.js", field.field_service_worker, name="field-sw"),
    path("visits/<int:pk>/field/", field.field, name="field"),
    path(
        "visits/<int:pk>/field/seizures/<int:seizure_pk>/sign-off/",
        field.seizure_sign_off,
        name="seizure-sign-off",
    ),
    path("visits/<int:pk>/field/<slug:entry_type>/", field.field_entry, name="field-entry"),
    path("visits/<int:pk>/where/", field.where, name="where"),
    path("visits/<int:pk>/debrief/", field.debrief, name="debrief"),
    path("visits/<int:pk>/close/", field.close, name="close"),
    # Measures of effort and effect, objectives and data quality (views/measures.py)
    path("measures/", measures.measures_page, name="measures"),
    path("measures.csv", measures.measures_csv, name="measures-csv"),
    path("objectives/", measures.objectives_page, name="objectives"),
    path("objectives/new/", measures.objective_new, name="objective-new"),
    path("objectives/<int:pk>/", measures.objective_edit, name="objective-edit"),
    path(
        "objectives/<int:pk>/measures/new/",
        measures.objective_measure_new,
        name="objective-measure-new",
    ),
    path(
        "objectives/measures/<int:pk>/",
        measures.objective_measure_edit,
        name="objective-measure-edit",
    ),
    path(
        "objectives/measures/<int:pk>/remove/",
        measures.objective_measure_remove,
        name="objective-measure-remove",
    ),
    path("data-quality/", measures.data_quality_page, name="data-quality"),
]
