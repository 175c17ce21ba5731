"""Service navigation: modules add their own entries with ``register_nav``.

The bar has to fit one line at 1280 px for every role, so related pages share one entry: an
item registered with ``group="figures"`` (figures, measures, workload) is listed on the
Figures page, and the bar shows a single "Figures" link to it (or the item itself when the user
may see only one). Guidance, the account and signing out sit in the header, not in the bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100
    group: str = ""
    description: str = ""
    area: str = "bar"  # "header": beside the account links, not in the navigation bar


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    url_name: str
    order: int


_ITEMS: list[NavItem] = []
GROUPS: dict[str, NavGroup] = {
    "figures": NavGroup("figures", "Figures", "figures", 80),
}


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)


# Every navigation entry is a URL without arguments, so each is reversed once per URLconf and
# script prefix (every signed-in page builds the bar: 30 reversals a page otherwise).
_HREFS: dict[tuple[str, Any, str], str | None] = {}


def _href(url_name: str) -> str | None:
    key = (url_name, get_urlconf(), get_script_prefix())
    if key not in _HREFS:
        try:
            _HREFS[key] = reverse(url_name)
        except NoReverseMatch:
            _HREFS[key] = None
    return _HREFS[key]


def _forget_hrefs(*, setting, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _HREFS.clear()


setting_changed.connect(_forget_hrefs)


def _permission_test(user):
    """``user.has_perm`` for the bar's permissions, asked once: the permission set is read once
    (every authentication backend's ``get_all_permissions``, as ``has_perm`` would consult), an
    active superuser holds every permission, an inactive or anonymous user none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return lambda permission: False
    if user.is_active and user.is_superuser:
        return lambda permission: True
    held = user.get_all_permissions()
    return held.__contains__


def _visible(request, group: str | None = None, area: str = "bar") -> list[tuple[NavItem, str]]:
    has = _permission_test(getattr(request, "user", None))
    visible = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.area != area:
            continue
        if group is not None and item.group != group:
            continue
        if item.permission and not has(item.permission):
            continue
        href = _href(item.url_name)
        if href is not None:
            visible.append((item, href))
    return visible


def _matches(request, href: str) -> bool:
    return request.path == href or (href != "/" and request.path.startswith(href))


def group_entries(request, group: str) -> list[dict[str, Any]]:
    """The pages of ``group`` the user may open, for the group's own page."""
    return [
        {"href": href, "text": item.label, "description": item.description}
        for item, href in _visible(request, group)
    ]


def header_items(request) -> list[dict[str, Any]]:
    """Links shown in the header beside 'Your account' (guidance, for everyone)."""
    return [
        {"href": href, "text": item.label, "active": _matches(request, href)}
        for item, href in _visible(request, area="header")
    ]


def nav_items(request) -> list[dict]:
    entries: list[tuple[int, dict[str, Any]]] = []
    grouped: dict[str, list[tuple[NavItem, str]]] = {}
    for item, href in _visible(request):
        if item.group:
            grouped.setdefault(item.group, []).append((item, href))
            continue
        entries.append((item.order, {"href": href, "text": item.label, "hrefs": [href]}))
    for key, members in grouped.items():
        group = GROUPS[key]
        if len(members) == 1:
            item, href = members[0]
            entries.append((item.order, {"href": href, "text": item.label, "hrefs": [href]}))
            continue
        href = _href(group.url_name) or reverse(group.url_name)
        hrefs = [href] + [h for _, h in members]
        entries.append((group.order, {"href": href, "text": group.label, "hrefs": hrefs}))
    items = [entry for _, entry in sorted(entries, key=lambda e: e[0])]
    # One item is current: the one with the longest matching link (/operations/field/ over
    # /operations/; /monitoring/mi/, a page of Figures, over /monitoring/).
    lengths = [
        max((len(h) for h in entry.pop("hrefs") if _matches(request, h)), default=0)
        for entry in items
    ]
    longest = max(lengths, default=0)
    for entry, length in zip(items, lengths, strict=True):
        entry["active"] = bool(longest) and length == longest
        if entry["active"]:
            longest = -1  # only the first of equals
    return items
