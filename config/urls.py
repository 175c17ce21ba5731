from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from health_check.views import HealthCheckView

urlpatterns = [
    path("", include("waymark.work.urls")),
    path("accounts/", include("waymark.accounts.urls")),
    path("people/", include("waymark.people.urls")),
    path("correspondence/", include("waymark.correspondence.urls")),
    path("documents/", include("waymark.documents.urls")),
    path("audit/", include("waymark.core.urls")),
    path("api/v1/", include("config.api")),
    path(
        "health/",
        login_not_required(
            HealthCheckView.as_view(checks=["health_check.checks.Database", "health_check.checks.Storage"])
        ),
        name="health",
    ),
    path("django-admin/", admin.site.urls),
]
