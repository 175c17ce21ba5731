"""Users, grades and teams.

Roles are Django groups whose permissions are defined once in ``waymark.accounts.roles``; teams
scope which people and queues a user works on. A user's grade decides what they may sign off
(``waymark.accounts.rules.grade_at_least``).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from waymark.core.calendars import NATION_CHOICES


class Grade(models.TextChoices):
    """Civil Service grades, lowest to highest (glossary)."""

    AO = "AO", "Administrative Officer (AO)"
    EO = "EO", "Executive Officer (EO)"
    HEO = "HEO", "Higher Executive Officer (HEO)"
    SEO = "SEO", "Senior Executive Officer (SEO)"
    G7 = "G7", "Grade 7"
    G6 = "G6", "Grade 6"


GRADE_ORDER = [Grade.AO, Grade.EO, Grade.HEO, Grade.SEO, Grade.G7, Grade.G6]


class Team(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200, unique=True)
    unit = models.CharField(max_length=200, blank=True, help_text="Owning unit or directorate")
    nation = models.CharField(
        max_length=30,
        choices=NATION_CHOICES,
        default="england-and-wales",
        help_text="Decides which bank holidays count for working-day deadlines",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    grade = models.CharField(max_length=3, choices=Grade.choices, default=Grade.EO)
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)
    is_machine = models.BooleanField(
        default=False, help_text="A service account for a machine client; cannot sign in to pages"
    )

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def grade_rank(self) -> int:
        return GRADE_ORDER.index(Grade(self.grade))

    def team_ids(self) -> list[int]:
        """The ids of the user's teams. For the signed-in user of a request on PostgreSQL they
        came with the user's own read (``accounts.backends``) and are kept for that request only,
        as its permissions are; otherwise they are read now."""
        kept = getattr(self, "_team_ids", None)
        if kept is not None:
            return list(kept)
        return list(self.teams.values_list("pk", flat=True))

    @property
    def primary_team(self) -> Team | None:
        return self.teams.order_by("pk").first()

    def __str__(self) -> str:
        return self.display_name
