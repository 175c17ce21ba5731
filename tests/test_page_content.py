"""Every page, as the people who use it read it: no inspection-report references ("000 §5.14" is for
the code and the docs, not the page) (issue 16, problem 11)."""

from __future__ import annotations

import re

import pytest

from tests.test_audit_coverage import _routes, _url, reader  # noqa: F401  (the fixture)

# "(000 §5.14)", "000 §5.60", "§5.14": a report paragraph, in any form.
REPORT_REFERENCE = re.compile(r"§\s*\d|\b\d{3} §")
_MAIN = re.compile(r"<main\b.*?</main>", re.S)
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S)


# Routes whose arguments the audit-coverage walk does not fill (pages without personal data, which
# it does not visit); their content is static and checked by their own apps' tests.
UNFILLED = [
    "guidance/<slug:slug>/",
    "guidance/<slug:slug>/revise/",
    "guidance/<slug:slug>/<int:version>/",
]


def _text(html: str) -> str:
    """The page's main content as the reader sees it (tags, scripts and attributes removed)."""
    main = _MAIN.search(html)
    return _TAGS.sub(" ", main.group(0) if main else html)


@pytest.mark.slow  # reads the demo data (demo_load)
def test_no_page_shows_a_report_reference(reader, client):  # noqa: F811
    client.force_login(reader)
    found, unfilled = [], []
    pages = 0
    for route, _callback in _routes():
        if route.startswith("api/"):
            continue
        try:
            url = _url(route)
        except AssertionError:  # an argument the demo has no value for (listed below)
            unfilled.append(route)
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        text = _text(response.content.decode())
        for match in REPORT_REFERENCE.finditer(text):
            found.append(f"{route}: …{text[max(0, match.start() - 60) : match.end() + 20]!r}")
    assert pages > 50
    assert unfilled == UNFILLED, unfilled
    assert found == [], "\n".join(found[:40])
