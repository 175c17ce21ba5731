from django.urls import path

from waymark.correspondence import views

app_name = "correspondence"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("match-needed/", views.match_queue, name="match-queue"),
    path("new/", views.intake, name="intake"),
    path("<int:pk>/", views.item_detail, name="item"),
    path("<int:pk>/match/", views.item_match, name="match"),
    path("<int:pk>/no-person-needed/", views.item_no_person_needed, name="no-person-needed"),
]
