"""API v1: tasks. Visibility is ``task_visible_queryset`` (the caller's teams' queues); a task about
a restricted record the caller may not see is masked in the list and refused (404) one by one."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from waymark.api.idempotency import idempotent_create
from waymark.api.views import (
    CREATE_PROBLEMS,
    IDEMPOTENCY_KEY,
    READ_PROBLEMS,
    WaymarkApiView,
    problems,
)
from waymark.people.selectors import access_person
from waymark.work import selectors, services
from waymark.work.models import Task
from waymark.work.serializers import (
    TaskCompleteSerializer,
    TaskCreateSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
)


class TaskListView(WaymarkApiView):
    queryset = Task.objects.none()  # for the schema only: the views read through selectors
    required_perms = {"GET": ["work.view_task"], "POST": ["work.view_task", "work.add_task"]}
    required_scope = {"GET": "tasks:read", "POST": "tasks:write"}
    serializer_class = TaskSerializer

    @extend_schema(
        summary="Tasks in the queues you may see, most urgent first",
        parameters=[TaskListQuerySerializer],
        responses={200: TaskSerializer(many=True), **problems(400, 401, 403)},
    )
    def get(self, request):
        query = TaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = selectors.task_visible_queryset(request.user)
        if query.validated_data.get("queue"):
            tasks = tasks.filter(queue__slug=query.validated_data["queue"])
        if query.validated_data.get("status"):
            tasks = tasks.filter(status=query.validated_data["status"])
        if query.validated_data.get("assignee") == "me":
            tasks = tasks.filter(assignee=request.user)
        page = self.paginate_queryset(tasks.order_by(*selectors.urgent_order()))
        rows = TaskSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(rows)

    @extend_schema(
        summary="Create a task; its deadline comes from the task type's rule",
        request=TaskCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TaskSerializer, **CREATE_PROBLEMS},
    )
    def post(self, request):
        def create():
            data = TaskCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
            errors = {}
            person = queue = None
            if values["person"]:
                try:
                    person = access_person(request.user, values["person"])
                except Http404:
                    errors["person"] = "No person with this reference that you may see."
            if values["queue"]:
                try:
                    queue = selectors.access_queue(request.user, values["queue"])
                except Http404:
                    errors["queue"] = "No queue with this slug that you may see."
            if errors:
                raise serializers.ValidationError(errors)
            task = services.task_create(
                actor=request.user,
                task_type=values["task_type"],
                title=values["title"],
                person=person,
                queue=queue,
                description=values["description"],
                priority=values.get("priority"),
                priority_reason=values["priority_reason"],
            )
            if not selectors.task_visible_queryset(request.user).filter(pk=task.pk).exists():
                # The type's default queue belongs to another team: the caller may not create there.
                raise serializers.ValidationError({"queue": "Name a queue of one of your teams."})
            created = TaskSerializer(task, context={"request": request}).data
            return Response(created, status=status.HTTP_201_CREATED)

        return idempotent_create(request, create)


class TaskDetailView(WaymarkApiView):
    required_perms = {"GET": ["work.view_task"]}
    required_scope = {"GET": "tasks:read"}
    serializer_class = TaskSerializer

    @extend_schema(summary="One task", responses={200: TaskSerializer, **READ_PROBLEMS})
    def get(self, request, pk: int):
        task = selectors.access_task(request.user, pk)
        return Response(TaskSerializer(task, context={"request": request}).data)


class TaskCompleteView(WaymarkApiView):
    required_perms = {"POST": ["work.view_task", "work.change_task"]}
    required_scope = {"POST": "tasks:write"}
    serializer_class = TaskSerializer

    @extend_schema(
        summary="Complete a task with an outcome",
        request=TaskCompleteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: TaskSerializer, **CREATE_PROBLEMS, **problems(404)},
    )
    def post(self, request, pk: int):
        task = selectors.access_task(request.user, pk)

        def complete():
            data = TaskCompleteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            done = services.task_complete(actor=request.user, task=task, **data.validated_data)
            completed = TaskSerializer(done, context={"request": request}).data
            return Response(completed, status=status.HTTP_200_OK)

        return idempotent_create(request, complete)
