"""Tabs on the person page. Modules add their own with ``register_person_tab`` from
``AppConfig.ready``; the tab's URL is reversed with the person's primary key as its one argument.

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
    """Add a tab (registering the same key again replaces it, so reloading is harmless)."""
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


# The platform's own tabs.
for _tab in (
    PersonTab("summary", "Summary", "people:detail", "people.view_person", 10),
    PersonTab("timeline", "Timeline", "people:timeline", "people.view_person", 20),
    PersonTab("tasks", "Tasks", "people:tasks", "people.view_person", 30),
    PersonTab("documents", "Documents", "people:documents", "people.view_person", 40),
    PersonTab(
        "access-history", "Access history", "people:access-history", "core.view_access_history", 900
    ),
):
    register_person_tab(_tab)
