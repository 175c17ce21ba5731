"""Writes for guidance pages: publish a new page, revise an existing one.

Every publication writes a ``GuidanceVersion`` (with its change note) so earlier versions stay
readable, and an audit entry. Only holders of ``guidance.publish_guidance`` may write.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from waymark.accounts.models import User
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.guidance import rules
from waymark.guidance.models import GuidancePage, GuidanceVersion
from waymark.guidance.permissions import PUBLISH_GUIDANCE


def _check_publisher(actor: User) -> None:
    if not actor.has_perm(PUBLISH_GUIDANCE):
        raise PermissionDenied("You do not have permission to publish guidance")


def _validate_text(*, title: str, summary: str, body: str, change_note: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter a title"
    elif len(title) > 200:
        errors["title"] = "Title must be 200 characters or fewer"
    if not summary.strip():
        errors["summary"] = "Enter a summary"
    elif len(summary) > 300:
        errors["summary"] = "Summary must be 300 characters or fewer"
    if not body.strip():
        errors["body"] = "Enter the guidance text"
    if not change_note.strip():
        errors["change_note"] = "Enter a change note saying what changed and why"
    elif len(change_note) > 300:
        errors["change_note"] = "Change note must be 300 characters or fewer"
    return errors


def _version_write(page: GuidancePage, *, change_note: str, actor: User) -> GuidanceVersion:
    return GuidanceVersion.objects.create(
        page=page,
        version=page.version,
        title=page.title,
        summary=page.summary,
        body=page.body,
        change_note=change_note.strip(),
        published_at=page.published_at,
        published_by=actor,
    )


def guidance_publish(
    *,
    actor: User,
    title: str,
    summary: str,
    body: str,
    module: str,
    step_key: str = "",
    slug: str = "",
    owner_team: str = "",
    review_due_on: date | None = None,
    change_note: str = "First published",
) -> GuidancePage:
    """Publish a new guidance page as version 1."""
    _check_publisher(actor)
    errors = _validate_text(title=title, summary=summary, body=body, change_note=change_note)
    slug = slugify(slug or title)[:100]
    if module not in rules.MODULES:
        errors["module"] = "Select the module the page belongs to"
    if not slug and "title" not in errors:
        errors["slug"] = "Enter a web address made of letters, numbers and hyphens"
    elif slug and GuidancePage.objects.filter(slug=slug).exists():
        errors["slug"] = f"A guidance page with the web address {slug!r} already exists"
    if step_key and GuidancePage.objects.filter(step_key=step_key).exists():
        errors["step_key"] = f"The step {step_key!r} already has a guidance page: revise that one"
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    with transaction.atomic():
        page = GuidancePage.objects.create(
            slug=slug,
            title=title.strip(),
            module=module,
            step_key=step_key.strip(),
            summary=summary.strip(),
            body=body.strip(),
            version=1,
            published_at=now,
            published_by=actor,
            owner_team=owner_team.strip(),
            review_due_on=review_due_on
            or (now.date() + timedelta(days=rules.REVIEW_INTERVAL_DAYS)),
        )
        _version_write(page, change_note=change_note, actor=actor)
        audit_record(
            actor=actor,
            action="collection",
            verb="guidance.published",
            target=page,
            payload={"slug": page.slug, "version": 1, "title": page.title},
        )
    return page


def guidance_revise(
    *,
    actor: User,
    page: GuidancePage,
    title: str,
    summary: str,
    body: str,
    change_note: str,
    owner_team: str | None = None,
    review_due_on: date | None = None,
) -> GuidancePage:
    """Publish a new version of a page; the previous version stays readable."""
    _check_publisher(actor)
    errors = _validate_text(title=title, summary=summary, body=body, change_note=change_note)
    if not errors and (title.strip(), summary.strip(), body.strip()) == (
        page.title,
        page.summary,
        page.body,
    ):
        errors["body"] = (
            "Nothing has changed: change the title, summary or text to publish a new version"
        )
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    with transaction.atomic():
        page = GuidancePage.objects.select_for_update().get(pk=page.pk)
        old = {"version": page.version, "title": page.title, "summary": page.summary}
        page.title, page.summary, page.body = title.strip(), summary.strip(), body.strip()
        page.version += 1
        page.published_at = now
        page.published_by = actor
        if owner_team is not None:
            page.owner_team = owner_team.strip()
        page.review_due_on = review_due_on or (
            now.date() + timedelta(days=rules.REVIEW_INTERVAL_DAYS)
        )
        page.save()
        _version_write(page, change_note=change_note, actor=actor)
        audit_record(
            actor=actor,
            action="alteration",
            verb="guidance.revised",
            target=page,
            payload={
                "old": old,
                "new": {"version": page.version, "title": page.title, "summary": page.summary},
                "change_note": change_note.strip(),
            },
        )
    return page
