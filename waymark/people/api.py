"""API v1: persons. Object-level access is ``access_person`` (404 for anyone the caller may not see)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from waymark.api.idempotency import idempotent_create
from waymark.api.views import (
    CREATE_PROBLEMS,
    IDEMPOTENCY_KEY,
    READ_PROBLEMS,
    WaymarkApiView,
    problems,
)
from waymark.people import search, selectors, services
from waymark.people.models import Person, RecordStatus, TimelineEvent
from waymark.people.serializers import (
    PersonCreateSerializer,
    PersonSearchQuerySerializer,
    PersonSearchResultSerializer,
    PersonSerializer,
    TimelineEventSerializer,
)

_PERSON_PREFETCH = ("nationalities", "references", "names")
SEARCH_LIMIT = 200  # the most results a search returns (paged); refine the search for more


class PersonListView(WaymarkApiView):
    queryset = Person.objects.none()  # for the schema only: the views read through selectors
    required_perms = {
        "GET": ["people.view_person"],
        "POST": ["people.view_person", "people.add_person"],
    }
    required_scope = {"GET": "persons:read", "POST": "persons:write"}
    serializer_class = PersonSerializer

    @extend_schema(
        summary="List or search the people you may see",
        parameters=[PersonSearchQuerySerializer],
        responses={200: PersonSearchResultSerializer(many=True), **problems(400, 401, 403)},
        description="With any of q (name, fuzzy), reference, date_of_birth or nationality: a search, "
        "best match first. Without: every active person you may see, by reference.",
    )
    def get(self, request):
        query = PersonSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        criteria = {k: v for k, v in query.validated_data.items() if v}
        if criteria:
            results = search.person_search(
                user=request.user,
                query=criteria.get("q", ""),
                reference=criteria.get("reference", ""),
                date_of_birth=criteria.get("date_of_birth"),
                nationality=criteria.get("nationality", ""),
                limit=SEARCH_LIMIT,
            )
            page = self.paginate_queryset(results)
            return self.get_paginated_response(PersonSearchResultSerializer(page, many=True).data)
        people = (
            selectors.person_visible_queryset(request.user)
            .filter(record_status=RecordStatus.ACTIVE)
            .select_related("owning_team", "case_owner")
            .prefetch_related(*_PERSON_PREFETCH)
            .order_by("pk")
        )
        page = self.paginate_queryset(people)
        results = [
            {"person": p, "score": 1.0, "matched_on": "filters", "matched_name": ""} for p in page
        ]
        return self.get_paginated_response(PersonSearchResultSerializer(results, many=True).data)

    @extend_schema(
        summary="Record a new person",
        request=PersonCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PersonSerializer, **CREATE_PROBLEMS},
    )
    def post(self, request):
        def create():
            data = PersonCreateSerializer(data=request.data, context={"user": request.user})
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            references = [(r["type"], r["value"]) for r in values.pop("references", [])]
            person = services.person_create(actor=request.user, references=references, **values)
            person = Person.objects.prefetch_related(*_PERSON_PREFETCH).get(pk=person.pk)
            return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

        return idempotent_create(request, create)


class PersonDetailView(WaymarkApiView):
    required_perms = {"GET": ["people.view_person"]}
    required_scope = {"GET": "persons:read"}
    serializer_class = PersonSerializer

    @extend_schema(
        summary="One person (by id or WM- reference); the view is audited",
        parameters=[OpenApiParameter("person", str, OpenApiParameter.PATH)],
        responses={200: PersonSerializer, **READ_PROBLEMS},
    )
    def get(self, request, person: str):
        found = selectors.access_person(request.user, person)
        services.person_record_view(actor=request.user, person=found, page="api")
        found = (
            Person.objects.prefetch_related(*_PERSON_PREFETCH)
            .select_related("owning_team", "case_owner")
            .get(pk=found.pk)
        )
        return Response(PersonSerializer(found).data)


class PersonTimelineView(WaymarkApiView):
    queryset = TimelineEvent.objects.none()  # for the schema only: the views read through selectors
    required_perms = {"GET": ["people.view_person"]}
    required_scope = {"GET": "persons:read"}
    serializer_class = TimelineEventSerializer

    @extend_schema(
        summary="A person's timeline, newest first; the view is audited",
        parameters=[OpenApiParameter("person", str, OpenApiParameter.PATH)],
        responses={200: TimelineEventSerializer(many=True), **READ_PROBLEMS},
    )
    def get(self, request, person: str):
        found = selectors.access_person(request.user, person)
        services.person_record_view(actor=request.user, person=found, page="api-timeline")
        events = found.timeline.select_related("actor").order_by("-occurred_at", "-pk")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(TimelineEventSerializer(page, many=True).data)
