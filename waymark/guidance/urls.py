from django.urls import path

from waymark.guidance import views

app_name = "guidance"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("new/", views.publish, name="publish"),
    path("links/", views.link_check, name="links"),
    path("<slug:slug>/", views.page, name="page"),
    path("<slug:slug>/revise/", views.revise, name="revise"),
    path("<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:slug>/<int:version>/", views.version, name="version"),
    path("<slug:slug>/<int:version>/approve/", views.approve, name="approve"),
]
