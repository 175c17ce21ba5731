from django.urls import path

from waymark.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.home, name="home"),
    path("lists/<slug:kind>/", views.work_list, name="list"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/reporting/", views.restriction_new, name="restriction-new"),
    path("people/<int:pk>/commission/", views.commission_new, name="commission-new"),
    path("people/<int:pk>/absconder/", views.absconder_new, name="absconder-new"),
    path("people/<int:pk>/reoffence/", views.reoffence_new, name="reoffence-new"),
    path("people/<int:pk>/preparation/", views.preparation_start, name="preparation-start"),
    path("people/<int:pk>/barrier/", views.barrier_new, name="barrier-new"),
    path("people/<int:pk>/etd/", views.etd_new, name="etd-new"),
    path("people/<int:pk>/red-notice/", views.red_notice_new, name="red-notice-new"),
    path("people/<int:pk>/further-submissions/", views.further_new, name="further-new"),
    path("people/<int:pk>/decision/", views.decision_new, name="decision-new"),
    path("people/<int:pk>/band/", views.band_override, name="band-override"),
    path("people/<int:pk>/refer/", views.refer, name="refer"),
    path("people/<int:pk>/detention/", views.detention_new, name="detention-new"),
    path(
        "people/<int:pk>/voluntary-return/", views.voluntary_return_new, name="voluntary-return-new"
    ),
    path("people/<int:pk>/directions/", views.directions_new, name="directions-new"),
    path("restrictions/<int:pk>/", views.restriction_edit, name="restriction-edit"),
    path("steps/<int:pk>/", views.contact_step, name="contact-step"),
    path("absconders/<int:pk>/trace/", views.trace_new, name="trace-new"),
    path("trace/<int:pk>/", views.trace_outcome, name="trace-outcome"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("preparation/<int:pk>/initial/", views.preparation_initial, name="preparation-initial"),
    path("preparation/<int:pk>/finalise/", views.preparation_finalise, name="preparation-finalise"),
    path("barriers/<int:pk>/clear/", views.barrier_clear, name="barrier-clear"),
    path("further-submissions/<int:pk>/", views.further_decide, name="further-decide"),
    path("referrals/<int:pk>/", views.referral_route, name="referral-route"),
    path("removals/", views.removals, name="removals"),
    path("removals/export/", views.removals_export, name="removals-export"),
    path("removals/<int:pk>/outcome/", views.removal_outcome, name="removal-outcome"),
    path("charters/new/", views.charter_new, name="charter-new"),
    path("charters/<int:pk>/", views.charter, name="charter"),
    path("detention/<int:pk>/", views.detention_decide, name="detention-decide"),
    path("centre/", views.centre, name="centre"),
    path("events/<int:pk>/", views.event_outcome, name="event-outcome"),
    path("events/<int:pk>/attended/", views.event_attended, name="event-attended"),
    path("commissions/<int:pk>/", views.commission_result, name="commission-result"),
    path("figures/", views.mi, name="mi"),
    path("figures.csv", views.mi_csv, name="mi-csv"),
]
