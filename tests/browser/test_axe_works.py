"""The accessibility check itself: axe must report a page with known serious problems."""

import pytest

from tests.browser.conftest import axe_serious

pytestmark = pytest.mark.browser


def test_axe_reports_serious_violations_on_a_broken_page(page):
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    problems = axe_serious(page)
    assert any(p.startswith("image-alt") for p in problems)
    assert any(p.startswith("label") for p in problems)
