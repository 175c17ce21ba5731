from django.urls import include, path

from waymark.operations import views

app_name = "operations"

urlpatterns: list = [
    # --- planning and authorisation (H1) ---
    path("", views.home, name="home"),
    path("intelligence/", views.intelligence_list, name="intelligence-list"),
    path("intelligence/new/", views.intelligence_new, name="intelligence-new"),
    path("intelligence/<int:pk>/", views.intelligence_detail, name="intelligence"),
    path("intelligence/<int:pk>/decide/", views.intelligence_decide, name="intelligence-decide"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit-cancel"),
    path(
        "visits/<int:pk>/request-authorisation/",
        views.authorisation_request,
        name="authorisation-request",
    ),
    path("visits/<int:pk>/steps/<slug:step>/", views.visit_step, name="visit-step"),
    path("visits/<int:pk>/briefing/", views.briefing, name="briefing"),
    path("visits/<int:pk>/deploy/", views.deploy, name="deploy"),
    path("authorisations/", views.authorisations, name="authorisations"),
    path("partner/", views.partner_home, name="partner-home"),
    path("partner/forms/<int:pk>/", views.partner_form, name="partner-form"),
    # --- end planning and authorisation ---
    path("", include("waymark.operations.field_urls")),
    path("", include("waymark.operations.measures_urls")),
]
