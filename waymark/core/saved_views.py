"""Saved and remembered filters on list pages (issue 16, "what comparable tools have").

A list page whose filters are in its query string (a person's caseload, the person search, the
enforcement visits list, the reporting day) registers itself once, from its app's
``registrations.py``, with the parameters that are its filters::

    register_filter_page(FilterPage("work:home", ("due",)))

and its view then does two things:

    if (remembered := filters_remembered(request, "work:home")) is not None:
        return remembered
    context["saved_views"] = saved_views_panel(request, "work:home")

- **Remembered.** Filters a person applies are kept in their session, by page and by user, and a
  return to the page with no query string at all is sent to them again. ``?clear-filters=1``
  (the panel's "Clear filters" link) forgets them. The session ends when the person signs out or
  closes the browser; another user never sees them (the entry is keyed by the user too).
- **Saved.** ``saved_view_create`` keeps a named copy of the page's filters in ``SavedView`` (the
  page's own parameters only, never anything else the query string held); ``saved_view_delete``
  removes one of the person's own. Both are audited. The panel (``core/_saved_views.html``) lists
  them as links, with a form to save the filters now applied and a button to delete each.

The save form posts to ``core:saved-view-create``, which cannot draw the module's page: a refused
save is kept in the session and shown by the page's panel (and the layout's error summary) on the
page it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect, QueryDict
from django.urls import NoReverseMatch, resolve, reverse

from waymark.core import clock, rules
from waymark.core.audit import audit_record
from waymark.core.forms import SavedViewForm
from waymark.core.models import AuditAction, SavedView
from waymark.core.types import Actor

if TYPE_CHECKING:
    from waymark.accounts.models import User

# The session entries: the filters last used on each page ({"<user id>:<page>": "due=overdue"})
# and a save that was refused, to show on the page it came from.
REMEMBERED_SESSION_KEY = "waymark.filters_remembered"
REFUSED_SESSION_KEY = "waymark.saved_view_refused"
# The query parameter of the "Clear filters" link: forget the page's filters and show it bare.
CLEAR_PARAMETER = "clear-filters"
# The declarations of the permission decorators that are not permissions (core.permissions).
_NOT_PERMISSIONS = ("signed-in", "public")


@dataclass(frozen=True)
class FilterPage:
    """A list page whose filters may be saved and are remembered: its URL name (a page without
    arguments; the page key) and the query parameters that are its filters."""

    url_name: str
    parameters: tuple[str, ...]


_PAGES: dict[str, FilterPage] = {}


def register_filter_page(page: FilterPage) -> None:
    """Called from an app's ``registrations.py``. The same definition twice is harmless; a
    different one under a name already taken is an error at start-up."""
    existing = _PAGES.get(page.url_name)
    if existing is not None and existing != page:
        raise ImproperlyConfigured(f"Filter page {page.url_name!r} is already registered")
    _PAGES[page.url_name] = page


def filter_page(url_name: str) -> FilterPage:
    """The registered page, or LookupError."""
    try:
        return _PAGES[url_name]
    except KeyError:
        raise LookupError(f"{url_name!r} is not a registered filter page") from None


def registered_filter_pages() -> dict[str, FilterPage]:
    return dict(_PAGES)


def page_filters(page: FilterPage, query: QueryDict | str) -> str:
    """The page's own filters in ``query``, those with a value, as a query string (in the order
    the page declares them): what is remembered, saved and linked to."""
    params = QueryDict(query) if isinstance(query, str) else query
    pairs = [
        (name, value) for name in page.parameters for value in params.getlist(name) if value.strip()
    ]
    return urlencode(pairs)


def page_url(url_name: str, query_string: str = "") -> str:
    """The page with ``query_string`` (its own filters only); the home page if it has gone."""
    try:
        page = filter_page(url_name)
        url = reverse(url_name)
    except (LookupError, NoReverseMatch):
        return reverse("work:home")
    filters = page_filters(page, query_string)
    return f"{url}?{filters}" if filters else url


def _may_use(user: Actor, url_name: str) -> bool:
    """Whether ``user`` holds the permissions the page's view declares (``@requires``)."""
    if user is None:
        return False
    declared = getattr(resolve(reverse(url_name)).func, "waymark_permissions", ())
    return user.has_perms([p for p in declared if p not in _NOT_PERMISSIONS])


# ------------------------------------------------------------------------------------------------
# Writes


def saved_view_create(*, actor: Actor, page: str, name: str, query_string: str) -> SavedView:
    """Save the filters ``query_string`` holds on ``page`` under ``name``, for ``actor`` alone.
    Refused (ValidationError) without a name, with a name too long or already used on the page,
    with no filters, or with anything that is not one of the page's filters."""
    try:
        spec = filter_page(page)
    except LookupError:
        raise ValidationError("Filters cannot be saved on this page") from None
    if actor is None or not _may_use(actor, page):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for these filters"})
    if len(name) > rules.SAVED_VIEW_NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": f"Name must be {rules.SAVED_VIEW_NAME_MAX_LENGTH:,} characters or fewer"}
        )
    query_string = (query_string or "").lstrip("?")
    if len(query_string) > rules.SAVED_VIEW_QUERY_MAX_LENGTH:
        raise ValidationError("These filters are too long to save. Choose fewer filters")
    params = QueryDict(query_string)
    if set(params) - set(spec.parameters):
        raise ValidationError("Only this page's filters can be saved")
    filters = page_filters(spec, params)
    if not filters:
        raise ValidationError("Choose some filters before saving them")
    if SavedView.objects.filter(user=actor, page=page, name=name).exists():
        raise ValidationError({"name": f"You already have filters called '{name}' on this page"})
    with transaction.atomic():
        saved = SavedView.objects.create(
            user=actor, page=page, name=name, query_string=filters, created_at=clock.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="saved_view.created",
            target=saved,
            payload={"new": {"page": page, "name": name, "query": filters}},
        )
    return saved


def saved_view_delete(*, actor: Actor, saved_view: SavedView) -> None:
    """Delete one of ``actor``'s saved filters; another person's is refused (PermissionDenied)."""
    if actor is None or saved_view.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ERASURE,
            verb="saved_view.deleted",
            target=saved_view,
            payload={
                "old": {
                    "page": saved_view.page,
                    "name": saved_view.name,
                    "query": saved_view.query_string,
                }
            },
        )
        saved_view.delete()


# ------------------------------------------------------------------------------------------------
# Reads


def saved_views_for(*, user: Actor, page: str) -> QuerySet[SavedView]:
    """``user``'s saved filters on ``page``, by name."""
    if user is None:
        return SavedView.objects.none()
    return SavedView.objects.filter(user=user, page=page).order_by("name", "pk")


def access_saved_view(user: Actor, pk: int) -> SavedView:
    """One of ``user``'s own saved filters; 404 for anyone else's, as for one that does not exist."""
    saved = None if user is None else SavedView.objects.filter(pk=pk, user=user).first()
    if saved is None:
        raise Http404("No such saved filters")
    return saved


# ------------------------------------------------------------------------------------------------
# Remembering, in the session


def _signed_in(request: HttpRequest) -> Actor:
    return cast("User", request.user) if request.user.is_authenticated else None


def _memory_key(request: HttpRequest, page: str) -> str:
    return f"{request.user.pk}:{page}"


def _remember(request: HttpRequest, page: str, filters: str) -> None:
    remembered = dict(request.session.get(REMEMBERED_SESSION_KEY, {}))
    key = _memory_key(request, page)
    if filters and len(filters) <= rules.SAVED_VIEW_QUERY_MAX_LENGTH:
        remembered[key] = filters
    else:
        remembered.pop(key, None)
    request.session[REMEMBERED_SESSION_KEY] = remembered


def filters_remembered(request: HttpRequest, page: str) -> HttpResponseRedirect | None:
    """Call first in the page's view. A redirect to the page with the filters the user last used
    on it when they come back to it with no query string; to the bare page, forgetting them, for
    "Clear filters"; otherwise None, having remembered the filters the request applies (none
    applied, as a submitted empty filter form sends, forgets them)."""
    spec = filter_page(page)
    if not request.user.is_authenticated:
        return None
    if request.GET.get(CLEAR_PARAMETER):
        _remember(request, page, "")
        return HttpResponseRedirect(reverse(page))
    if not request.GET:
        remembered = request.session.get(REMEMBERED_SESSION_KEY, {}).get(_memory_key(request, page))
        return HttpResponseRedirect(f"{reverse(page)}?{remembered}") if remembered else None
    if any(name in request.GET for name in spec.parameters):
        _remember(request, page, page_filters(spec, request.GET))
    return None


# ------------------------------------------------------------------------------------------------
# The panel on the page, and a refused save on its way back to it


def saved_view_refused_keep(request: HttpRequest, *, page: str, name: str, errors: dict) -> None:
    """Keep a refused save (what was typed, cut to one character past the limit, and the
    messages by field) for the page's panel to show once."""
    request.session[REFUSED_SESSION_KEY] = {
        "user": request.user.pk,
        "page": page,
        "name": (name or "")[: rules.SAVED_VIEW_NAME_MAX_LENGTH + 1],
        "errors": {field: [str(m) for m in messages] for field, messages in errors.items()},
    }


def _refused_form(request: HttpRequest, page: str, query_string: str) -> SavedViewForm:
    refused = request.session.get(REFUSED_SESSION_KEY)
    if not refused or refused.get("user") != request.user.pk or refused.get("page") != page:
        return SavedViewForm(initial={"page": page, "query_string": query_string})
    del request.session[REFUSED_SESSION_KEY]
    form = SavedViewForm({"name": refused["name"], "page": page, "query_string": query_string})
    form.is_valid()
    for field, messages in refused["errors"].items():
        field_name = field if field in form.fields else None
        for message in messages:
            if message not in form.errors.get(field_name or "__all__", []):
                form.add_error(field_name, message)
    return form


def saved_views_panel(request: HttpRequest, page: str) -> dict[str, Any]:
    """What ``core/_saved_views.html`` shows: the user's saved filters on the page, the filters
    applied now, the "Clear filters" link and the save form (with a refused save's errors, which
    the layout also puts in the error summary)."""
    spec = filter_page(page)
    url = reverse(page)
    query_string = page_filters(spec, request.GET)
    return {
        "page": page,
        "url": url,
        "saved": list(saved_views_for(user=_signed_in(request), page=page)),
        "query_string": query_string,
        "filtered": bool(query_string),
        "clear_url": f"{url}?{CLEAR_PARAMETER}=1",
        "form": _refused_form(request, page, query_string),
    }
