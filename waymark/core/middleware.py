"""Request-wide concerns: the channel and request id for the audit trail, and the rules for every
response that carries personal data (logged as a consultation, never cached)."""

from __future__ import annotations

import json
import re
import uuid

from django.conf import settings
from django.core.exceptions import BadRequest
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


class InputRefused(BadRequest):
    """A request refused before any view reads it; the message says why (core.views.bad_request
    shows it on the GOV.UK 400 page or as the problem's ``detail``)."""


# A JSON body is parsed for a second look only if its bytes hold a NUL, an escaped NUL or an
# escaped UTF-16 surrogate: nearly every body is passed on after one scan.
_JSON_SUSPECT = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]")
_NUL_REFUSED = (
    "The request contains a NUL character (0x00), which no field accepts. Remove it and send "
    "the request again. Nothing has been saved."
)
_SURROGATE_REFUSED = (
    "The request's JSON contains a lone UTF-16 surrogate (\\ud800 to \\udfff), which is not a "
    "character. Send valid Unicode text. Nothing has been saved."
)


def _json_problem(body: bytes) -> str:
    """Why a JSON body is refused (a NUL or a lone surrogate in any key or string), or ""."""
    if not _JSON_SUSPECT.search(body):
        return ""
    try:
        stack = [json.loads(body)]
    except (ValueError, RecursionError):  # malformed: the API's parser answers it with a 400
        return ""
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return _NUL_REFUSED
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return _SURROGATE_REFUSED
    return ""


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


def checks_its_own_body(view) -> bool:
    """Views (or DRF view classes) with ``waymark_checks_its_own_body = True``: a batch that answers
    each entry on its own, so that one entry holding a NUL is refused alone rather than the whole
    batch (which a client replaying a backlog would send again and again)."""
    for candidate in (view, getattr(view, "cls", None), getattr(view, "view_class", None)):
        if candidate is not None and getattr(candidate, "waymark_checks_its_own_body", False):
            return True
    return False


class RefuseUnstorableInputMiddleware:
    """Refuses with a 400, before any view or query runs, text that PostgreSQL cannot store or
    compare: a NUL character in the path, the query string or a form's fields, and a NUL or a lone
    surrogate in a JSON body. Otherwise each search box, filter and field would have to refuse it
    itself, and the one that forgot answered 500 (psycopg: "PostgreSQL text fields cannot contain
    NUL (0x00) bytes"; jsonb: "unsupported Unicode escape sequence").

    The body is looked at once the view is known, and not at all for a view that
    ``checks_its_own_body`` (a batch answered entry by entry). A multipart body is not parsed here:
    an upload view sets its upload handlers before its body is read (documents.uploads), and
    Django's form fields refuse a NUL in any text field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or _has_nul(request.GET):
            raise InputRefused(_NUL_REFUSED)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not checks_its_own_body(
            view_func
        ):
            problem = self._body_problem(request)
            if problem:
                raise InputRefused(problem)
        return None

    @staticmethod
    def _body_problem(request) -> str:
        content_type = request.content_type or ""
        if content_type == "application/x-www-form-urlencoded":
            return _NUL_REFUSED if _has_nul(request.POST) else ""
        if content_type == "application/json" or content_type.endswith("+json"):
            length = request.META.get("CONTENT_LENGTH") or "0"
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if not length.isdigit() or (limit is not None and int(length) > limit):
                return ""  # left to the view, which reads the stream with its own limits
            return _json_problem(request.body)
        return ""


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
