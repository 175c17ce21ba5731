"""Every view declares its permission (Kiwi TCMS style), enforced by a test over the URL map.

    @requires("people.view_person")
    def person_detail(request, pk): ...

``requires`` checks the model permission (signed-in users without it get 403; object-level checks
inside the view use ``access_<thing>`` selectors and 404). ``public`` marks the few pages that are
open without signing in (sign-in, health, accessibility statement).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied


def requires(*permissions: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if getattr(user, "is_machine", False) or not user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.waymark_permissions = tuple(permissions)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def signed_in(view: Callable) -> Callable:
    """Any signed-in person (not machine) may use this view; object checks happen inside."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request.user, "is_machine", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.waymark_permissions = ("signed-in",)  # type: ignore[attr-defined]
    return wrapped


def public(view: Callable) -> Callable:
    view = login_not_required(view)
    view.waymark_permissions = ("public",)  # type: ignore[attr-defined]
    return view


def no_personal_data(view: Callable) -> Callable:
    """Mark a view (function or DRF class) that never returns personal data: an aggregate figures
    page, guidance, a settings page. Every other signed-in read is logged as a consultation and
    sent with ``Cache-Control: no-store`` (``core.middleware.PersonalDataMiddleware``); the audit
    coverage test (tests/test_audit_coverage.py) holds every route to one or the other."""
    view.waymark_no_personal_data = True  # type: ignore[attr-defined]
    return view
