"""Request-wide concerns: the channel and request id for the audit trail, and the rules for every
response that carries personal data (logged as a consultation, never cached)."""

from __future__ import annotations

import re
import uuid

from django.db.models.signals import post_init
from django.utils.cache import patch_cache_control

from waymark.core import audit, context
from waymark.core.models import AuditAction
from waymark.core.rules import REQUEST_ID_MAX_LENGTH

# A caller's X-Request-Id is kept only if it is short and plain (it is stored with every audit
# entry and echoed in a header; ``rules.REQUEST_ID_MAX_LENGTH``); anything else gets a fresh id.
REQUEST_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{REQUEST_ID_MAX_LENGTH}}}")


class ChannelMiddleware:
    """Marks the request's channel (web or api) and its id for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        offered = request.headers.get("X-Request-Id", "")
        request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = context.set_current(context.ActingContext(channel=channel, request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-Id"] = request_id
        return response


# Query parameters whose values are never written to the audit trail (DPA 2018: the log records
# the consultation, not special category data someone filtered by).
_UNLOGGED_PARAMETERS = re.compile(
    r"csrf|password|token|secret|ethnic|(?<![a-z])race|religio|belief|sexual|orientation|disabil|gender|pregnan|"
    r"marri|health|politic|union|genetic|biometric",
    re.IGNORECASE,
)


def _person_loaded(sender, instance, **kwargs) -> None:
    """Pages that note nobody still name the people whose records they loaded (capped)."""
    ledger = audit.current_ledger()
    if (
        ledger is not None
        and instance.pk is not None
        and len(ledger.loaded) < audit.NOTED_PEOPLE_LIMIT
    ):
        ledger.loaded.add(instance.pk)


post_init.connect(_person_loaded, sender="people.Person", dispatch_uid="waymark.core.person_loaded")


def carries_no_personal_data(view) -> bool:
    """Views marked ``public`` or ``no_personal_data`` (core.permissions); DRF views carry the
    marker on their class."""
    for candidate in (view, getattr(view, "cls", None), getattr(view, "view_class", None)):
        if candidate is None:
            continue
        if getattr(candidate, "waymark_no_personal_data", False):
            return True
        if getattr(candidate, "waymark_permissions", None) == ("public",):
            return True
    return False


class PersonalDataMiddleware:
    """Every response to a signed-in user or machine client from a view that may return personal
    data is sent with ``Cache-Control: no-store, private``; every successful GET of one leaves
    exactly one consultation entry in the audit trail (DPA 2018 s62) unless the view logged its own
    consultation or disclosure. Streamed responses (exports) pass through unread.

    The entry names the route, the path, its query (without special category values), and the
    people and count a list noted with ``audit.note_consulted`` or else the people whose records the
    request loaded; one person makes it part of that person's access history.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ledger, token = audit.ledger_open()
        try:
            response = self.get_response(request)
        finally:
            audit.ledger_close(token)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if (
            match is None
            or user is None
            or not getattr(user, "is_authenticated", False)
            or carries_no_personal_data(match.func)
        ):
            return response
        patch_cache_control(response, no_store=True, private=True)
        if request.method == "GET" and 200 <= response.status_code < 300 and not ledger.consulted:
            self._record(request, match, user, ledger)
        return response

    @staticmethod
    def _record(request, match, user, ledger: audit.RequestLedger) -> None:
        query = {
            key: ("(not logged)" if _UNLOGGED_PARAMETERS.search(key) else value[:200])
            for key, value in request.GET.items()
        }
        people = sorted(ledger.people)
        payload = {
            "route": match.view_name,
            "path": request.path[:500],
            "query": query,
            "kwargs": {k: str(v)[:100] for k, v in match.kwargs.items()},
        }
        if ledger.count is not None:
            payload["count"] = ledger.count
        if people:
            payload["people"] = people[: audit.NOTED_PEOPLE_LIMIT]
            payload["people_noted"] = len(people)
        elif ledger.loaded:
            people = sorted(ledger.loaded)
            payload["people_loaded"] = people
        audit.audit_record(
            actor=user,
            action=AuditAction.CONSULTATION,
            verb="personal_data.consulted",
            target_type="route",
            target_id=match.view_name[:64],
            person_id=people[0] if len(people) == 1 else None,
            payload=payload,
        )
