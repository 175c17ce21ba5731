"""The police machine client's API: answer an operational notification form (brief operations.md §3).

``POST /api/v1/operations/notifications/<id>/answer/`` with a bearer credential whose service user is
a partner of the form's force (``police_partner`` role) and which has the
``rules.NOTIFICATION_API_SCOPE`` scope; ``Idempotency-Key`` is required, so a retried answer is
answered with the first result. Only the form's own force sees it (404 otherwise); a bad answer is
an RFC 9457 problem with an ``errors`` list and nothing is stored."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from waymark.api.idempotency import idempotent_create
from waymark.api.problems import Problem
from waymark.api.views import CREATE_PROBLEMS, IDEMPOTENCY_KEY, WaymarkApiView
from waymark.operations import rules, selectors, services
from waymark.operations.models import NotificationForm


class NotificationAnswerView(WaymarkApiView):
    queryset = NotificationForm.objects.none()  # for the schema only
    required_perms = {"POST": ["operations.answer_notifications"]}
    required_scope = {"POST": rules.NOTIFICATION_API_SCOPE}

    class InputSerializer(serializers.Serializer):
        signed_by_name = serializers.CharField(max_length=200)
        signed_by_rank = serializers.CharField(max_length=100)
        warning_markers = serializers.CharField(max_length=5000, help_text="Or “None known”")
        community_tensions = serializers.CharField(max_length=5000, help_text="Or “None known”")
        police_resources = serializers.CharField(
            max_length=5000, required=False, allow_blank=True, default=""
        )
        complete = serializers.BooleanField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        returned_at = serializers.DateTimeField()
        counts = serializers.BooleanField()
        valid_until = serializers.DateTimeField()

    serializer_class = InputSerializer

    @extend_schema(
        summary="Answer an operational notification form sent to your force",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: OutputSerializer, **CREATE_PROBLEMS},
    )
    def post(self, request, pk: int):
        def answer():
            notification = selectors.access_partner_form(request.user, pk)
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            try:
                done = services.notification_answer(
                    actor=request.user, form=notification, **data.validated_data
                )
            except PermissionDenied as exc:
                raise Problem(403, str(exc)) from None
            except DjangoValidationError as exc:
                errors = [
                    {"field": field if field != "__all__" else "", "detail": str(message)}
                    for field, messages in getattr(
                        exc, "message_dict", {"__all__": exc.messages}
                    ).items()
                    for message in messages
                ]
                raise Problem(
                    422, "The answer breaks a rule: nothing was stored. See errors.", errors=errors
                ) from None
            return Response(
                self.OutputSerializer(
                    {
                        "id": done.pk,
                        "returned_at": done.returned_at,
                        "counts": done.counts,
                        "valid_until": done.valid_until,
                    }
                ).data,
                status=201,
            )

        return idempotent_create(request, answer)
