"""API v1: field entries from an officer's phone (brief operations.md §6, "Offline").

``POST /api/v1/operations/entries/`` records one entry; ``POST /api/v1/operations/entries/batch/``
replays the phone's offline queue. The ``client_uuid`` the phone made is the idempotency key: the
first send answers 201, a repeat of the same entry answers 200 with the same body, and the same id
for a different entry is refused (422). The batch answers 200 with one result per entry, each with
the status a single send would have had, so the phone drops what was stored (201/200), keeps what
it could not send, and shows the officer what was refused (4xx). The batch is one transaction in
which a refused entry is rolled back alone, never the others (``field_entries_record``: a savepoint
for each entry with typed rows, one for each run of notes and searches, written again one by one
if the database refuses the run).

``data`` holds the entry form's fields for the entry type (``field_forms.ENTRY_FORMS``): the same
validation as the page. Officers send from their signed-in session (the CSRF token in
``X-CSRFToken``); machine clients have no field scope.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from waymark.api.problems import Problem, _django_validation_errors, problem_body
from waymark.api.views import WaymarkApiView, problems
from waymark.operations import permissions as perms
from waymark.operations import rules, selectors, services
from waymark.operations.forms import field as field_forms
from waymark.operations.models import FieldEntry, Visit
from waymark.operations.services.field_entries import field_entries_record

RECORD = perms.RECORD


def _data_description() -> str:
    parts = []
    for entry_type, form_class in field_forms.ENTRY_FORMS.items():
        names = [name for name in form_class.base_fields if name != "client_uuid"]
        if form_class is field_forms.InterviewForm:
            names = ["q_<question id>", "added_question_<n>", "added_answer_<n>", "added_save_<n>"]
        parts.append(f"`{entry_type}`: {', '.join(names) or '(nothing)'}")
    return "The entry form's fields for the entry type — " + "; ".join(parts)


class EntryInput(serializers.Serializer):
    client_uuid = serializers.UUIDField(
        help_text="Made on the phone when the entry was written; unique"
    )
    visit = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    entry_type = serializers.ChoiceField(choices=list(rules.ENTRY_TYPES.items()))
    recorded_at = serializers.DateTimeField(
        help_text="The phone's time when the entry was written (ISO 8601)"
    )
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1e7)
    sent_offline = serializers.BooleanField(required=False, default=False)
    data = serializers.DictField(required=False, default=dict, help_text=_data_description())


class EntryOutput(serializers.ModelSerializer):
    visit = serializers.IntegerField(source="visit_id")
    officer = serializers.IntegerField(source="officer_id")
    entry_type = serializers.CharField()
    accuracy_m = serializers.FloatField(source="location_accuracy_m", allow_null=True)

    class Meta:
        model = FieldEntry
        fields = [
            "id",
            "client_uuid",
            "visit",
            "officer",
            "entry_type",
            "recorded_at",
            "received_at",
            "latitude",
            "longitude",
            "accuracy_m",
            "sent_offline",
            "summary",
        ]


class BatchInput(serializers.Serializer):
    entries = EntryInput(many=True, allow_empty=False, max_length=rules.FIELD_BATCH_MAX)


class BatchProblem(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), required=False
    )


class BatchResult(serializers.Serializer):
    client_uuid = serializers.CharField()
    status = serializers.IntegerField(help_text="201 stored, 200 already stored, 4xx refused")
    entry = EntryOutput(required=False)
    problem = BatchProblem(required=False)


class BatchOutput(serializers.Serializer):
    results = BatchResult(many=True)


def _visit(user, pk: int, visits: dict[int, Visit | None]) -> Visit:
    """The visit, if the user is assigned to it (read once a request: a batch names one visit)."""
    if pk not in visits:
        try:
            visits[pk] = selectors.access_field_visit(user, pk)
        except Http404:
            visits[pk] = None
    visit = visits[pk]
    if visit is None:
        raise Problem(
            404,
            "There is no such visit, or you are not assigned to it.",
            errors=[{"field": "visit", "detail": "Not one of your visits"}],
        )
    return visit


def _checked(user, values: dict, visits: dict[int, Visit | None]) -> dict:
    """Validate one entry like the page does: the service's arguments, or Problem (404, 400)."""
    visit = _visit(user, values["visit"], visits)
    raw = {k: v for k, v in values["data"].items() if k != "client_uuid"}
    form = field_forms.entry_form(
        values["entry_type"], {**raw, "client_uuid": str(values["client_uuid"])}
    )
    if not form.is_valid():
        raise Problem(
            400,
            "The entry is not valid: see errors.",
            errors=[
                {"field": f"data.{name}" if name != "__all__" else "data", "detail": str(message)}
                for name, messages in form.errors.items()
                for message in messages
            ],
        )
    return {
        "visit": visit,
        "entry_type": values["entry_type"],
        "client_uuid": values["client_uuid"],
        "recorded_at": values["recorded_at"],
        "latitude": values.get("latitude"),
        "longitude": values.get("longitude"),
        "accuracy_m": values.get("accuracy_m"),
        "sent_offline": values.get("sent_offline", False),
        "data": form.to_data(),
    }


def _refusal(exc: Exception) -> Problem:
    """The problem a service refusal answers with."""
    if isinstance(exc, ValidationError):
        errors = _django_validation_errors(exc)
        return Problem(422, "The entry breaks a rule: see errors.", errors=errors)
    return Problem(403, str(exc) or "You may not record this entry.")


def _record(user, values: dict, visits: dict[int, Visit | None]) -> tuple[FieldEntry, bool]:
    """Validate one entry like the page does and record it; raises Problem for a refusal."""
    checked = _checked(user, values, visits)
    try:
        return services.field_entry_record(actor=user, **checked)
    except (ValidationError, PermissionDenied) as exc:
        raise _refusal(exc) from None


class FieldEntryCreateView(WaymarkApiView):
    required_perms = {"POST": [RECORD]}
    required_scope = {"POST": rules.FIELD_API_SCOPE}
    serializer_class = EntryOutput

    @extend_schema(
        summary="Record one field entry (exactly once by client_uuid)",
        request=EntryInput,
        responses={201: EntryOutput, 200: EntryOutput, **problems(400, 401, 403, 404, 422)},
    )
    def post(self, request):
        values = EntryInput(data=request.data)
        values.is_valid(raise_exception=True)
        entry, created = _record(request.user, values.validated_data, {})
        return Response(
            EntryOutput(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FieldEntryBatchView(WaymarkApiView):
    required_perms = {"POST": [RECORD]}
    required_scope = {"POST": rules.FIELD_API_SCOPE}
    serializer_class = BatchOutput
    # One result per entry: an entry holding a NUL is refused alone, never the phone's whole queue
    # (core.middleware.checks_its_own_body).
    waymark_checks_its_own_body = True

    @extend_schema(
        summary="Replay the phone's offline queue: one result per entry",
        request=BatchInput,
        responses={200: BatchOutput, **problems(400, 401, 403)},
    )
    def post(self, request):
        batch = BatchInput(data=request.data)
        batch.is_valid(raise_exception=True)
        visits: dict[int, Visit | None] = {}
        answers: list[Problem | tuple[FieldEntry, bool] | None] = []
        checked = []
        for values in batch.validated_data["entries"]:
            try:
                checked.append(_checked(request.user, values, visits))
                answers.append(None)
            except Problem as problem:
                answers.append(problem)
        # One transaction for the batch (field_entries_record): a
        # refused entry is rolled back alone and the others are stored.
        recorded = iter(field_entries_record(actor=request.user, entries=checked))
        results = []
        for values, answer in zip(batch.validated_data["entries"], answers, strict=True):
            key = str(values["client_uuid"])
            if answer is None:
                outcome = next(recorded)
                answer = outcome if isinstance(outcome, tuple) else _refusal(outcome)
            if isinstance(answer, Problem):
                results.append(
                    {
                        "client_uuid": key,
                        "status": answer.status_code,
                        "problem": problem_body(
                            answer.status_code,
                            str(answer.detail),
                            instance=request.path,
                            errors=answer.errors,
                        ),
                    }
                )
                continue
            entry, created = answer
            results.append({"client_uuid": key, "status": 201 if created else 200, "entry": entry})
        # One serializer for every stored entry: a ModelSerializer builds its fields per instance.
        stored = [r for r in results if "entry" in r]
        for result, data in zip(
            stored, EntryOutput([r["entry"] for r in stored], many=True).data, strict=True
        ):
            result["entry"] = data
        return Response({"results": results}, status=status.HTTP_200_OK)
