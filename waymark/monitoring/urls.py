from django.urls import path

from waymark.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.home, name="home"),
    path("lists/<slug:kind>/", views.work_list, name="list"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/bail-grant/", views.bail_grant_new, name="bail-grant-new"),
    path("people/<int:pk>/condition/", views.condition_new, name="condition-new"),
    path("people/<int:pk>/exemption/", views.exemption_new, name="exemption-new"),
    path("people/<int:pk>/challenge/", views.challenge_new, name="challenge-new"),
    path("people/<int:pk>/trail-data/", views.trail_new, name="trail-new"),
    path("conditions/<int:pk>/release/", views.release_new, name="release-new"),
    path("conditions/<int:pk>/order/", views.order_new, name="order-new"),
    path("conditions/<int:pk>/conveyance/", views.conveyance_upload, name="conveyance"),
    path("exemptions/<int:pk>/withdraw/", views.exemption_withdraw, name="exemption-withdraw"),
    path("orders/<int:pk>/outcome/", views.order_outcome, name="order-outcome"),
    path("breaches/<int:pk>/", views.breach, name="breach"),
    path("breaches/<int:pk>/ladder/", views.breach_ladder_apply, name="breach-ladder"),
    path("breaches/<int:pk>/mitigation/", views.mitigation_new, name="mitigation-new"),
    path(
        "breaches/<int:pk>/mitigation/<int:mitigation_pk>/",
        views.mitigation_decide,
        name="mitigation-decide",
    ),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("challenges/<int:pk>/", views.challenge_respond, name="challenge"),
    path("trail-data/<int:pk>/", views.trail, name="trail"),
    path("trail-data/<int:pk>/approve/", views.trail_approve, name="trail-approve"),
    path("trail-data/<int:pk>/close/", views.trail_close, name="trail-close"),
    path("trail-data/<int:pk>/data/", views.trail_data, name="trail-data"),
    path("supplier/", views.supplier, name="supplier"),
    path("supplier/joint-log/", views.joint_log, name="joint-log"),
    path("figures/", views.mi, name="mi"),
    path("figures.csv", views.mi_csv, name="mi-csv"),
    path("plan/", views.plan, name="plan"),
]
