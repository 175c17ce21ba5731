"""People's registries refuse a conflicting registration instead of replacing silently."""

import pytest

from waymark.people import selectors, tabs


def test_a_person_tab_registered_again_is_harmless_but_a_different_one_is_refused():
    tab = tabs.PersonTab("test-tab", "Test", "people:detail", "people.view_person", 99)
    try:
        tabs.register_person_tab(tab)
        tabs.register_person_tab(tab)
        with pytest.raises(ValueError):
            tabs.register_person_tab(tabs.PersonTab("test-tab", "Other", "people:detail", "", 1))
    finally:
        tabs._TABS.pop("test-tab", None)


def test_a_visibility_rule_registered_again_is_harmless_but_a_different_one_is_refused():
    def rule(user):
        return None

    try:
        selectors.register_visibility_rule("test-rule", rule)
        selectors.register_visibility_rule("test-rule", rule)
        with pytest.raises(ValueError):
            selectors.register_visibility_rule("test-rule", lambda user: None)
    finally:
        selectors._VISIBILITY_RULES.pop("test-rule", None)
