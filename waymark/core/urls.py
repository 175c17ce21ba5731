from django.urls import path

from waymark.core import audit_views, saved_view_views

app_name = "core"
urlpatterns: list = [
    path("saved-views/", saved_view_views.saved_view_create, name="saved-view-create"),
    path(
        "saved-views/<int:pk>/delete/",
        saved_view_views.saved_view_delete,
        name="saved-view-delete",
    ),
    path("audit/sealing/", audit_views.audit_sealing, name="audit-sealing"),
]
