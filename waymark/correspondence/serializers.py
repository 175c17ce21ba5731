"""API representations of correspondence items."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from rest_framework import serializers

from waymark.api import rules as api_rules
from waymark.correspondence.models import CorrespondenceItem, MatchMethod, MatchStatus
from waymark.documents.rules import MAX_DOCUMENT_BYTES


class AttachmentOutSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    size = serializers.IntegerField()
    filed_as_document = serializers.SerializerMethodField()
    refused_reason = serializers.CharField()

    def get_filed_as_document(self, attachment) -> int | None:
        return attachment.document_id


@dataclass(frozen=True)
class Sight:
    """What the caller may see of a page of items: the people and the tasks they name."""

    people: frozenset[int]
    tasks: frozenset[int]


class CorrespondenceItemSerializer(serializers.ModelSerializer):
    """An item as the caller may see it. Needs ``context["sight"]`` (``correspondence.api.sight``).

    An item matched to a person the caller may not see (they registered it, so they may read it
    back) is shown exactly as an item that matched nobody: no person, ``match_needed``, no method.
    Task ids are shown only for tasks the caller may see. So the answer is the same whether the
    person named is hidden or does not exist (issue 14 item 8); the match itself is kept for staff
    who may see the person."""

    person = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    attachments = AttachmentOutSerializer(many=True, read_only=True)
    copies = serializers.SerializerMethodField()

    class Meta:
        model = CorrespondenceItem
        fields = [
            "id",
            "channel",
            "sender",
            "recipients",
            "subject",
            "body",
            "received_at",
            "message_id",
            "person",
            "match_status",
            "match_method",
            "category",
            "task_id",
            "match_task_id",
            "registered_at",
            "attachments",
            "copies",
        ]
        read_only_fields = fields

    def get_copies(self, item) -> int:
        return item.copies.count()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        sight: Sight = self.context["sight"]
        if instance.person_id is not None and instance.person_id not in sight.people:
            data.update(
                person=None,
                match_status=MatchStatus.MATCH_NEEDED.value,
                match_method=MatchMethod.NONE.value,
            )
        for field in ("task_id", "match_task_id"):
            if data[field] is not None and data[field] not in sight.tasks:
                data[field] = None
        return data


class AttachmentInSerializer(serializers.Serializer):
    file_name = serializers.CharField(max_length=255)
    content_type = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    content_base64 = serializers.CharField(
        help_text=f"The file, base64; at most {MAX_DOCUMENT_BYTES} bytes"
    )

    def validate(self, attrs):
        encoded = attrs.pop("content_base64")
        if len(encoded) > (MAX_DOCUMENT_BYTES * 4) // 3 + 4:
            raise serializers.ValidationError(
                {"content_base64": "The file is larger than the limit."}
            )
        try:
            attrs["content"] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError({"content_base64": "Not valid base64."}) from exc
        return attrs


class CorrespondenceCreateSerializer(serializers.Serializer):
    sender = serializers.EmailField(max_length=320)
    recipients = serializers.ListField(
        child=serializers.EmailField(max_length=320), min_length=1, max_length=50
    )
    subject = serializers.CharField(max_length=500, allow_blank=True, default="")
    body = serializers.CharField(allow_blank=True, default="", max_length=1_000_000)
    received_at = serializers.DateTimeField(help_text="On or after 1900-01-01")
    message_id = serializers.CharField(max_length=500, allow_blank=True, default="")
    attachments = AttachmentInSerializer(
        many=True, required=False, default=list, max_length=api_rules.MAX_ATTACHMENTS_PER_ITEM
    )

    # Nothing we receive is older. Before 1847 Europe/London's offset was local mean time
    # (-00:01:15), which the answer would echo as a time that is not RFC 3339 date-time.
    EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)

    def validate_received_at(self, value: datetime) -> datetime:
        if value < self.EARLIEST:
            raise serializers.ValidationError("Enter a time on or after 1900-01-01.")
        return value


class CorrespondenceListQuerySerializer(serializers.Serializer):
    match_status = serializers.ChoiceField(choices=MatchStatus.choices, required=False)
