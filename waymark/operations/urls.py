from django.urls import include, path

app_name = "operations"

urlpatterns: list = [
    path("", include("waymark.operations.field_urls")),
    path("", include("waymark.operations.measures_urls")),
]
