"""Reads of training records (issue 20 item 2): the courses with their state and how many were
trained, one course's sessions, and each person's latest completion per topic (which the
training needs page reads to show a need met)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.http import Http404

from waymark.core import clock
from waymark.oversight import rules
from waymark.oversight.models import (
    TrainingCourse,
    TrainingCourseStatus,
    TrainingRecord,
    TrainingSession,
)

SESSIONS_SHOWN = rules.TRAINING_SESSIONS_SHOWN


def topic_label(topic: str) -> str:
    return rules.TRAINING_TOPICS.get(topic, (topic, ""))[0]


@dataclass
class CourseRow:
    course: TrainingCourse
    sessions: int
    trained: int
    last_delivered: date | None

    @property
    def review_overdue(self) -> bool:
        c = self.course
        return (
            c.status == TrainingCourseStatus.APPROVED
            and c.review_due_on is not None
            and c.review_due_on <= clock.today()
        )

    @property
    def review_due_soon(self) -> bool:
        c = self.course
        soon = clock.today() + timedelta(days=rules.DUE_SOON_DAYS)
        return (
            c.status == TrainingCourseStatus.APPROVED
            and c.review_due_on is not None
            and not self.review_overdue
            and c.review_due_on <= soon
        )


def course_rows(*, status: str = "", topic: str = "") -> list[CourseRow]:
    """Every course (filtered by status and topic), with its sessions, the people who completed
    it and the last day it was delivered."""
    courses: QuerySet[TrainingCourse] = TrainingCourse.objects.select_related("approved_by")
    if status:
        courses = courses.filter(status=status)
    if topic:
        courses = courses.filter(topic=topic)
    counted = courses.annotate(
        n_sessions=Count("sessions", distinct=True),
        n_trained=Count("sessions__records__person", distinct=True),
        last=Max("sessions__delivered_on"),
    ).order_by("title", "pk")
    return [CourseRow(c, c.n_sessions, c.n_trained, c.last) for c in counted]


def course_get(pk: int) -> TrainingCourse:
    try:
        return TrainingCourse.objects.select_related("created_by", "approved_by").get(pk=pk)
    except TrainingCourse.DoesNotExist:
        raise Http404("No such course") from None


def course_sessions(course: TrainingCourse) -> list[TrainingSession]:
    """The course's latest sessions, each with who completed it (two queries)."""
    sessions = list(
        TrainingSession.objects.filter(course=course)
        .select_related("trainer", "recorded_by")
        .prefetch_related("records__person")[:SESSIONS_SHOWN]
    )
    return sessions


def completed_topics(person_ids: list[int]) -> dict[tuple[int, str], date]:
    """(person, topic) -> the last day that person completed a course on that topic."""
    if not person_ids:
        return {}
    rows = (
        TrainingRecord.objects.filter(person_id__in=person_ids)
        .values_list("person_id", "session__course__topic")
        .annotate(last=Max("session__delivered_on"))
    )
    return {(pk, topic): last for pk, topic, last in rows}


def training_records(*, status: str = "", topic: str = "") -> QuerySet[TrainingRecord]:
    """Who completed which course, when and with which trainer (the export's rows), for the
    courses the list's filters choose; latest first."""
    records = TrainingRecord.objects.select_related(
        "person", "session__course", "session__trainer"
    ).order_by("-session__delivered_on", "session__course__title", "person__last_name", "pk")
    if status:
        records = records.filter(session__course__status=status)
    if topic:
        records = records.filter(session__course__topic=topic)
    return records


def person_training(person: Any) -> list[TrainingRecord]:
    """What one member of staff completed, latest first (their own "My quality reviews" page)."""
    return list(
        TrainingRecord.objects.filter(person=person)
        .select_related("session__course", "session__trainer")
        .order_by("-session__delivered_on", "-pk")
    )
