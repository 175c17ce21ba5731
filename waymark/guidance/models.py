"""Guidance pages (brief operations.md §8, oversight.md §5): searchable, versioned, readable on a
phone. A page's ``step_key`` ties it to the step of a journey that links to it (for example
``operations.authorise``), so a page can say "guidance for this step" without a hard-coded URL.
Publishing a change writes a new ``GuidanceVersion``; earlier versions stay readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class ApprovalState(models.TextChoices):
    """A version's approval state (GOV.UK publisher's draft / published / "needs 2nd review";
    brief oversight.md §5 and §6). A page is withdrawn as a whole (``GuidancePage.withdrawn_at``)."""

    DRAFT = "draft", "Draft"
    UNCHECKED = "unchecked", "Published, second check owed"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


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
    # The page's state: the state of the version in force (approved or unchecked), "draft" while
    # no version has been published, "withdrawn" once withdrawn (staff then see the reason).
    state = models.CharField(
        max_length=20, choices=ApprovalState.choices, default=ApprovalState.UNCHECKED
    )
    owner = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person who answers for the page (told of broken links to it)",
    )
    effective_from = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True)

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
    # When the version was published (None while it is a draft) and by whom: its author.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=20, choices=ApprovalState.choices, default=ApprovalState.UNCHECKED
    )
    created_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # In force from this date (set on publication) until the next version's date or withdrawal.
    effective_from = models.DateField(null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["page", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["page", "version"], name="guidance_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} v{self.version}"


class GuidanceLinkProblem(models.Model):
    """A link to guidance that leads nowhere: a step key or task type whose page is missing or
    withdrawn, found by the ``guidance.check_links`` sweep (001 §6.30: links to withdrawn guidance
    returned "page not found"). Kept until the link works again, so the owner is told once."""

    step_key = models.CharField(max_length=120)
    where = models.CharField(max_length=300, help_text="Where the link is, e.g. a template")
    problem = models.CharField(max_length=300)
    page = models.ForeignKey(
        GuidancePage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    found_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step_key", "where"]
        constraints = [
            models.UniqueConstraint(
                fields=["step_key", "where"],
                condition=models.Q(resolved_at__isnull=True),
                name="guidance_link_problem_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_key} ({self.where}): {self.problem}"
