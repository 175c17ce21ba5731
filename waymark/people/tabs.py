"""Tabs on the person page. Modules add their own with ``register_person_tab`` from their
``registrations.py`` (the platform's own are in ``waymark.people.registrations``); the tab's URL
is reversed with the person's primary key as its one argument.

    register_person_tab(PersonTab("monitoring", "Monitoring", "monitoring:person", "monitoring.view_order", 50))
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class PersonTab:
    key: str
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100


_TABS: dict[str, PersonTab] = {}


def register_person_tab(tab: PersonTab) -> None:
    """Add a tab. The same tab again is harmless; a different tab under a key already taken is an
    error at start-up, never a silent replacement."""
    existing = _TABS.get(tab.key)
    if existing is not None and existing != tab:
        raise ValueError(f"Person tab {tab.key!r} is already registered")
    _TABS[tab.key] = tab


def registered_tabs() -> list[PersonTab]:
    return sorted(_TABS.values(), key=lambda t: (t.order, t.label))


def person_tabs(*, user, person, current: str) -> list[dict]:
    """The tabs this user may see for this person, ready for the sub-navigation."""
    items = []
    for tab in registered_tabs():
        if tab.permission and not user.has_perm(tab.permission):
            continue
        try:
            href = reverse(tab.url_name, args=[person.pk])
        except NoReverseMatch:
            continue
        items.append(
            {"key": tab.key, "text": tab.label, "href": href, "current": tab.key == current}
        )
    return items
