"""The Jinja2 environment for Waymark pages.

Pages use GOV.UK Frontend macros from ``govuk-frontend-jinja`` (imported as
``govuk_frontend_jinja/components/<name>/macro.html``) and our own templates from each app's
``jinja2/`` folder. Dates are shown in Europe/London in GOV.UK style ("22 November 2026, 3:15pm").
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from urllib.parse import urlencode

import jinja2
from django.conf import settings
from django.contrib import messages
from django.core.signals import setting_changed
from django.middleware.csrf import get_token
from django.templatetags.static import static as django_static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.metrics import metric, metrics_for_page
from waymark.core.navigation import group_entries, header_items, nav_items
from waymark.core.notifications import unread_count
from waymark.core.progress import time_left
from waymark.core.words import days_in_words


def govuk_date(value: date | datetime | None, empty: str = "Not recorded") -> str:
    if value is None or value == "":
        return empty
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None, empty: str = "Not recorded") -> str:
    if value is None:
        return empty
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    clock_part = f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"
    if local.hour == 12 and local.minute == 0:
        clock_part = "midday"
    return f"{local.day} {local:%B %Y}, {clock_part}"


def govuk_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def govuk_clock(value) -> str:
    """A time of day as GOV.UK writes it everywhere in Waymark: 9am, 9:30am, midday, midnight."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).time()
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


# Every page asks for about ten URLs without arguments (the header's, the footer's, the session
# timeout's) and a few static files: each reversal or storage lookup costs 20-25 µs, and neither
# answer changes while the process runs with the same URLconf, script prefix and static settings.
_URLS: dict[tuple, str] = {}
_STATIC: dict[str, str] = {}


def url(name: str, *args, **kwargs) -> str:
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, get_urlconf(), get_script_prefix())
    found = _URLS.get(key)
    if found is None:
        found = _URLS[key] = reverse(name)
    return found


def static(path: str) -> str:
    found = _STATIC.get(path)
    if found is None:
        found = _STATIC[path] = django_static(path)
    return found


def _forget_urls(*, setting, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _URLS.clear()
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS"}:
        _STATIC.clear()


setting_changed.connect(_forget_urls)


def querystring(request, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def form_errors(form) -> list[dict[str, str]]:
    """Error list for the GOV.UK error summary: each error links to its field."""
    if form is None or not form.errors:
        return []
    items = []
    for name, errors in form.errors.items():
        href = (
            f"#{form[name].id_for_label}"
            if name != "__all__" and name in form.fields
            else "#main-content"
        )
        if name != "__all__" and name in form.fields:
            widget = form.fields[name].widget
            subwidgets = getattr(widget, "widgets", None)
            if subwidgets or getattr(widget, "input_type", "") in {"radio", "checkbox"}:
                href = f"#{form[name].id_for_label or 'id_' + name}"
        for error in errors:
            items.append({"text": str(error), "href": href})
    return items


def field_error(form, name: str):
    if form is None or name not in form.errors:
        return None
    return {"text": " ".join(str(e) for e in form.errors[name])}


def session_timeout() -> dict[str, int]:
    """Seconds for the page's session timeout warning (``accounts.rules``)."""
    from waymark.accounts.rules import session_timeout as rule

    return rule()


def guidance_for_step(step_key: str):
    """The guidance page for a journey step, or None (``waymark.guidance``)."""
    from waymark.guidance.selectors import guidance_for_step as select

    return select(step_key)


def number(value):
    """A count as GOV.UK writes it: 1,347 (thousands separated); anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{value:,}"


REPORT_REFERENCE = re.compile(r"\s*\((?:seed )?\d{3}(?:\s*§\s*[\d.\u2013-]+(?:,\s*)?)+[^)]*\)")


def plain(text: str) -> str:
    """Text for the people who use the service: an inspection report's paragraph reference, such as
    "(000 §5.14)", is for the code and the docs, not the page."""
    return REPORT_REFERENCE.sub("", text or "")


def page_text(value):
    """``plain`` for whatever a template prints, keeping already-safe markup safe."""
    if isinstance(value, Markup) and "§" in value:
        # The value was already safe; removing a plain-text reference from it keeps it so.
        return Markup(REPORT_REFERENCE.sub("", str(value)))  # noqa: S704
    if type(value) is str and "§" in value:  # exactly str: a lazy proxy is left as it is
        return REPORT_REFERENCE.sub("", value)
    return value


class _Template(jinja2.Template):
    """Jinja's template with one import step done at C speed.

    Each ``{% from ... import %}`` asks whether the importing template has globals the imported one
    lacks, as ``set - ChainMap.keys()``: Python's ``KeysView`` answers that one key at a time
    (about 15 µs an import, and a page makes a dozen: the layout's, GOV.UK's template's and their
    macros'). ``set.difference`` reads the ChainMap's keys in C. Same answer, same module."""

    def _get_default_module(self, ctx=None):
        if ctx is not None:
            keys = ctx.globals_keys.difference(self.globals)
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module


def _service_navigation(env: Environment):
    """GOV.UK's service navigation for a list of entries, each distinct list rendered once a
    process: the macro's output depends on nothing else, and rendering it is about a fifth of
    the layout's time on every signed-in page."""
    macro_path = "govuk_frontend_jinja/components/service-navigation/macro.html"

    @functools.lru_cache(maxsize=1024)
    def rendered(entries: tuple[tuple[str, str, bool], ...]) -> Markup:
        macro = env.get_template(macro_path).module.govukServiceNavigation  # type: ignore[attr-defined]
        navigation = [{"href": h, "text": t, "active": a} for h, t, a in entries]
        params = {
            "navigation": navigation,
            "navigationLabel": "Menu",
            "collapseNavigationOnMobile": True,
        }
        return Markup(macro(params))  # noqa: S704 - the macro's autoescaped output

    def service_navigation(items: list[dict]) -> Markup:
        return rendered(tuple((i["href"], i["text"], bool(i.get("active"))) for i in items))

    return service_navigation


def environment(**options) -> Environment:
    options.pop("loader", None)
    loader = ChoiceLoader(
        [
            FileSystemLoader([str(settings.BASE_DIR / "templates")]),
            *[
                PackageLoader(app, "jinja2")
                for app in [
                    "waymark.core",
                    "waymark.accounts",
                    "waymark.people",
                    "waymark.work",
                    "waymark.correspondence",
                    "waymark.documents",
                    "waymark.api",
                    *getattr(settings, "WAYMARK_MODULE_APPS", []),
                ]
                if _has_jinja_dir(app)
            ],
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    # Every value a page prints passes through ``page_text``: no inspection-report paragraph reaches
    # the people who use the service, wherever the text came from (a rule's reason, a help text).
    options.setdefault("finalize", page_text)
    env = Environment(loader=loader, **options)  # noqa: S701 - Django's backend turns autoescape on
    env.template_class = _Template
    env.globals.update(
        {
            "static": static,
            "url": url,
            "querystring": querystring,
            "form_errors": form_errors,
            "field_error": field_error,
            "get_messages": messages.get_messages,
            "csrf_token_value": get_token,
            "service_name": settings.WAYMARK_SERVICE_NAME,
            "urlencode": urlencode,
            "format_html": format_html,
            "mark_safe": mark_safe,
            "nav_items": nav_items,
            "service_navigation": _service_navigation(env),
            "header_items": header_items,
            "print_time": clock.now,
            "unread_notifications": unread_count,
            "days_in_words": days_in_words,
            "time_left": lambda done, total, started_at: time_left(
                done, total, started_at, clock.now()
            ),
            "group_entries": group_entries,
            "session_timeout": session_timeout,
            "guidance_for_step": guidance_for_step,
            # One definition per figure (core.metrics): a figures page names and defines each
            # figure from the registry.
            "metric": metric,
            "metrics_for_page": metrics_for_page,
        }
    )
    env.filters.update(
        {
            "govuk_date": govuk_date,
            "govuk_datetime": govuk_datetime,
            "govuk_time": govuk_time,
            "govuk_clock": govuk_clock,
            "number": number,
            "plain": plain,
        }
    )
    return env


def _has_jinja_dir(app: str) -> bool:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(app)
    if spec is None or not spec.submodule_search_locations:
        return False
    return any((Path(loc) / "jinja2").is_dir() for loc in spec.submodule_search_locations)
