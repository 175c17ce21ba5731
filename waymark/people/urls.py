from django.urls import path

from waymark.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_search, name="search"),
    path("search/export/", views.person_search_export, name="search-export"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/details/", views.person_details_change, name="details-change"),
    path("<int:pk>/timeline/", views.person_timeline, name="timeline"),
    path("<int:pk>/tasks/", views.person_tasks, name="tasks"),
    path("<int:pk>/documents/", views.person_documents, name="documents"),
    path("<int:pk>/access-history/", views.person_access_history, name="access-history"),
    path(
        "<int:pk>/access-history/export/",
        views.person_access_history_export,
        name="access-history-export",
    ),
    path(
        "<int:pk>/protected-characteristics/",
        views.person_protected_characteristics,
        name="protected-characteristics",
    ),
    path("<int:pk>/notes/add/", views.note_add, name="note-add"),
    path("<int:pk>/notes/<int:note_pk>/correct/", views.note_correct, name="note-correct"),
    path("<int:pk>/ownership/", views.ownership, name="ownership"),
    path("<int:pk>/names/add/", views.alias_add, name="alias-add"),
    path("<int:pk>/references/add/", views.reference_add, name="reference-add"),
    path("<int:pk>/vulnerabilities/add/", views.vulnerability_add, name="vulnerability-add"),
    path(
        "<int:pk>/vulnerabilities/assessment/",
        views.vulnerability_assessment,
        name="vulnerability-assessment",
    ),
    path("<int:pk>/flags/add/", views.flag_add, name="flag-add"),
    path("<int:pk>/flags/<int:flag_pk>/end/", views.flag_end, name="flag-end"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/merges/<int:merge_pk>/undo/", views.unmerge, name="unmerge"),
]
