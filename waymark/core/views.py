"""Pages that belong to the service rather than a module: error pages (GOV.UK patterns), the
accessibility statement, the cookies page and the Figures page (the navigation group).
Error handlers are set in ``config/urls.py``."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST

from waymark.core import notifications as notes
from waymark.core.conflicts import is_database_unavailable, is_unique_violation
from waymark.core.middleware import InputRefused
from waymark.core.navigation import group_entries
from waymark.core.permissions import no_personal_data, public, signed_in
from waymark.core.rules import NOTIFICATIONS_PAGE_SIZE, RETRY_AFTER_SECONDS

logger = logging.getLogger("waymark.core")


_API_DETAIL = {
    400: "The request is not valid.",
    403: "You may not do this.",
    404: "There is no such resource.",
    409: "Someone else made the same change at the same moment: nothing was saved. Reload the "
    "record and check it before trying again.",
    500: "The error has been logged.",
    503: "The service is unavailable for a moment (its database cannot be reached). Try again.",
}

# While the database cannot be reached (restarting, failing over) every request fails the same way:
# that is 503 with a time to retry (``rules.RETRY_AFTER_SECONDS``), not a 500 that pages someone
# about a bug; which errors say so is ``core.conflicts.is_database_unavailable``.


def _error_page(request, template: str, status: int, reason: str = ""):
    if request.path.startswith("/api/"):  # API clients get problem details, never an HTML page
        from waymark.api.problems import problem_json_response

        return problem_json_response(request, status, reason or _API_DETAIL.get(status, "Error"))
    return render(request, template, {"status": status, "reason": reason}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    # Input refused before any view read it (core.middleware) says why; Django's own refusals
    # (a suspicious header, too many fields) keep the general page.
    reason = str(exception) if isinstance(exception, InputRefused) else ""
    return _error_page(request, "errors/400.html", 400, reason)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error_page(request, "errors/403.html", 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(request, "errors/404.html", 404)


def csrf_failure(request, reason=""):
    """For ``CSRF_FAILURE_VIEW``: usually a form left open after signing out in another tab."""
    return _error_page(request, "errors/403_csrf.html", 403)


def service_unavailable(request):
    """503 without touching the database: no session, no user, no navigation."""
    if request.path.startswith("/api/"):
        from waymark.api.problems import problem_json_response

        response = problem_json_response(request, 503, _API_DETAIL[503])
    else:
        try:
            body = render_to_string("errors/503.html", {"status": 503})
        except Exception:  # pragma: no cover - the fallback of last resort
            body = "Sorry, the service is unavailable. Try again in a few minutes."
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request):
    """Keep this one simple: it must not fail itself."""
    if is_database_unavailable(sys.exc_info()[1]):
        logger.error("Database unavailable: answered 503 for %s", request.path)
        return service_unavailable(request)
    if is_unique_violation(sys.exc_info()[1]):
        logger.error("A unique key refused a write at %s: answered 409", request.path)
        return _error_page(request, "errors/409.html", 409)
    try:
        return _error_page(request, "errors/500.html", 500)
    except Exception:  # pragma: no cover - the fallback of last resort
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "Sorry, there is a problem with the service. Try again later.",
            content_type="text/plain",
        )


@public
def accessibility(request):
    return render(
        request,
        "pages/accessibility.html",
        {
            "session_minutes": int(settings.SESSION_COOKIE_AGE) // 60,
        },
    )


@public
def cookies(request):
    return render(
        request,
        "pages/cookies.html",
        {
            "session_minutes": int(settings.SESSION_COOKIE_AGE) // 60,
        },
    )


@signed_in
@no_personal_data
def figures(request):
    """The navigation's 'Figures': every figures, measures and workload page the user may see."""
    entries = group_entries(request, "figures")
    if not entries:
        raise Http404
    return render(request, "pages/figures.html", {"entries": entries})


@signed_in
def notifications(request):
    """The signed-in person's notifications, newest first (unread ones marked New)."""
    page = Paginator(notes.notifications_for(request.user), NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "pages/notifications.html",
        {"page": page, "unread": notes.unread_count(request.user), "kinds": notes.KINDS},
    )


@signed_in
@require_POST
def notifications_read(request):
    count = notes.notifications_mark_read(request.user)
    if count:
        messages.success(request, f"{count:,} notification{'s' if count != 1 else ''} marked read")
    return redirect("notifications")
