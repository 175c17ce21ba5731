"""Service navigation: modules add their own entries with ``register_nav``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100


_ITEMS: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)


def nav_items(request) -> list[dict]:
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.permission and not (user and user.has_perm(item.permission)):
            continue
        try:
            href = reverse(item.url_name)
        except NoReverseMatch:
            continue
        matches = request.path == href or (href != "/" and request.path.startswith(href))
        items.append({"href": href, "text": item.label, "active": matches})
    # One item is current: the longest matching link (/operations/field/ over /operations/).
    best = max((i for i in items if i["active"]), key=lambda i: len(i["href"]), default=None)
    for entry in items:
        entry["active"] = entry is best
    return items
