"""API representations of correspondence items."""

from __future__ import annotations

import base64
import binascii

from rest_framework import serializers

from waymark.api import rules as api_rules
from waymark.correspondence.models import CorrespondenceItem, MatchStatus
from waymark.documents.rules import MAX_DOCUMENT_BYTES


class AttachmentOutSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    size = serializers.IntegerField()
    filed_as_document = serializers.SerializerMethodField()
    refused_reason = serializers.CharField()

    def get_filed_as_document(self, attachment) -> int | None:
        return attachment.document_id


class CorrespondenceItemSerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    attachments = AttachmentOutSerializer(many=True, read_only=True)
    copies = serializers.SerializerMethodField()

    class Meta:
        model = CorrespondenceItem
        fields = ["id", "channel", "sender", "recipients", "subject", "body", "received_at", "message_id",
                  "person", "match_status", "match_method", "category", "task_id", "match_task_id",
                  "registered_at", "attachments", "copies"]
        read_only_fields = fields

    def get_copies(self, item) -> int:
        return item.copies.count()


class AttachmentInSerializer(serializers.Serializer):
    file_name = serializers.CharField(max_length=255)
    content_type = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    content_base64 = serializers.CharField(help_text=f"The file, base64; at most {MAX_DOCUMENT_BYTES} bytes")

    def validate(self, attrs):
        encoded = attrs.pop("content_base64")
        if len(encoded) > (MAX_DOCUMENT_BYTES * 4) // 3 + 4:
            raise serializers.ValidationError({"content_base64": "The file is larger than the limit."})
        try:
            attrs["content"] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError({"content_base64": "Not valid base64."}) from exc
        return attrs


class CorrespondenceCreateSerializer(serializers.Serializer):
    sender = serializers.EmailField(max_length=320)
    recipients = serializers.ListField(child=serializers.EmailField(max_length=320), min_length=1, max_length=50)
    subject = serializers.CharField(max_length=500, allow_blank=True, default="")
    body = serializers.CharField(allow_blank=True, default="", max_length=1_000_000)
    received_at = serializers.DateTimeField()
    message_id = serializers.CharField(max_length=500, allow_blank=True, default="")
    attachments = AttachmentInSerializer(many=True, required=False, default=list,
                                         max_length=api_rules.MAX_ATTACHMENTS_PER_ITEM)


class CorrespondenceListQuerySerializer(serializers.Serializer):
    match_status = serializers.ChoiceField(choices=MatchStatus.choices, required=False)
