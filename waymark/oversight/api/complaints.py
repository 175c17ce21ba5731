"""API v1: complaints (issue 20 item 6), read-only, for the complaints team's reporting and the
Ombudsman liaison's tools.

``GET /api/v1/oversight/complaints/`` complaints as the complaints page lists them (open ones by
target first), filtered by ``status`` (the page's filters) and ``theme``, paged;
``GET .../complaints/<id>/`` one. Each with its channel, complainant, the Waymark reference of the
person it concerns (withheld for a restricted record unless the caller may see restricted
records), summary, themes, status and stage, the 20-working-day target and whether it is overdue,
the response and its outcome, and its stage-2 review and Ombudsman consideration.

Complaints are personal data: every read is logged as a consultation by the personal-data
middleware, naming the people concerned (``audit.note_consulted``), as on the pages. Session
users need ``oversight.view_complaints``; machine clients the ``oversight:read`` scope as well."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from waymark.api.views import WaymarkApiView, problems
from waymark.core import audit
from waymark.oversight import permissions as perms
from waymark.oversight.api import SCOPE, staff_name
from waymark.oversight.models import Complaint, ComplaintTheme
from waymark.oversight.selectors import governance as sel

FILTERS = tuple(sel.COMPLAINT_FILTERS)
STAGES = ("Stage 1", "Stage 2", "Ombudsman")


class EscalationOutput(serializers.Serializer):
    stage = serializers.CharField()
    status = serializers.CharField()
    requested_on = serializers.DateField()
    reason = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    ombudsman_reference = serializers.CharField()
    handler = serializers.SerializerMethodField()
    responded_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    response = serializers.CharField()
    remedy = serializers.CharField()

    def get_handler(self, escalation) -> str | None:
        return staff_name(escalation.handler)


class ComplaintOutput(serializers.Serializer):
    id = serializers.IntegerField(source="complaint.pk")
    reference = serializers.CharField(source="complaint.reference")
    channel = serializers.CharField(source="complaint.channel")
    received_on = serializers.DateField(source="complaint.received_on")
    complainant = serializers.CharField(source="complaint.complainant")
    person_reference = serializers.SerializerMethodField(
        help_text="The person it concerns, where known; 'Restricted record' when withheld"
    )
    summary = serializers.CharField(source="complaint.summary")
    themes = serializers.SerializerMethodField()
    status = serializers.CharField(source="complaint.status")
    stage = serializers.ChoiceField(choices=STAGES)
    due_on = serializers.DateField(source="complaint.due_on")
    overdue = serializers.BooleanField()
    handler = serializers.SerializerMethodField()
    responded_on = serializers.DateField(source="complaint.responded_on", allow_null=True)
    on_time = serializers.BooleanField(source="complaint.on_time", allow_null=True)
    outcome = serializers.CharField(source="complaint.outcome")
    response = serializers.CharField(source="complaint.response")
    escalations = serializers.SerializerMethodField()

    def get_person_reference(self, row) -> str | None:
        return row.person_reference or None

    def get_themes(self, row) -> list[str]:
        return [t.theme for t in row.complaint.themes.all()]

    def get_handler(self, row) -> str | None:
        return staff_name(row.complaint.handler)

    @extend_schema_field(EscalationOutput(many=True))
    def get_escalations(self, row) -> list[dict]:
        return EscalationOutput(list(row.complaint.escalations.all()), many=True).data


class ComplaintQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=FILTERS, required=False)
    theme = serializers.ChoiceField(choices=ComplaintTheme.choices, required=False)


class _ComplaintsView(WaymarkApiView):
    queryset = Complaint.objects.none()  # for the schema only: reads go through selectors
    required_perms = {"GET": [perms.VIEW_COMPLAINTS]}
    required_scope = {"GET": SCOPE}


class ComplaintListView(_ComplaintsView):
    serializer_class = ComplaintOutput

    @extend_schema(
        summary="Complaints, open ones by target first; each read is logged",
        parameters=[
            OpenApiParameter("status", str, enum=list(FILTERS)),
            OpenApiParameter("theme", str, enum=list(ComplaintTheme.values)),
        ],
        responses={200: ComplaintOutput(many=True), **problems(400, 401, 403)},
    )
    def get(self, request):
        query = ComplaintQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        complaints = sel.complaints_queryset(
            status=query.validated_data.get("status", ""),
            theme=query.validated_data.get("theme", ""),
        )
        # The paginator notes the page's people and the count for the consultation entry.
        rows = sel.complaint_rows(self.paginate_queryset(complaints), request.user)
        return self.get_paginated_response(ComplaintOutput(rows, many=True).data)


class ComplaintDetailView(_ComplaintsView):
    serializer_class = ComplaintOutput
    pagination_class = None

    @extend_schema(
        summary="One complaint with its review and Ombudsman stages; the read is logged",
        responses={200: ComplaintOutput, **problems(401, 403, 404)},
    )
    def get(self, request, pk: int):
        row = sel.access_complaint(request.user, pk)
        if row.complaint.person_id:
            audit.note_consulted(people=[row.complaint.person_id])
        return Response(ComplaintOutput(row).data)


urlpatterns = [
    path("complaints/", ComplaintListView.as_view(), name="oversight-complaints"),
    path("complaints/<int:pk>/", ComplaintDetailView.as_view(), name="oversight-complaint"),
]
