"""API v1 routes: each app contributes its endpoints from its own ``api.py``."""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from waymark.core.permissions import public
from waymark.correspondence import api as correspondence_api
from waymark.linkage import api as linkage_api
from waymark.monitoring.api import figures as monitoring_figures
from waymark.monitoring.api import supplier as monitoring_supplier
from waymark.operations.api import field as operations_field
from waymark.operations.api import partner as operations_partner
from waymark.people import api as people_api
from waymark.work import api as work_api

app_name = "api"
urlpatterns = [
    path("nrm/", include("waymark.nrm.api.urls")),
    path("oversight/", include("waymark.oversight.api.urls")),
    path("persons/", people_api.PersonListView.as_view(), name="persons"),
    path("persons/<str:person>/", people_api.PersonDetailView.as_view(), name="person"),
    path(
        "persons/<str:person>/timeline/",
        people_api.PersonTimelineView.as_view(),
        name="person-timeline",
    ),
    path("tasks/", work_api.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/", work_api.TaskDetailView.as_view(), name="task"),
    path("tasks/<int:pk>/complete/", work_api.TaskCompleteView.as_view(), name="task-complete"),
    path(
        "correspondence/",
        correspondence_api.CorrespondenceListView.as_view(),
        name="correspondence",
    ),
    path(
        "correspondence/<int:pk>/",
        correspondence_api.CorrespondenceDetailView.as_view(),
        name="correspondence-item",
    ),
    path("monitoring/figures/", monitoring_figures.FiguresView.as_view(), name="em-figures"),
    path(
        "monitoring/supplier/events/",
        monitoring_supplier.SupplierEventView.as_view(),
        name="em-supplier-events",
    ),
    path(
        "monitoring/supplier/events/batch/",
        monitoring_supplier.SupplierEventBatchView.as_view(),
        name="em-supplier-events-batch",
    ),
    path(
        "operations/notifications/<int:pk>/answer/",
        operations_partner.NotificationAnswerView.as_view(),
        name="operations-notification-answer",
    ),
    path(
        "operations/entries/",
        operations_field.FieldEntryCreateView.as_view(),
        name="operations-entries",
    ),
    path(
        "operations/entries/batch/",
        operations_field.FieldEntryBatchView.as_view(),
        name="operations-entries-batch",
    ),
    path("linkage/match/", linkage_api.MatchView.as_view(), name="linkage-match"),
    # The schema and its documentation page are public: they describe the API, not anyone's data.
    path(
        "schema/",
        public(
            login_not_required(
                SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[])
            )
        ),
        name="schema",
    ),
    # Swagger UI sets inline styles; this page alone may use them (it shows no personal data).
    path(
        "docs/",
        public(
            login_not_required(
                csp_update({"style-src": ["'unsafe-inline'"]})(
                    SpectacularSwaggerSplitView.as_view(
                        url_name="api:schema", permission_classes=[], authentication_classes=[]
                    )
                )
            )
        ),
        name="docs",
    ),
]
