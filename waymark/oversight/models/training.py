"""Oversight tables: training records (issue 20 item 2; oversight.md §2 "Training records and
competence sign-off per role"; 002 rec 2a-b).

- ``TrainingCourse``: a course for one training topic (``rules.TRAINING_TOPICS``, the topics QA
  failures point to). Its content is checked and approved by someone other than its author and
  reviewed every year (002 rec 2a: "the training content has been checked and approved"; the
  Home Office's response: "all training packages are reviewed annually").
- ``TrainingSession``: a delivery of an approved course by a trainer who holds a signed-off
  trainer (competence assessor) competence on the day (002 rec 2a: peers who train have been
  trained and assessed themselves).
- ``TrainingRecord``: a member of staff who completed a session. The training needs page reads
  them: a need is met when the topic's course was completed after the failures that suggested it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL

__all__ = ["TrainingCourse", "TrainingCourseStatus", "TrainingRecord", "TrainingSession"]


class TrainingCourseStatus(models.TextChoices):
    DRAFT = "draft", "Draft: content not yet approved"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TrainingCourse(models.Model):
    topic = models.CharField(max_length=40, help_text="A key of rules.TRAINING_TOPICS")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=TrainingCourseStatus.choices, default=TrainingCourseStatus.DRAFT
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["title", "pk"]
        permissions = [
            ("view_training", "See training courses, sessions and who completed them"),
            ("record_training", "Add courses and record training sessions"),
            ("approve_training", "Approve training content (never one's own)"),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="sessions")
    trainer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-delivered_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.course} on {self.delivered_on:%-d %B %Y}"


class TrainingRecord(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="records")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="training_records")

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} completed {self.session}"
