from django.urls import path

from waymark.documents import views

app_name = "documents"
urlpatterns = [
    path("person/<int:person_pk>/", views.person_documents, name="person-documents"),
    path("person/<int:person_pk>/upload/", views.document_upload, name="upload"),
    path("person/<int:person_pk>/letter/", views.letter_generate, name="letter-generate"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/download/", views.document_download, name="download"),
    path("<int:pk>/service/", views.letter_service, name="letter-service"),
]
