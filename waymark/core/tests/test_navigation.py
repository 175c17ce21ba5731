"""The service navigation marks exactly one item as the current page."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from waymark.core import navigation
from waymark.core.navigation import NavItem


def test_only_the_longest_matching_item_is_current(monkeypatch):
    monkeypatch.setattr(
        navigation,
        "_ITEMS",
        [
            NavItem("Visits", "operations:home", "", 1),
            NavItem("In the field", "operations:field-visits", "", 2),
        ],
    )
    request = RequestFactory().get("/operations/field/")
    request.user = AnonymousUser()
    items = navigation.nav_items(request)
    assert [(i["text"], i["active"]) for i in items] == [("Visits", False), ("In the field", True)]
    request = RequestFactory().get("/operations/visits/1/")
    request.user = AnonymousUser()
    assert [i["active"] for i in navigation.nav_items(request)] == [True, False]
