"""Reads for guidance pages. ``guidance_for_step`` lets a journey step link to its guidance
without a hard-coded URL (a Jinja global of the same name)."""

from __future__ import annotations

from waymark.guidance.models import GuidancePage


def guidance_for_step(step_key: str) -> GuidancePage | None:
    """The current guidance page for a journey step (e.g. ``operations.authorise``), or None."""
    return GuidancePage.objects.filter(step_key=step_key).order_by("pk").first()
