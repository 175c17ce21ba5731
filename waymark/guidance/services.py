"""Writes for guidance pages: publish a new page, revise an existing one, approve a version,
withdraw a page.

Every publication writes a ``GuidanceVersion`` (with its change note) so earlier versions stay
readable, and an audit entry. Only holders of ``guidance.publish_guidance`` may write.

Approval (brief oversight.md §5-§6, GOV.UK publisher's states): a version is written as a *draft*
(not shown to staff until approved) or published at once as *published, second check owed*.
Someone other than its author approves it: a draft then comes into force, an unchecked version
becomes *approved*. A page is *withdrawn* with a reason; staff who follow a link to it read the
reason rather than "page not found" (001 §6.30).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from waymark.accounts.models import User
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.guidance import rules
from waymark.guidance.models import ApprovalState, GuidancePage, GuidanceVersion
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
    elif len(body) > rules.BODY_MAX_CHARS:
        errors["body"] = f"Guidance text must be {rules.BODY_MAX_CHARS:,} characters or fewer"
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
        state=page.state,
        created_at=clock.now(),
        effective_from=page.effective_from,
        review_due_on=page.review_due_on,
    )


def _check_effective(effective_from: date | None, errors: dict[str, str]) -> None:
    if effective_from is not None and effective_from < clock.today():
        errors["effective_from"] = "The date it comes into force must be today or in the future"


_SLUG_TAKEN = "A guidance page with the web address {slug!r} already exists"
_SLUG_RESERVED = "The web address {slug!r} is one of the guidance hub's own pages: choose another"


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
    draft: bool = False,
    owner: User | None = None,
    effective_from: date | None = None,
) -> GuidancePage:
    """Write a new guidance page as version 1: published at once (second check owed) or, with
    ``draft``, a draft that staff do not see until someone else approves it."""
    _check_publisher(actor)
    errors = _validate_text(title=title, summary=summary, body=body, change_note=change_note)
    _check_effective(effective_from, errors)
    slug = slugify(slug or title)[:100]
    if module not in rules.MODULES:
        errors["module"] = "Select the module the page belongs to"
    if not slug and "title" not in errors:
        errors["slug"] = "Enter a web address made of letters, numbers and hyphens"
    elif slug in rules.RESERVED_SLUGS:
        errors["slug"] = _SLUG_RESERVED.format(slug=slug)
    elif slug and GuidancePage.objects.filter(slug=slug).exists():
        errors["slug"] = _SLUG_TAKEN.format(slug=slug)
    if step_key and GuidancePage.objects.filter(step_key=step_key).exists():
        errors["step_key"] = f"The step {step_key!r} already has a guidance page: revise that one"
    if errors:
        raise ValidationError(errors)
    try:
        return _page_write(
            actor=actor,
            slug=slug,
            title=title,
            module=module,
            step_key=step_key,
            summary=summary,
            body=body,
            owner_team=owner_team,
            owner=owner,
            review_due_on=review_due_on,
            change_note=change_note,
            draft=draft,
            effective_from=effective_from,
        )
    except IntegrityError:
        # The same address published at the same moment (a double-submitted form, two
        # publishers): the check above passed for both and the unique index refused the second.
        if GuidancePage.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": _SLUG_TAKEN.format(slug=slug)}) from None
        raise


def _page_write(
    *,
    actor: User,
    slug: str,
    title: str,
    module: str,
    step_key: str,
    summary: str,
    body: str,
    owner_team: str,
    owner: User | None,
    review_due_on: date | None,
    change_note: str,
    draft: bool,
    effective_from: date | None,
) -> GuidancePage:
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
            owner=owner or actor,
            review_due_on=review_due_on
            or (now.date() + timedelta(days=rules.REVIEW_INTERVAL_DAYS)),
            state=ApprovalState.DRAFT if draft else ApprovalState.UNCHECKED,
            effective_from=None if draft else (effective_from or now.date()),
        )
        version = _version_write(page, change_note=change_note, actor=actor)
        if draft:
            version.published_at = None
            version.save(update_fields=["published_at"])
        audit_record(
            actor=actor,
            action="collection",
            verb="guidance.drafted" if draft else "guidance.published",
            target=page,
            payload={"slug": page.slug, "version": 1, "title": page.title, "state": page.state},
        )
    return page


def _revision_refused(page: GuidancePage, *, title: str, summary: str, body: str) -> dict[str, str]:
    """Why a revision of ``page`` as it stands is refused: withdrawn, or nothing changed."""
    if page.state == ApprovalState.WITHDRAWN:
        return {"body": "This page has been withdrawn: it cannot be revised"}
    if (title.strip(), summary.strip(), body.strip()) == (page.title, page.summary, page.body):
        return {
            "body": "Nothing has changed: change the title, summary or text to publish a new "
            "version"
        }
    return {}


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
    draft: bool = False,
    effective_from: date | None = None,
) -> GuidancePage:
    """Publish a new version of a page (second check owed); the previous version stays readable.
    With ``draft`` the new version is a draft for someone else to approve, and the page shown to
    staff is unchanged until then."""
    _check_publisher(actor)
    errors = _validate_text(title=title, summary=summary, body=body, change_note=change_note)
    _check_effective(effective_from, errors)
    if not errors:
        errors.update(_revision_refused(page, title=title, summary=summary, body=body))
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    if draft:
        return _draft_write(
            actor=actor,
            page=page,
            title=title,
            summary=summary,
            body=body,
            change_note=change_note,
            review_due_on=review_due_on,
        )
    with transaction.atomic():
        page = GuidancePage.objects.select_for_update().get(pk=page.pk)
        # Checked again under the lock: the same revision submitted twice at once (a double
        # click, two publishers) both passed the check above, and made two identical versions.
        refused = _revision_refused(page, title=title, summary=summary, body=body)
        if refused:
            raise ValidationError(refused)
        old = {"version": page.version, "title": page.title, "summary": page.summary}
        latest = page.versions.order_by("-version").values_list("version", flat=True).first()
        page.title, page.summary, page.body = title.strip(), summary.strip(), body.strip()
        page.version = max(page.version, latest or 0) + 1
        page.published_at = now
        page.published_by = actor
        page.state = ApprovalState.UNCHECKED
        page.effective_from = effective_from or now.date()
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


def _draft_write(
    *,
    actor: User,
    page: GuidancePage,
    title: str,
    summary: str,
    body: str,
    change_note: str,
    review_due_on: date | None,
) -> GuidancePage:
    now = clock.now()
    with transaction.atomic():
        page = GuidancePage.objects.select_for_update().get(pk=page.pk)
        refused = _revision_refused(page, title=title, summary=summary, body=body)
        waiting = (
            page.versions.filter(
                state=ApprovalState.DRAFT,
                title=title.strip(),
                summary=summary.strip(),
                body=body.strip(),
            )
            .values_list("version", flat=True)
            .first()
        )
        if waiting is not None:
            # The same draft saved twice (a double-submitted form, at once or one after the other).
            refused["body"] = f"This text is already waiting for approval as version {waiting}"
        if refused:
            raise ValidationError(refused)
        latest = page.versions.order_by("-version").values_list("version", flat=True).first()
        version = GuidanceVersion.objects.create(
            page=page,
            version=max(page.version, latest or 0) + 1,
            title=title.strip(),
            summary=summary.strip(),
            body=body.strip(),
            change_note=change_note.strip(),
            published_at=None,
            published_by=actor,
            state=ApprovalState.DRAFT,
            created_at=now,
            review_due_on=review_due_on
            or (now.date() + timedelta(days=rules.REVIEW_INTERVAL_DAYS)),
        )
        audit_record(
            actor=actor,
            action="collection",
            verb="guidance.drafted",
            target=page,
            payload={"version": version.version, "title": version.title},
        )
    return page


def guidance_approve(
    *, actor: User, version: GuidanceVersion, effective_from: date | None = None
) -> GuidanceVersion:
    """Approve a version: someone other than its author. A draft comes into force (on
    ``effective_from``, today by default); a version published with its second check owed
    becomes approved. Refused, with nothing saved, for the author, a withdrawn page, a version
    already approved, or a draft older than the version in force."""
    _check_publisher(actor)
    errors: dict[str, str] = {}
    _check_effective(effective_from, errors)
    with transaction.atomic():
        page = GuidancePage.objects.select_for_update().get(pk=version.page_id)
        version = GuidanceVersion.objects.select_for_update().get(pk=version.pk)
        if version.published_by_id == actor.pk:
            errors["version"] = (
                "You wrote this version: someone other than its author must approve it"
            )
        elif page.state == ApprovalState.WITHDRAWN:
            errors["version"] = "This page has been withdrawn: its versions cannot be approved"
        elif version.state == ApprovalState.APPROVED:
            errors["version"] = f"Version {version.version} is already approved"
        elif version.state == ApprovalState.DRAFT and version.version < page.version:
            errors["version"] = (
                f"A later version ({page.version}) is already in force: revise the page instead"
            )
        if errors:
            raise ValidationError(errors)
        now = clock.now()
        was = version.state
        version.state = ApprovalState.APPROVED
        version.approved_at = now
        version.approved_by = actor
        if was == ApprovalState.DRAFT:
            version.published_at = now
            version.effective_from = effective_from or now.date()
            page.title, page.summary, page.body = version.title, version.summary, version.body
            page.version = version.version
            page.published_at = now
            page.published_by = version.published_by
            page.effective_from = version.effective_from
            page.review_due_on = version.review_due_on or page.review_due_on
        version.save()
        if version.version == page.version:
            page.state = ApprovalState.APPROVED
        page.save()
        audit_record(
            actor=actor,
            action="alteration",
            verb="guidance.approved",
            target=page,
            payload={
                "version": version.version,
                "was": was,
                "author_id": version.published_by_id,
                "effective_from": str(version.effective_from),
            },
        )
    return version


def guidance_withdraw(*, actor: User, page: GuidancePage, reason: str) -> GuidancePage:
    """Withdraw a page with a reason: it leaves the list and search, and a link to it shows the
    reason. Its versions stay readable for the record."""
    _check_publisher(actor)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Enter the reason the page is withdrawn"
    elif len(reason) > 300:
        errors["reason"] = "The reason must be 300 characters or fewer"
    with transaction.atomic():
        page = GuidancePage.objects.select_for_update().get(pk=page.pk)
        if page.state == ApprovalState.WITHDRAWN:
            errors["reason"] = "This page has already been withdrawn"
        if errors:
            raise ValidationError(errors)
        was = page.state
        page.state = ApprovalState.WITHDRAWN
        page.withdrawn_at = clock.now()
        page.withdrawn_by = actor
        page.withdrawn_reason = reason.strip()
        page.save()
        audit_record(
            actor=actor,
            action="alteration",
            verb="guidance.withdrawn",
            target=page,
            payload={"was": was, "version": page.version, "reason": page.withdrawn_reason},
        )
    return page


def guidance_links_check() -> dict[str, int]:
    """The ``guidance.check_links`` sweep: record each link to a missing, withdrawn or draft
    page (``links.guidance_broken_links``) once, tell the page's owner (or, for a step with no
    page, every publisher) by notification, and mark problems that have gone resolved.
    Idempotent: a problem already recorded is neither recorded nor notified again."""
    from django.urls import reverse

    from waymark.core.notifications import notify
    from waymark.guidance.links import guidance_broken_links
    from waymark.guidance.models import GuidanceLinkProblem

    now = clock.now()
    broken = guidance_broken_links()
    open_problems = {
        (p.step_key, p.where): p for p in GuidanceLinkProblem.objects.filter(resolved_at=None)
    }
    new = [b for b in broken if (b.step_key, b.where) not in open_problems]
    still = {(b.step_key, b.where) for b in broken}
    resolved = [p.pk for key, p in open_problems.items() if key not in still]
    with transaction.atomic():
        if resolved:
            GuidanceLinkProblem.objects.filter(pk__in=resolved).update(resolved_at=now)
        publishers = None
        for link in new:
            GuidanceLinkProblem.objects.create(
                step_key=link.step_key,
                where=link.where[:300],
                problem=link.problem[:300],
                page=link.page,
                found_at=now,
            )
            if link.page is not None and link.page.owner is not None:
                told = [link.page.owner]
                url = reverse("guidance:page", args=[link.page.slug])
            else:
                if publishers is None:
                    publishers = list(
                        User.objects.with_perm(
                            PUBLISH_GUIDANCE,
                            include_superusers=False,
                            backend="waymark.accounts.backends.WaymarkModelBackend",
                        )
                    )
                told, url = publishers, reverse("guidance:links")
            for user in told:
                notify(user=user, text=f"Broken guidance link: {link}", url=url, kind="work_given")
        if new or resolved:
            audit_record(
                actor=None,
                action="alteration",
                verb="guidance.links_checked",
                target_type="guidance.guidancelinkproblem",
                payload={
                    "found": [str(b) for b in new][:200],
                    "resolved": len(resolved),
                },
            )
    return {"broken": len(broken), "new": len(new), "resolved": len(resolved)}
