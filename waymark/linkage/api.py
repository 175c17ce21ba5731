"""API v1: incremental matching (issue 18 item 7).

``POST /api/v1/linkage/match/`` takes one set of details (intake, a field encounter, a letter) and
answers with the people whose linked records match them best, each with the match probability and
the model's reasons, scored by the latest completed run's model (``services.person_match``). A
POST, not a GET, because the details are personal data that must not sit in URLs and access logs;
it creates nothing, so it takes no ``Idempotency-Key``.

The reason for checking is required and is recorded in the audit trail with the check and against
every person shown. Scope ``linkage:match``; the caller's role needs ``linkage.link_records``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from waymark.api.problems import Problem, _django_validation_errors
from waymark.api.views import WaymarkApiView, problems
from waymark.linkage import rules, services
from waymark.linkage.permissions import LINK_RECORDS

SCOPE = "linkage:match"


class MatchInput(serializers.Serializer):
    given_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True, help_text="YYYY-MM-DD")
    sex = serializers.RegexField(
        r"^[MF]?$", required=False, allow_blank=True, help_text="M, F or empty (not known)"
    )
    nationality = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="A country code or name"
    )
    postcode = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="UK or any other country's"
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="UK or international; spaces, dashes and +44 or 0044 are standardised",
    )
    home_office_ref = serializers.CharField(max_length=30, required=False, allow_blank=True)
    pnc_id = serializers.CharField(max_length=30, required=False, allow_blank=True)
    reason = serializers.CharField(
        max_length=200,
        help_text="Why these details are being checked; recorded in the audit trail",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=rules.INCREMENTAL_MAX_CANDIDATES, required=False
    )

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Say why these details are being checked.")
        return value.strip()

    def validate(self, attrs):
        names = (attrs.get("given_names") or "").strip() or (attrs.get("family_name") or "").strip()
        refs = (attrs.get("home_office_ref") or "").strip() or (attrs.get("pnc_id") or "").strip()
        if not (names or refs):
            raise serializers.ValidationError(
                "Give a name, a Home Office reference or a Police National Computer ID: "
                "other details alone cannot identify anyone."
            )
        return attrs


class ReasonOutput(serializers.Serializer):
    field = serializers.CharField()
    description = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.FloatField(help_text="log2 of the Bayes factor")


class CandidateOutput(serializers.Serializer):
    person = serializers.CharField(help_text="The person's WM- reference")
    match_probability = serializers.FloatField()
    match_weight = serializers.FloatField()
    source_kind = serializers.CharField(help_text="The best-matching linked record's source")
    source_ref = serializers.CharField()
    reasons = ReasonOutput(many=True)


class MatchOutput(serializers.Serializer):
    candidates = CandidateOutput(many=True)


class MatchView(WaymarkApiView):
    required_perms = {"POST": [LINK_RECORDS]}
    required_scope = {"POST": SCOPE}
    serializer_class = MatchOutput

    @extend_schema(
        summary="Match one set of details against everyone linked; audited with the reason",
        request=MatchInput,
        responses={200: MatchOutput, **problems(400, 401, 403)},
    )
    def post(self, request):
        values = MatchInput(data=request.data)
        values.is_valid(raise_exception=True)
        details = {k: v for k, v in values.validated_data.items() if v not in (None, "")}
        reason = details.pop("reason")
        try:
            found = services.person_match(actor=request.user, purpose=reason, **details)
        except ValidationError as exc:
            raise Problem(
                400, "The details are not valid: see errors.", errors=_django_validation_errors(exc)
            ) from None
        body = {
            "candidates": [
                {
                    "person": c.person.reference,
                    "match_probability": c.match_probability,
                    "match_weight": c.match_weight,
                    "source_kind": c.record.source_kind,
                    "source_ref": c.record.source_ref,
                    "reasons": [
                        {
                            "field": r["field"],
                            "description": r["description"],
                            "label": r["label"],
                            "weight": r["weight"],
                        }
                        for r in c.contributions
                    ],
                }
                for c in found
            ]
        }
        return Response(MatchOutput(body).data)
