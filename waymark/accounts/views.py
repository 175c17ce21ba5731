"""Sign in (password, then an optional authenticator-app code), sign out, session keep-alive and
second-factor set-up.

Lockout: ``authenticate(request=...)`` lets django-axes count failures by username and address;
once ``AXES_FAILURE_LIMIT`` is reached axes's middleware answers with ``accounts/locked_out.html``.
A wrong security code also counts as a failed sign-in, so codes cannot be guessed either.
"""

from __future__ import annotations

import logging
import time

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout, user_login_failed
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from waymark.accounts import rules, services
from waymark.accounts.forms import SIGN_IN_FAILED, SecurityCodeForm, SignInForm, UnlockForm
from waymark.core.permissions import no_personal_data, public, requires, signed_in

logger = logging.getLogger("waymark.accounts")

PENDING_USER = "waymark_2fa_user"
PENDING_BACKEND = "waymark_2fa_backend"
PENDING_SINCE = "waymark_2fa_since"
PENDING_NEXT = "waymark_2fa_next"


def _safe_next(request, candidate: str | None) -> str:
    # Only a path or an address on this site: ``redirect`` would read anything else ("-1", "work")
    # as the name of a URL to reverse, and a name that is none is a NoReverseMatch (a 500).
    if (
        candidate
        and candidate.startswith(("/", "http://", "https://"))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _pending_clear(request) -> None:
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_SINCE, PENDING_NEXT):
        request.session.pop(key, None)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(
            request=request, username=username, password=form.cleaned_data["password"]
        )
        if user is not None and getattr(user, "is_machine", False):
            logger.warning(
                "Sign-in refused for machine account %r from %s", username, _client_address(request)
            )
            user = None
        if user is None:
            logger.info("Sign-in failed for %r from %s", username, _client_address(request))
            form.add_error("username", SIGN_IN_FAILED)
        else:
            device = services.totp_device_confirmed(user=user)
            if device is not None:
                _pending_clear(request)
                request.session[PENDING_USER] = user.pk
                request.session[PENDING_BACKEND] = user.backend
                request.session[PENDING_SINCE] = time.time()
                request.session[PENDING_NEXT] = next_url
                return redirect("accounts:verify")
            login(request, user)
            logger.info("Signed in %r from %s", username, _client_address(request))
            return redirect(_safe_next(request, next_url))
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@public
@never_cache
def admin_sign_in(request, extra_context=None):
    """The Django admin signs in through Waymark's own sign-in (password, then the second factor),
    never through its own password-only form."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(
        f"{reverse('accounts:sign-in')}?{urlencode({'next': _safe_next(request, next_url)})}"
    )


def _pending_user(request):
    pk = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if pk is None:
        return None
    if time.time() - since > rules.SECOND_FACTOR_PENDING_LIMIT.total_seconds():
        _pending_clear(request)
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True, is_machine=False).first()


@public
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Second step of signing in for users with an authenticator app."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again to continue.")
        return redirect("accounts:sign-in")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials=credentials):
        return get_lockout_response(request, credentials=credentials)
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.totp_device_confirmed(user=user)
        if device is not None and device.verify_token(form.cleaned_data["code"]):
            backend = request.session[PENDING_BACKEND]
            next_url = request.session.get(PENDING_NEXT, "")
            _pending_clear(request)
            user.otp_device = device  # django-otp records the verified device on login
            login(request, user, backend=backend)
            otp_login(request, device)
            logger.info(
                "Signed in %r with a second factor from %s", user.username, _client_address(request)
            )
            return redirect(_safe_next(request, next_url))
        logger.info(
            "Security code rejected for %r from %s", user.username, _client_address(request)
        )
        # Count it as a failed sign-in so that django-axes locks out code guessing as well.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error(
            "code",
            "The security code is not correct, or has expired. Enter the "
            "code your authenticator app shows now",
        )
    return render(request, "accounts/verify.html", {"form": form})


@public
@require_POST
def sign_out(request):
    """Signing out is a POST (a link could be followed by anything); open without a session so
    that a page left open after the session ended can still sign out cleanly."""
    timed_out = request.POST.get("timeout") == "1"
    if request.user.is_authenticated:
        logger.info("Signed out %r%s", request.user.username, " (timeout)" if timed_out else "")
    logout(request)
    target = reverse("accounts:signed-out")
    return redirect(f"{target}?timeout=1" if timed_out else target)


@public
@never_cache
def signed_out(request):
    return render(
        request,
        "accounts/signed_out.html",
        {
            "timed_out": request.GET.get("timeout") == "1",
            "idle_minutes": rules.session_timeout()["session_seconds"] // 60,
        },
    )


@no_personal_data
@signed_in
@require_POST
def keep_alive(request):
    """Called by "Stay signed in": the session is saved, so its expiry starts again."""
    request.session.modified = True
    return HttpResponse(status=204)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg") :]  # drop the XML declaration; the SVG goes inline in the page
    return svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1
    )


@no_personal_data
@signed_in
@never_cache
def account(request):
    """Your account: who the service knows you as (name, teams, roles, grade) and whether your
    second factor is on, with where to change it. Nothing here is set up without asking."""
    from waymark.accounts.roles import ROLES

    user = request.user
    groups = set(user.groups.values_list("name", flat=True))
    return render(
        request,
        "accounts/account.html",
        {
            "teams": list(user.teams.filter(is_active=True).order_by("name")),
            "roles": [role.name for key, role in ROLES.items() if key in groups],
            "second_factor": services.totp_device_confirmed(user=user) is not None,
            "second_factor_required": rules.second_factor_required(user),
        },
    )


@no_personal_data
@signed_in
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Turn the authenticator-app second factor on (scan, then confirm a code) or off."""
    user = request.user
    confirmed = services.totp_device_confirmed(user=user)
    required = rules.second_factor_required(user)
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if confirmed is None:
            if services.totp_device_confirm(user=user, code=code):
                otp_login(request, services.totp_device_confirmed(user=user))
                messages.success(
                    request,
                    "Two-factor authentication is on. You will need a code "
                    "from your authenticator app each time you sign in.",
                )
                return redirect("work:home" if required else "accounts:two-factor")
        elif required:
            # Nothing to turn off: the role needs it (rules.SECOND_FACTOR_PERMISSIONS).
            form.add_error(
                "code",
                "Two-factor authentication cannot be turned off for your account "
                "because of the records you can see",
            )
        elif services.totp_device_remove(user=user, code=code):
            messages.success(request, "Two-factor authentication is off.")
            return redirect("accounts:two-factor")
        form.add_error(
            "code",
            "The security code is not correct, or has expired. Enter the code "
            "your authenticator app shows now",
        )
    context = {"form": form, "confirmed": confirmed, "required": required}
    if confirmed is None:
        device = services.totp_device_start(user=user)
        context.update(
            qr_svg=mark_safe(_qr_svg(services.totp_config_url(device=device))),
            secret=services.totp_secret_text(device=device),
        )
    return render(request, "accounts/two_factor.html", context)


@requires("accounts.change_user")
@never_cache
@require_http_methods(["GET", "POST"])
def locked_accounts(request):
    """Accounts locked after too many failed sign-ins, and an audited unlock with a reason."""
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if services.account_unlock(
            actor=request.user, username=username, reason=form.cleaned_data["reason"]
        ):
            messages.success(request, f"{username} can sign in again.")
            return redirect("accounts:locked-accounts")
        form.add_error("username", f"{username} is not locked")
    return render(
        request,
        "accounts/locked_accounts.html",
        {
            "form": form,
            "locked": services.accounts_locked(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
    )
