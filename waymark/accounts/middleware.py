"""The second factor is not optional for users who can see people nationally (rules).

A user who must use a second factor and has not proved one in this session gets no page: if they
have no authenticator app yet they are sent to set one up (enrolment on first sign-in); if they
have one but the session was opened without it (the Django admin's own form, a session from before
the rule) the session ends and they sign in again, with the code. API calls made with the session
get a 403 problem instead of a redirect.
"""

from __future__ import annotations

import time

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from waymark.accounts import rules, services

# Pages a user without a verified second factor may still use: signing in and out, and enrolment.
OPEN_WITHOUT_SECOND_FACTOR = frozenset(
    {
        "accounts:sign-in",
        "accounts:verify",
        "accounts:sign-out",
        "accounts:signed-out",
        "accounts:two-factor",
        "accounts:keep-alive",
        "health",
        "health-background",
        "accessibility",
        "cookies",
    }
)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and rules.second_factor_required(user) and not user.is_verified():
            try:
                route = resolve(request.path_info).view_name
            except Resolver404:
                route = ""
            if route not in OPEN_WITHOUT_SECOND_FACTOR:
                return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, user):
        enrolled = services.totp_device_confirmed(user=user) is not None
        if request.path_info.startswith("/api/"):
            from waymark.api.problems import PROBLEM_CONTENT_TYPE, problem_body

            detail = (
                "Sign in with your authenticator app code before using the API with this session."
                if enrolled
                else "Set up two-factor authentication before using the API with this session."
            )
            return JsonResponse(
                problem_body(
                    403, detail, instance=request.path, problem_type="second-factor-required"
                ),
                status=403,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        if enrolled:
            logout(request)
            return redirect(
                f"{reverse('accounts:sign-in')}?{urlencode({'next': request.get_full_path()})}"
            )
        return redirect(f"{reverse('accounts:two-factor')}?required=1")


TOUCHED = "_waymark_touched"


class SessionTouchMiddleware:
    """Keeps a signed-in session alive without writing it on every request (what
    ``SESSION_SAVE_EVERY_REQUEST`` did): the session is marked modified, so Django saves it with a
    new expiry, only when it was last saved ``rules.SESSION_TOUCH_INTERVAL`` or longer ago. Sits
    just inside ``SessionMiddleware``, which saves after this has seen the response. An empty
    session (an anonymous visitor) is never created by it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(TOUCHED, 0)) >= rules.SESSION_TOUCH_INTERVAL.total_seconds():
            session[TOUCHED] = now
        return response
