"""Guidance pages (brief operations.md §8, oversight.md §5): searchable, versioned, readable on a
phone. A page's ``step_key`` ties it to the step of a journey that links to it (for example
``operations.authorise``), so a page can say "guidance for this step" without a hard-coded URL.
Publishing a change writes a new ``GuidanceVersion``; earlier versions stay readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class GuidancePage(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    module = models.CharField(
        max_length=40, help_text="The module the page belongs to, e.g. operations"
    )
    step_key = models.CharField(
        max_length=80,
        blank=True,
        db_index=True,
        help_text="The journey step that links here, e.g. operations.authorise",
    )
    summary = models.CharField(max_length=300)
    body = models.TextField(
        help_text="The current version's text (paragraphs separated by blank lines)"
    )
    version = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_team = models.CharField(max_length=120, blank=True)
    review_due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["module", "title"]
        permissions = [("publish_guidance", "Publish and revise guidance pages")]

    def __str__(self) -> str:
        return self.title


class GuidanceVersion(models.Model):
    page = models.ForeignKey(GuidancePage, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    change_note = models.CharField(max_length=300)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["page", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["page", "version"], name="guidance_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} v{self.version}"
