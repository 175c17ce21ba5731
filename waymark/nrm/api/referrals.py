"""API: referrals from first responders' systems (``POST /api/v1/nrm/referrals/``) and reads.

A machine client needs the scope ``nrm:refer`` and a role with ``nrm.refer_nrm``; a signed-in
first responder may post from their session. The Idempotency-Key makes a retry safe; a
``source_key`` in the body (the sender's own case id) is the referral's lasting key, so the same
case sent again with a new Idempotency-Key is still one referral (answered 200). Reads are limited
by ``permissions.may_see_referral``: the authority's roles see every referral, a first responder
(or client) only those it sent; any other is 404.

A person is named by ``person`` (an id the sender may see) or by ``person_details``; details that
match people already held answer 422 listing the candidates the sender may see, and the sender
confirms one (``confirm_person_id``) or, when nobody matched, asks for a new record
(``create_person``).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from waymark.api.idempotency import idempotent_create
from waymark.api.problems import Problem
from waymark.api.views import CREATE_PROBLEMS, IDEMPOTENCY_KEY, READ_PROBLEMS, WaymarkApiView
from waymark.nrm import permissions as perms
from waymark.nrm import rules, selectors, services
from waymark.nrm.models import Referral

SCOPE = "nrm:refer"


class PersonDetailsInput(serializers.Serializer):
    given_names = serializers.CharField(max_length=200, allow_blank=True, default="")
    family_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    nationality = serializers.CharField(max_length=3, allow_blank=True, default="")


class ReferralInput(serializers.Serializer):
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    person_details = PersonDetailsInput(required=False, allow_null=True)
    confirm_person_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    create_person = serializers.BooleanField(required=False, default=False)
    referrer_type = serializers.ChoiceField(choices=list(rules.REFERRER_TYPES))
    consent = serializers.ChoiceField(choices=list(rules.CONSENT))
    age_group = serializers.ChoiceField(choices=list(rules.AGE_GROUPS))
    local_authority = serializers.CharField(max_length=200, allow_blank=True, default="")
    detained = serializers.BooleanField()
    has_legal_representative = serializers.BooleanField(required=False, default=False)
    exploitation_types = serializers.ListField(child=serializers.CharField(max_length=40))
    control_methods = serializers.ListField(child=serializers.CharField(max_length=40))
    priority_cohort = serializers.ChoiceField(
        choices=list(rules.PRIORITY_COHORTS), required=False, default="none"
    )
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    source_key = serializers.CharField(max_length=120, required=False, allow_blank=True)


class ReferralOutput(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id")
    form_version = serializers.IntegerField(source="form_version.version")

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "person",
            "status",
            "received_at",
            "rg_due_on",
            "referrer_type",
            "consent",
            "age_group",
            "local_authority",
            "detained",
            "has_legal_representative",
            "exploitation_types",
            "control_methods",
            "priority_cohort",
            "form_version",
            "answers",
            "source",
            "source_key",
        ]


class ReferralListView(WaymarkApiView):
    queryset = Referral.objects.none()  # for the schema only: the views read through selectors
    # Reading needs no one permission: the selector shows the authority every referral, a first
    # responder their own, anyone else nothing (404 for one).
    required_perms = {"GET": [], "POST": [perms.REFER]}
    required_scope = {"GET": SCOPE, "POST": SCOPE}
    serializer_class = ReferralOutput

    @extend_schema(
        summary="Referrals you sent (the competent authority: every referral), newest first",
        responses={200: ReferralOutput(many=True), **READ_PROBLEMS},
    )
    def get(self, request):
        page = self.paginate_queryset(
            selectors.referral_visible_queryset(request.user).order_by("-received_at", "-pk")
        )
        return self.get_paginated_response(ReferralOutput(page, many=True).data)

    @extend_schema(
        summary="Refer a potential victim to the National Referral Mechanism",
        request=ReferralInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ReferralOutput, 200: ReferralOutput, **CREATE_PROBLEMS},
    )
    def post(self, request):
        def create():
            data = ReferralInput(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            person = None
            if values.get("person"):
                from waymark.people.selectors import access_person

                try:
                    person = access_person(request.user, values["person"])
                except Http404:
                    raise Problem(
                        422,
                        "No person you may see has this id.",
                        errors=[{"field": "person", "detail": "No such person."}],
                    ) from None
            source_key = values.get("source_key") or None
            existed = bool(source_key and Referral.objects.filter(source_key=source_key).exists())
            try:
                referral = services.referral_create(
                    actor=request.user,
                    person=person,
                    person_details=dict(values["person_details"])
                    if values.get("person_details")
                    else None,
                    confirm_person_id=values.get("confirm_person_id"),
                    create_person=values["create_person"],
                    referrer_type=values["referrer_type"],
                    consent=values["consent"],
                    age_group=values["age_group"],
                    local_authority=values["local_authority"],
                    detained=values["detained"],
                    has_legal_representative=values["has_legal_representative"],
                    exploitation_types=values["exploitation_types"],
                    control_methods=values["control_methods"],
                    answers=values["answers"],
                    source="api",
                    source_key=source_key,
                    priority_cohort=values["priority_cohort"],
                    referrer_label=request.user.display_name,
                )
            except services.PersonMatchRequired as exc:
                raise Problem(
                    422,
                    exc.message_dict["person"][0],
                    errors=[{"field": "person", "detail": exc.message_dict["person"][0]}]
                    + [
                        {
                            "field": "confirm_person_id",
                            "detail": f"{c.person_id}: {c.name} ({c.reference}), "
                            f"{c.score:.0%} match",
                        }
                        for c in exc.candidates
                        if c.how != "hidden"
                    ],
                    problem_type="person-match-required",
                ) from None
            if existed:
                if not perms.may_see_referral(request.user, referral):
                    raise Problem(409, "A referral with this source_key was sent by someone else.")
                return Response(ReferralOutput(referral).data, status=status.HTTP_200_OK)
            return Response(ReferralOutput(referral).data, status=status.HTTP_201_CREATED)

        return idempotent_create(request, create)


class ReferralDetailView(WaymarkApiView):
    required_perms: dict[str, list[str]] = {"GET": []}
    required_scope = {"GET": SCOPE}
    serializer_class = ReferralOutput

    @extend_schema(summary="One referral", responses={200: ReferralOutput, **READ_PROBLEMS})
    def get(self, request, pk: int):
        referral = selectors.referral_get_visible(request.user, pk)
        from waymark.core.audit import audit_record
        from waymark.nrm.registrations import AUDIT_VERBS

        audit_record(
            actor=request.user,
            action=AUDIT_VERBS["nrm.referral_viewed"],
            verb="nrm.referral_viewed",
            target=referral,
            person_id=referral.person_id,
            payload={"page": "api"},
        )
        return Response(ReferralOutput(referral).data)


urlpatterns: list = [
    path("referrals/", ReferralListView.as_view(), name="nrm-referrals"),
    path("referrals/<int:pk>/", ReferralDetailView.as_view(), name="nrm-referral"),
]
