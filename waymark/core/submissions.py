"""A page's form sent twice is acted on once.

A double click, a second press on a slow network or the back button sends the same form again.
Buttons carry GOV.UK's ``preventDoubleClick``, but that is the browser's own guard, and a second
request still reaches the server when the first is slow, when scripts are off or when the page is
shown again from the browser's history. Before this, a complaint, a lesson or a course sent twice
was recorded twice, with two audit entries.

Every form shown on a page carries a random token beside its CSRF token: ``form_inputs`` replaces
the ``csrf_input`` the Jinja2 backend gives each template, so every ``{{ csrf_input }}`` writes
both, a new token each time it is written. ``OnceSubmissionMiddleware`` claims the token for the
signed-in person under a unique key (``core.FormSubmission``) before the view runs:

- the first sending is acted on; if the view sends the browser on (a redirect, the pattern every
  successful form follows), where it went is kept; otherwise (the form had errors, the request
  failed) the claim is deleted, so the corrected form can be sent with the same token;
- a second sending while the first is being saved waits for it (``rules.FORM_SUBMISSION_WAIT``),
  then is sent where the first went, with a banner saying it was not sent again;
- a second sending after the first finished (within ``rules.FORM_SUBMISSION_REPLAY_FOR``) is sent
  there at once;
- the same token sent with other values (the person went back and changed the form) is acted on:
  only an identical sending is a repeat.

Only URL-encoded forms are covered: an upload (multipart) is not parsed before its view sets its
own upload handlers (``documents.uploads``), and the documents service refuses the same file on a
person twice. The API has its own guard (``Idempotency-Key``, ``api.idempotency``). Anonymous
forms (signing in) are not covered: there is no one to claim the token for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from datetime import datetime

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString

from waymark.core import clock, rules
from waymark.core.models import FormSubmission

logger = logging.getLogger(__name__)

FIELD = "_submission"
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{16,{rules.FORM_SUBMISSION_TOKEN_MAX_LENGTH}}}")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

ALREADY_SENT = (
    "This form had already been sent, so it was not sent again. This page shows the result of "
    "sending it."
)


def _inputs(request) -> SafeString:
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="{}" value="{}">',
        get_token(request),
        FIELD,
        secrets.token_urlsafe(16),
    )


_inputs_lazy = lazy(_inputs, SafeString, str)


def form_inputs(request) -> dict:
    """Jinja2 context processor: ``csrf_input`` writes the CSRF token and a new form token."""
    return {"csrf_input": _inputs_lazy(request)}


def _token(request) -> str | None:
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    token = request.POST.get(FIELD, "")
    return token if _TOKEN.fullmatch(token) else None


def _digest(request) -> str:
    """What the form held, but its CSRF token (a new one may come with each page)."""
    fields = sorted(
        (key, values) for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"
    )
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def _create(user, token: str, path: str, digest: str, now: datetime) -> FormSubmission | None:
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(
                user=user, token=token, path=path[:300], digest=digest, created_at=now
            )
    except IntegrityError:
        return None


def _take_over(existing: FormSubmission, digest: str, now: datetime) -> FormSubmission | None:
    """Claim a sending whose first request died, whose replay time is over or that came with
    other values, unless another request claimed it first (the update is conditional on the row
    as it was read)."""
    taken = FormSubmission.objects.filter(
        pk=existing.pk, created_at=existing.created_at, completed_at=existing.completed_at
    ).update(created_at=now, completed_at=None, location="", digest=digest)
    if not taken:
        return None
    existing.created_at, existing.completed_at, existing.location = now, None, ""
    existing.digest = digest
    return existing


def _replay(request, location: str) -> HttpResponse:
    messages.info(request, ALREADY_SENT)
    return HttpResponseRedirect(location)


def _still_saving(request) -> HttpResponse:
    html = render_to_string("errors/form_in_flight.html", {"form_path": request.path}, request)
    return HttpResponse(html, status=409)


def claim(request, token: str) -> FormSubmission | HttpResponse | None:
    """Claim ``token`` for this request: the claim (act on the form), a response (it was sent
    before: where it went, or a page saying it is still being saved), or None (the token belongs
    to another form: act on it without a claim)."""
    user, path, digest = request.user, request.path, _digest(request)
    deadline = time.monotonic() + rules.FORM_SUBMISSION_WAIT.total_seconds()
    while True:
        now = clock.now()
        created = _create(user, token, path, digest, now)
        if created is not None:
            return created
        existing = FormSubmission.objects.filter(user=user, token=token).first()
        if existing is None:  # the first sending failed and let its claim go: try again
            continue
        if existing.path != path[:300]:
            return None
        if existing.completed_at is not None:
            recent = now - existing.completed_at <= rules.FORM_SUBMISSION_REPLAY_FOR
            if recent and existing.digest == digest:
                return _replay(request, existing.location)
            taken = _take_over(existing, digest, now)
        elif now - existing.created_at > rules.FORM_SUBMISSION_IN_FLIGHT_TIMEOUT:
            taken = _take_over(existing, digest, now)
        elif time.monotonic() >= deadline:
            return _still_saving(request)
        else:
            time.sleep(rules.FORM_SUBMISSION_POLL.total_seconds())
            continue
        if taken is not None:
            return taken


def finish(submission: FormSubmission, response: HttpResponse) -> None:
    """Keep where a sending went, or let its token go if it did not send the browser on."""
    try:
        location = response.get("Location", "") if response.status_code in _REDIRECTS else ""
        if location and len(location) <= 2000:
            FormSubmission.objects.filter(pk=submission.pk).update(
                location=location, completed_at=clock.now()
            )
        else:
            FormSubmission.objects.filter(pk=submission.pk).delete()
    except DatabaseError:
        # The answer stands: the claim stays in flight until its timeout lets the token go.
        logger.exception("Could not finish the form sending %s", submission.pk)


def submissions_expire() -> int:
    """Delete sendings older than ``rules.FORM_SUBMISSION_KEPT`` (a sweep)."""
    cutoff = clock.now() - rules.FORM_SUBMISSION_KEPT
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class OnceSubmissionMiddleware:
    """Acts on a page form's token once (see the module docstring). Last in ``MIDDLEWARE``, so
    that the CSRF check, sign-in and the second factor have passed before a token is claimed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            submission = getattr(request, "_waymark_submission", None)
            if submission is not None:
                FormSubmission.objects.filter(pk=submission.pk).delete()
            raise
        submission = getattr(request, "_waymark_submission", None)
        if submission is not None:
            finish(submission, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        token = _token(request)
        if token is None:
            return None
        outcome = claim(request, token)
        if isinstance(outcome, FormSubmission):
            request._waymark_submission = outcome
            return None
        return outcome
