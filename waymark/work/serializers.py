"""API representations of tasks."""

from __future__ import annotations

from rest_framework import serializers

from waymark.work.models import Task, TaskStatus
from waymark.work.selectors import RESTRICTED_LABEL, person_withheld


class TaskSerializer(serializers.ModelSerializer):
    """A task about a restricted record the caller may not see (``context["request"].user``) keeps
    its place in a list but shows ``RESTRICTED_LABEL`` in every field that could name the person."""

    WITHHELD_FIELDS = ("title", "description", "person", "outcome_note", "waiting_reason")

    queue = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    # Null while unassigned, and for a task about no one: declared so the schema says so.
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The assignee's username, if any",
    )
    person = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "task_type",
            "title",
            "description",
            "status",
            "queue",
            "person",
            "assignee",
            "priority",
            "priority_reason",
            "due_at",
            "deadline_rule",
            "deadline_inputs",
            "outcome",
            "outcome_note",
            "waiting_reason",
            "created_at",
            "allocated_at",
            "started_at",
            "completed_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if person_withheld(getattr(request, "user", None), instance.person):
            data.update(dict.fromkeys(self.WITHHELD_FIELDS, RESTRICTED_LABEL))
        return data


class TaskCreateSerializer(serializers.Serializer):
    task_type = serializers.CharField(max_length=60, help_text="A key from the task-type registry")
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=10_000
    )
    person = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The person's Waymark reference (WM-…)",
    )
    queue = serializers.SlugField(
        required=False,
        allow_blank=True,
        default="",
        help_text="A queue slug; default: the task type's queue",
    )
    priority = serializers.IntegerField(
        required=False, allow_null=True, min_value=-1000, max_value=1000
    )
    priority_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )

    def validate_task_type(self, value: str) -> str:
        from waymark.work.registry import task_types

        if value not in {t.key for t in task_types()}:
            raise serializers.ValidationError("Not a registered task type.")
        return value


class TaskCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=60)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class TaskListQuerySerializer(serializers.Serializer):
    queue = serializers.SlugField(required=False)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    assignee = serializers.ChoiceField(choices=[("me", "Tasks assigned to me")], required=False)
