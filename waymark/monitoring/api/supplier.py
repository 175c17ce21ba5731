"""The supplier's inbound API: ``POST /api/v1/monitoring/supplier/events/`` (brief §2-§3, §6).

Authentication is a Standard Webhooks signature, not a bearer token: ``Waymark-Client-Id`` names
the ``SupplierClient``; ``webhook-id`` is the supplier's own event id, ``webhook-timestamp`` and
``webhook-signature`` the signed time and HMAC-SHA256 (``signing.verify``; ±5 minutes; the
previous secret is accepted during rotation). ``Idempotency-Key`` is required. The event id is
unique: the event is stored and applied in one transaction that commits before the 201, and a
repeat is answered 200 with the first answer (``Idempotent-Replayed: true``), never a second record.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from waymark.api.parsers import JSONParser
from waymark.api.problems import Problem, problem_body
from waymark.api.rules import IDEMPOTENCY_KEY_MAX_LENGTH
from waymark.api.schema import WaymarkAutoSchema
from waymark.api.views import IDEMPOTENCY_KEY, MethodCheckedFirst, problems
from waymark.core import clock, context
from waymark.core.permissions import public
from waymark.monitoring import rules, services
from waymark.monitoring.models import FailureReason, FaultCause, SupplierClient, SupplierEvent
from waymark.monitoring.selectors.supplier_clients import supplier_client_for
from waymark.monitoring.signing import SignatureError, verify

# ------------------------------------------------------------------------------------------------
# Serializers: one per event type (schema validation before anything is stored)

WEBHOOK_ID_MAX_LENGTH = SupplierEvent._meta.get_field("event_id").max_length


class BreachCreated(serializers.Serializer):
    person_reference = serializers.CharField(max_length=20)
    breach_type = serializers.ChoiceField(choices=rules.BREACH_TYPES)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    details = serializers.CharField(
        required=False, allow_blank=True, max_length=rules.BREACH_DETAILS_MAX_LENGTH, default=""
    )

    def validate(self, attrs):
        if attrs.get("ended_at") and attrs["ended_at"] < attrs["started_at"]:
            raise serializers.ValidationError(
                {"ended_at": "The end of a breach must not be before its start"}
            )
        return attrs


class BreachEnded(serializers.Serializer):
    breach_event_id = serializers.CharField(
        max_length=100, help_text="The webhook-id of the breach.created event"
    )
    ended_at = serializers.DateTimeField()


class FittingOutcome(serializers.Serializer):
    order_reference = serializers.CharField(max_length=20)
    fitted = serializers.BooleanField()
    at = serializers.DateTimeField()
    device_serial = serializers.CharField(
        required=False, allow_blank=True, max_length=60, default=""
    )
    issued_phone_number = serializers.CharField(
        required=False, allow_blank=True, max_length=30, default=""
    )
    failure_reason = serializers.ChoiceField(
        choices=FailureReason.choices, required=False, allow_blank=True, default=""
    )
    failure_detail = serializers.CharField(
        required=False, allow_blank=True, max_length=300, default=""
    )


class SlotAnswer(serializers.Serializer):
    order_reference = serializers.CharField(max_length=20)
    confirmed = serializers.BooleanField()
    slot_start = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class DeviceFaultReported(serializers.Serializer):
    device_serial = serializers.CharField(max_length=60)
    cause = serializers.ChoiceField(choices=FaultCause.choices)
    reported_at = serializers.DateTimeField()


class ServiceLevelFigure(serializers.Serializer):
    met = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)


class ServiceFigures(serializers.Serializer):
    month = serializers.DateField()
    figures = serializers.DictField(child=ServiceLevelFigure())


EVENT_TYPES: dict[str, type[serializers.Serializer]] = {
    "breach.created": BreachCreated,
    "breach.ended": BreachEnded,
    "fitting.outcome": FittingOutcome,
    "slot.answer": SlotAnswer,
    "device.fault": DeviceFaultReported,
    "service.figures": ServiceFigures,
}


class EventEnvelope(serializers.Serializer):
    type = serializers.ChoiceField(choices=sorted(EVENT_TYPES))
    data = serializers.DictField(
        help_text="The event's fields: see the event types in the description"
    )


class EventAccepted(serializers.Serializer):
    event_id = serializers.CharField()
    event_type = serializers.CharField()
    person_id = serializers.IntegerField(required=False, allow_null=True)
    record_id = serializers.IntegerField(required=False, allow_null=True)
    outcome = serializers.CharField()


# ------------------------------------------------------------------------------------------------
# Authentication and permission


class SupplierSignatureAuthentication(BaseAuthentication):
    """Standard Webhooks signature over the raw body; answers 401 (never 403) when it fails."""

    def authenticate(self, request):
        raw = request._request
        client_id = raw.headers.get("Waymark-Client-Id", "")
        client = supplier_client_for(client_id)  # kept a few seconds a process
        if client is None:
            raise AuthenticationFailed("Unknown or inactive supplier client (Waymark-Client-Id)")
        now = clock.now()
        try:
            verify(
                secrets=client.secrets_at(now),
                message_id=raw.headers.get("webhook-id", ""),
                timestamp=raw.headers.get("webhook-timestamp", ""),
                signature_header=raw.headers.get("webhook-signature", ""),
                body=raw.body,
                now=now,
            )
        except SignatureError as exc:
            raise AuthenticationFailed(str(exc)) from None
        return client.machine_user, client

    def authenticate_header(self, request) -> str:
        return 'Signature realm="waymark-supplier"'


class SupplierSignatureScheme(OpenApiAuthenticationExtension):
    target_class = SupplierSignatureAuthentication
    name = "supplierSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "webhook-signature",
            "description": "Standard Webhooks: `v1,<base64 HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}'>`"
            " with the client's secret; also send `Waymark-Client-Id`, `webhook-id` (your event id)"
            " and `webhook-timestamp` (seconds, within 5 minutes).",
        }


class SupplierPermission(BasePermission):
    message = "This client may not send supplier events."

    def has_permission(self, request, view) -> bool:
        # The client's ``may_notify`` is read with it (``selectors.supplier_client_for``).
        return isinstance(request.auth, SupplierClient) and bool(
            getattr(request.auth, "may_notify", False)
        )


# ------------------------------------------------------------------------------------------------
# Handlers: apply one validated event, return the answer body


def _breach_created(event: SupplierEvent, data: dict) -> dict:
    person = services.person_by_reference(data["person_reference"])
    breach = services.breach_ingest(
        event=event,
        person=person,
        breach_type=data["breach_type"],
        started_at=data["started_at"],
        ended_at=data.get("ended_at"),
        details=data.get("details", ""),
    )
    return {"person_id": person.pk, "record_id": breach.pk, "outcome": breach.disposition}


def _breach_ended(event: SupplierEvent, data: dict) -> dict:
    original = (
        SupplierEvent.objects.filter(
            client_label=event.client_label, event_id=data["breach_event_id"]
        )
        .select_related("breach")
        .first()
    )
    breach = getattr(original, "breach", None) if original else None
    if breach is None:
        raise DjangoValidationError(
            {"breach_event_id": f"No breach with the event id {data['breach_event_id']!r}"}
        )
    services.breach_end_record(breach=breach, ended_at=data["ended_at"])
    return {"person_id": breach.person_id, "record_id": breach.pk, "outcome": "ended"}


def _fitting_outcome(event: SupplierEvent, data: dict) -> dict:
    order = services.order_by_reference(data["order_reference"])
    services.fitting_outcome_record(
        actor=None,
        order=order,
        fitted=data["fitted"],
        at=data["at"],
        device_serial=data.get("device_serial", ""),
        issued_phone_number=data.get("issued_phone_number", ""),
        failure_reason=data.get("failure_reason", ""),
        failure_detail=data.get("failure_detail", ""),
    )
    return {"person_id": order.person_id, "record_id": order.pk, "outcome": order.status}


def _slot_answer(event: SupplierEvent, data: dict) -> dict:
    order = services.order_by_reference(data["order_reference"])
    services.slot_answer(
        actor=None,
        order=order,
        confirmed=data["confirmed"],
        slot_start=data.get("slot_start"),
        reason=data.get("reason", ""),
    )
    return {"person_id": order.person_id, "record_id": order.pk, "outcome": order.status}


def _device_fault(event: SupplierEvent, data: dict) -> dict:
    fault = services.device_fault_record(
        event=event,
        device_serial=data["device_serial"],
        cause=data["cause"],
        reported_at=data["reported_at"],
    )
    return {"person_id": fault.person_id, "record_id": fault.pk, "outcome": "recorded"}


def _service_figures(event: SupplierEvent, data: dict) -> dict:
    rows = services.service_figures_record(
        event=event, month=data["month"], figures=data["figures"]
    )
    return {"person_id": None, "record_id": None, "outcome": f"{len(rows)} figures recorded"}


HANDLERS = {
    "breach.created": _breach_created,
    "breach.ended": _breach_ended,
    "fitting.outcome": _fitting_outcome,
    "slot.answer": _slot_answer,
    "device.fault": _device_fault,
    "service.figures": _service_figures,
}


# ------------------------------------------------------------------------------------------------
# The view


def _signed_headers(webhook_id: str) -> list:
    """The headers every supplier request sends (Standard Webhooks and the idempotency key)."""
    return [
        IDEMPOTENCY_KEY,
        OpenApiParameter(
            "Waymark-Client-Id", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True
        ),
        OpenApiParameter(
            "webhook-id",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=True,
            description=webhook_id,
        ),
        OpenApiParameter(
            "webhook-timestamp", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True
        ),
    ]


@extend_schema(
    summary="Receive one event from the monitoring supplier",
    description="Event types and their `data`: "
    + "; ".join(
        f"`{name}`: {', '.join(serializer().fields)}" for name, serializer in EVENT_TYPES.items()
    ),
    request=EventEnvelope,
    parameters=_signed_headers("Your own event id: a repeat is answered with the first answer"),
    responses={201: EventAccepted, 200: EventAccepted, **problems(400, 401, 403, 422)},
)
class SupplierEventView(MethodCheckedFirst, APIView):
    authentication_classes = [SupplierSignatureAuthentication]
    permission_classes = [SupplierPermission]
    parser_classes = [JSONParser]
    schema = WaymarkAutoSchema()

    @classmethod
    def as_view(cls, **initkwargs):
        return public(login_not_required(csrf_exempt(super().as_view(**initkwargs))))

    def post(self, request):
        client: SupplierClient = request.auth
        key, event_id = _headers_checked(request)
        envelope = EventEnvelope(data=request.data)
        envelope.is_valid(raise_exception=True)
        event_type = envelope.validated_data["type"]
        payload = EVENT_TYPES[event_type](data=envelope.validated_data["data"])
        if not payload.is_valid():
            raise Problem(
                400,
                "The event's data is not valid: see errors.",
                errors=[
                    {"field": f"data.{e['field']}" if e["field"] else "data", "detail": e["detail"]}
                    for e in _flat(payload.errors)
                ],
            )
        data = payload.validated_data

        def handler(event: SupplierEvent) -> dict:
            answer = HANDLERS[event_type](event, data)
            return {"event_id": event.event_id, "event_type": event_type, **answer}

        with context.acting("api", client_label=client.client_id):
            try:
                event, created = services.once_more_if_deadlocked(
                    lambda: services.supplier_event_receive(
                        client_label=client.client_id,
                        event_id=event_id,
                        event_type=event_type,
                        payload=request.data,
                        body=request._request.body,
                        idempotency_key=key,
                        handler=handler,
                    )
                )
            except services.EventConflict as exc:
                raise Problem(
                    422, str(exc), errors=[{"field": "webhook-id", "detail": str(exc)}]
                ) from None
            except DjangoValidationError as exc:
                errors = [
                    {
                        "field": f"data.{field}" if field != "__all__" else "data",
                        "detail": str(message),
                    }
                    for field, messages in getattr(
                        exc, "message_dict", {"__all__": exc.messages}
                    ).items()
                    for message in messages
                ]
                raise Problem(
                    422, "The event breaks a rule: nothing was stored. See errors.", errors=errors
                ) from None
        if created:
            return Response(event.response_body, status=201)
        return Response(event.response_body, status=200, headers={"Idempotent-Replayed": "true"})


# ------------------------------------------------------------------------------------------------
# A batch of events (decision 0017, option 2): for a backlog, one request, each event answered


class SupplierBatchEntry(serializers.Serializer):
    id = serializers.CharField(
        max_length=WEBHOOK_ID_MAX_LENGTH, help_text="Your own event id (as webhook-id alone)"
    )
    type = serializers.ChoiceField(choices=["breach.created"])
    data = BreachCreated()


class SupplierBatch(serializers.Serializer):
    events = SupplierBatchEntry(
        many=True, help_text=f"1 to {rules.SUPPLIER_BATCH_MAX} events, in order"
    )


class SupplierBatchResult(serializers.Serializer):
    index = serializers.IntegerField(help_text="The event's place in the batch, from 0")
    event_id = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(
        help_text="201 stored; 200 stored before (the first answer); 400 not valid; 422 refused"
    )
    event = EventAccepted(allow_null=True, required=False)
    problem = serializers.DictField(
        allow_null=True, required=False, help_text="RFC 9457 problem details"
    )


class SupplierBatchAnswered(serializers.Serializer):
    results = SupplierBatchResult(many=True)


@extend_schema(
    summary="Receive a batch of breach.created events from the monitoring supplier",
    description=(
        f"For a backlog: up to {rules.SUPPLIER_BATCH_MAX} `breach.created` events in one signed"
        " request (`webhook-id` is the batch's id), applied in order with the same outcome as"
        " one a request, each answered on its own: 201 stored, 200 stored before (by either"
        " route: the first answer, never stored twice), 400 not valid or 422 refused (stored"
        " nowhere). Other event types are sent one a request to `/events/`."
    ),
    request=SupplierBatch,
    parameters=_signed_headers("Your id for this batch (each event carries its own id)"),
    responses={200: SupplierBatchAnswered, **problems(400, 401, 403)},
)
class SupplierEventBatchView(SupplierEventView):
    # Each event answered on its own: one holding a NUL is refused alone, never the whole backlog
    # (core.middleware.checks_its_own_body).
    waymark_checks_its_own_body = True

    def post(self, request):
        client: SupplierClient = request.auth
        _key, batch_id = _headers_checked(request)
        entries = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= rules.SUPPLIER_BATCH_MAX:
            raise Problem(
                400,
                f'Send {{"events": [...]}} with 1 to {rules.SUPPLIER_BATCH_MAX} events',
                errors=[
                    {
                        "field": "events",
                        "detail": f"A list of 1 to {rules.SUPPLIER_BATCH_MAX} events is required",
                    }
                ],
            )
        checked: list[services.BatchEvent] = []
        results: list[dict | None] = []
        checker = BreachCreated()  # its fields built once for the batch, not once an event
        for index, raw in enumerate(entries):
            event, problem = _entry_checked(raw, checker)
            if problem is not None:
                results.append(
                    {
                        "index": index,
                        "event_id": _sent_id(raw),
                        "status": 400,
                        "event": None,
                        "problem": problem_body(
                            400, "The event is not valid: see errors.", errors=problem
                        ),
                    }
                )
                continue
            checked.append(event)  # type: ignore[arg-type]
            results.append(None)
        with context.acting("api", client_label=client.client_id):
            answers = iter(
                services.supplier_events_batch_receive(
                    client_label=client.client_id, batch_id=batch_id, events=checked
                )
                if checked
                else []
            )
        events = iter(checked)
        for index, result in enumerate(results):
            if result is not None:
                continue
            event, answer = next(events), next(answers)
            results[index] = {
                "index": index,
                "event_id": event.event_id,
                "status": answer.status,
                "event": answer.answer,
                "problem": None
                if answer.status < 400
                else problem_body(
                    answer.status,
                    answer.detail,
                    errors=[
                        {"field": f"data.{k}" if k != "id" else "id", "detail": v}
                        for k, v in answer.errors.items()
                    ],
                ),
            }
        return Response({"results": results}, status=200)


def _sent_id(raw) -> str | None:
    """An invalid entry's id, to name it in the answer, if it sent one that is a string."""
    sent = raw.get("id") if isinstance(raw, dict) else None
    return sent if isinstance(sent, str) else None


def _entry_checked(
    raw, checker: BreachCreated
) -> tuple[services.BatchEvent | None, list[dict[str, str]] | None]:
    """One entry of a batch: the validated event, or the problem's errors (field by field).
    ``checker`` validates each entry's data as ``BreachCreated(data=...)`` would (``run_validation``
    is what a list serializer runs for each item)."""
    if not isinstance(raw, dict):
        return None, [{"field": "", "detail": "Each event is an object with id, type and data"}]
    errors: list[dict[str, str]] = []
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id.strip():
        errors.append({"field": "id", "detail": "Required: your own id for the event"})
    elif len(event_id) > WEBHOOK_ID_MAX_LENGTH:
        errors.append({"field": "id", "detail": f"At most {WEBHOOK_ID_MAX_LENGTH} characters"})
    kind = raw.get("type")
    if kind != "breach.created":
        errors.append(
            {
                "field": "type",
                "detail": f"A batch carries breach.created events; send {kind!r} alone to /events/"
                if isinstance(kind, str) and kind in EVENT_TYPES
                else f"Unknown event type {kind!r}",
            }
        )
    data = raw.get("data")
    validated: dict = {}
    try:
        validated = dict(checker.run_validation(data if isinstance(data, dict) else {}))
    except serializers.ValidationError as exc:
        if isinstance(data, dict):
            errors += [
                {"field": f"data.{e['field']}" if e["field"] else "data", "detail": e["detail"]}
                for e in _flat(exc.detail)
            ]
    if not isinstance(data, dict):
        errors.append({"field": "data", "detail": "Required: the event's fields"})
    if errors:
        return None, errors
    sent = {"type": kind, "data": data}
    return services.BatchEvent(event_id=event_id, data=validated, sent=sent), None


def _headers_checked(request) -> tuple[str, str]:
    """The ``Idempotency-Key`` (required, as every other create reads it) and the ``webhook-id``;
    a missing key or an over-long value is a 400 before anything is read."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise Problem(
            400,
            "Send an Idempotency-Key header with every event",
            errors=[{"field": "Idempotency-Key", "detail": "Required"}],
        )
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise Problem(
            400,
            f"Idempotency-Key may be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters",
            errors=[{"field": "Idempotency-Key", "detail": "Too long"}],
        )
    event_id = request.headers.get("webhook-id", "")
    if len(event_id) > WEBHOOK_ID_MAX_LENGTH:
        raise Problem(
            400,
            f"webhook-id may be at most {WEBHOOK_ID_MAX_LENGTH} characters",
            errors=[{"field": "webhook-id", "detail": "Too long"}],
        )
    return key, event_id


def _flat(errors, prefix: str = "") -> list[dict[str, str]]:
    from waymark.api.problems import _flatten

    return _flatten(errors, prefix)
