from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from health_check.views import HealthCheckView

from waymark.accounts.views import admin_sign_in
from waymark.core import views as core_views

# The admin's own form takes a password alone; Waymark's sign-in asks for the second factor too.
admin.site.login = admin_sign_in

urlpatterns = [
    path("", include("waymark.work.urls")),
    path("accounts/", include("waymark.accounts.urls")),
    path("people/", include("waymark.people.urls")),
    path("correspondence/", include("waymark.correspondence.urls")),
    path("documents/", include("waymark.documents.urls")),
    path("monitoring/", include("waymark.monitoring.urls")),
    path("casework/", include("waymark.casework.urls")),
    path("operations/", include("waymark.operations.urls")),
    path("guidance/", include("waymark.guidance.urls")),
    path("linkage/", include("waymark.linkage.urls")),
    path("nrm/", include("waymark.nrm.urls")),
    path("oversight/", include("waymark.oversight.urls")),
    path("", include("waymark.core.urls")),
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("cookies/", core_views.cookies, name="cookies"),
    path("figures/", core_views.figures, name="figures"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("notifications/read/", core_views.notifications_read, name="notifications-read"),
    path("api/v1/", include("config.api")),
    path(
        "health/",
        login_not_required(
            HealthCheckView.as_view(
                checks=[
                    "health_check.checks.Database",
                    "health_check.checks.Storage",
                    "waymark.core.health.AuditSealing",
                ]
            )
        ),
        name="health",
    ),
    # For monitoring and alerting, not the load balancer: the background processes (the figures
    # refresher, the job worker, the audit sequencer), whose stopping leaves the pages working.
    path(
        "health/background/",
        login_not_required(
            HealthCheckView.as_view(
                checks=[
                    "waymark.core.health.ReadModelsFresh",
                    "waymark.core.health.TaskQueue",
                    "waymark.core.health.AuditSealing",
                ]
            )
        ),
        name="health-background",
    ),
    path("django-admin/", admin.site.urls),
]

# GOV.UK error pages (waymark/core/jinja2/errors/).
handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
