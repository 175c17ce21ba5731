"""API v1: the risk registers (issue 20 item 6), read-only, for the directorate's risk and
contract reporting (the joint register with the EM supplier included, 000 rec 4).

``GET /api/v1/oversight/risk-registers/`` every register with its owner, contract owner and
supplier, its open risks by level, overdue reviews and open supplier issues (the registers page's
rows, ``selectors.governance.register_rows``); ``GET .../risk-registers/<id>/risks/`` the
register's risks, highest rating first, filtered by ``level``, ``overdue`` and ``status`` (the
register page's rows, ``selectors.governance.register_risks``), each with its rating and level,
its target, its review cadence and next review, and an acceptance in force. Governance records
naming staff, not the people Waymark holds records on: no consultation entry. Session users need
``oversight.view_risks``; machine clients the ``oversight:read`` scope as well."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from waymark.api.views import WaymarkApiView, problems
from waymark.core.permissions import no_personal_data
from waymark.oversight import permissions as perms
from waymark.oversight.api import SCOPE, staff_name
from waymark.oversight.models import RegisterKind, RiskRegister
from waymark.oversight.selectors import governance as sel

LEVELS = tuple(sel.LEVEL_LABELS)
STATUSES = ("open", "closed")


class RegisterOutput(serializers.Serializer):
    id = serializers.IntegerField(source="register.pk")
    name = serializers.CharField(source="register.name")
    kind = serializers.ChoiceField(source="register.kind", choices=RegisterKind.choices)
    description = serializers.CharField(source="register.description")
    owner = serializers.SerializerMethodField()
    contract_owner = serializers.SerializerMethodField()
    supplier = serializers.CharField(source="register.supplier")
    contract = serializers.CharField(source="register.contract")
    open_risks = serializers.IntegerField()
    open_risks_by_level = serializers.SerializerMethodField()
    overdue_reviews = serializers.IntegerField()
    open_supplier_issues = serializers.IntegerField(source="open_issues")

    def get_owner(self, row) -> str | None:
        return staff_name(row.register.owner)

    def get_contract_owner(self, row) -> str | None:
        return staff_name(row.register.contract_owner)

    def get_open_risks_by_level(self, row) -> dict[str, int]:
        return {level: row.by_level.get(level, 0) for level in LEVELS}


class RiskOutput(serializers.Serializer):
    id = serializers.IntegerField(source="risk.pk")
    number = serializers.IntegerField(source="risk.number")
    title = serializers.CharField(source="risk.title")
    cause = serializers.CharField(source="risk.cause")
    effect = serializers.CharField(source="risk.effect")
    owner = serializers.SerializerMethodField()
    likelihood = serializers.IntegerField(source="risk.likelihood")
    impact = serializers.IntegerField(source="risk.impact")
    rating = serializers.IntegerField(source="risk.rating")
    level = serializers.ChoiceField(choices=LEVELS)
    target_rating = serializers.IntegerField(source="risk.target_rating")
    target_level = serializers.ChoiceField(choices=LEVELS)
    controls = serializers.CharField(source="risk.controls")
    mitigating_actions = serializers.CharField(source="risk.mitigating_actions")
    status = serializers.ChoiceField(source="risk.status", choices=STATUSES)
    review_cadence_days = serializers.IntegerField(source="cadence_days")
    last_reviewed_on = serializers.DateField(source="risk.last_reviewed_on", allow_null=True)
    next_review_on = serializers.DateField(source="risk.next_review_on")
    review_overdue = serializers.BooleanField()
    accepted_until = serializers.SerializerMethodField()
    accepted_by = serializers.SerializerMethodField()

    def get_owner(self, row) -> str | None:
        return staff_name(row.risk.owner)

    def get_accepted_until(self, row) -> str | None:
        return row.acceptance.expires_on.isoformat() if row.acceptance else None

    def get_accepted_by(self, row) -> str | None:
        return staff_name(row.acceptance.accepted_by) if row.acceptance else None


class RiskQuery(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS, required=False)
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="Only risks whose review is overdue"
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False, default="open")


class _RisksView(WaymarkApiView):
    queryset = RiskRegister.objects.none()  # for the schema only: reads go through selectors
    required_perms = {"GET": [perms.VIEW_RISKS]}
    required_scope = {"GET": SCOPE}


@no_personal_data
class RegisterListView(_RisksView):
    serializer_class = RegisterOutput

    @extend_schema(
        summary="The risk registers with their open risks by level and overdue reviews",
        responses={200: RegisterOutput(many=True), **problems(401, 403)},
    )
    def get(self, request):
        page = self.paginate_queryset(sel.register_rows())
        return self.get_paginated_response(RegisterOutput(page, many=True).data)


@no_personal_data
class RegisterRisksView(_RisksView):
    serializer_class = RiskOutput

    @extend_schema(
        summary="One register's risks, highest rating first",
        parameters=[
            OpenApiParameter("level", str, enum=list(LEVELS)),
            OpenApiParameter("overdue", bool, description="Only risks whose review is overdue"),
            OpenApiParameter("status", str, enum=list(STATUSES), description="open (default)"),
        ],
        responses={200: RiskOutput(many=True), **problems(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        register = sel.access_register(request.user, pk)
        query = RiskQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = sel.register_risks(
            register,
            level=query.validated_data.get("level", ""),
            overdue_only=query.validated_data["overdue"],
            closed=query.validated_data["status"] == "closed",
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RiskOutput(page, many=True).data)


urlpatterns = [
    path("risk-registers/", RegisterListView.as_view(), name="oversight-risk-registers"),
    path(
        "risk-registers/<int:pk>/risks/",
        RegisterRisksView.as_view(),
        name="oversight-risk-register-risks",
    ),
]
