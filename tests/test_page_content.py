"""Every page, as the people who use it read it: no inspection-report references ("000 §5.14" is for
the code and the docs, not the page) (issue 16, problem 11)."""

from __future__ import annotations

import re

import pytest

from tests.test_audit_coverage import _routes, _url, reader_build
from waymark.testing.data import module_data


@module_data
def reader():
    """The audit-coverage walk's reader and data, built once for this module's two tests."""
    return reader_build()


pytestmark = pytest.mark.django_db

# "(000 §5.14)", "000 §5.60", "§5.14": a report paragraph, in any form.
REPORT_REFERENCE = re.compile(r"§\s*\d|\b\d{3} §")
_MAIN = re.compile(r"<main\b.*?</main>", re.S)
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S)


# Routes whose arguments the audit-coverage walk does not fill (pages without personal data, which
# it does not visit); their content is static and checked by their own apps' tests.
UNFILLED = [
    "guidance/<slug:slug>/",
    "guidance/<slug:slug>/revise/",
    "guidance/<slug:slug>/withdraw/",
    "guidance/<slug:slug>/<int:version>/",
    "guidance/<slug:slug>/<int:version>/approve/",
]


def _text(html: str) -> str:
    """The page's main content as the reader sees it (tags, scripts and attributes removed)."""
    main = _MAIN.search(html)
    return _TAGS.sub(" ", main.group(0) if main else html)


# A count of 1,000 or more written without its thousands separator ("12568"): four or more digits
# standing alone, not part of a reference (WM-0003837), a date, a time, a decimal or an id.
UNFORMATTED_NUMBER = re.compile(r"(?<![\w\-/.:,£#])\d{4,}(?![\w\-/.:,%])")
# Four digits that are a year, and numbers that are identifiers rather than counts.
_YEAR = range(1900, 2101)
_IDENTIFIER_BEFORE = re.compile(
    r"(?:task|run|import|request|visit|check|number|no\.|version|page|reference|ref|id"
    r"|source|extract|\d)\s*$",
    re.I,
)


def _unformatted_numbers(text: str) -> list[str]:
    found = []
    for match in UNFORMATTED_NUMBER.finditer(text):
        value = match.group(0)
        if len(value) == 4 and int(value) in _YEAR:
            continue
        before = text[: match.start()].rstrip()[-20:]
        if value.startswith("0") or _IDENTIFIER_BEFORE.search(before):
            continue
        found.append(f"…{text[max(0, match.start() - 40) : match.end() + 10]!r}")
    return found


@pytest.mark.slow  # reads the demo data (demo_load)
def test_no_page_shows_a_report_reference_or_an_unformatted_number(reader, client):
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
        found += [f"{route}: unformatted number {where}" for where in _unformatted_numbers(text)]
    assert pages > 50
    assert unfilled == UNFILLED, unfilled
    if found:
        pytest.fail("\n".join(found[:80]), pytrace=False)


# Django's own wording, which must never reach a page: the GOV.UK Design System's messages say
# what to do in the words of the field's label (core.forms.govuk_messages).
DJANGO_DEFAULT_MESSAGES = re.compile(
    r"This field is required|Ensure this value|Enter a valid|Select a valid choice"
    r"|Enter a whole number|Enter a number|Enter a list of values|The submitted file is empty"
    r"|No file was submitted|has at most \d+ characters|has at least \d+ characters"
)
_FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', re.S | re.I)
_ACTION = re.compile(r'action="([^"]*)"')
_FIELD = re.compile(r'<(?:input|textarea)\b[^>]*name="([^"]+)"[^>]*>', re.I)
_TYPE = re.compile(r'type="([^"]+)"')
_SUMMARY = re.compile(r'<div class="govuk-error-summary".*?</div>\s*</div>', re.S)


@pytest.mark.slow  # reads the demo data (demo_load)
def test_no_error_summary_shows_a_django_default_message(reader, client):
    """Every form on every page, sent with each text box far too long and every choice empty:
    the answer is never a server error, and its error summary speaks GOV.UK, not Django."""
    client.force_login(reader)
    found, errors, sent = [], [], 0
    for route, _callback in _routes():
        if route.startswith("api/"):
            continue
        try:
            url = _url(route)
        except AssertionError:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        main = _MAIN.search(html)
        for form in _FORM.finditer(main.group(0) if main else ""):
            opening = form.group(0)[: form.group(0).index(">") + 1]
            action = _ACTION.search(opening)
            target = action.group(1) if action and action.group(1) else url
            if "sign-out" in target or "/delete/" in target:
                continue
            data = {}
            for field in _FIELD.finditer(form.group(0)):
                kind = _TYPE.search(field.group(0))
                kind = kind.group(1) if kind else "textarea"
                if kind in ("text", "textarea", "search", "email", "tel", "number", "password"):
                    data[field.group(1)] = "x" * 20_000
            answer = client.post(target, data)
            sent += 1
            if answer.status_code >= 500:
                errors.append(f"{route} → POST {target}: {answer.status_code}")
                continue
            if answer.status_code in (200, 400):
                summary = _SUMMARY.search(answer.content.decode())
                text = _TAGS.sub(" ", summary.group(0)) if summary else ""
                for match in DJANGO_DEFAULT_MESSAGES.finditer(text):
                    found.append(f"POST {target} (from {route}): {match.group(0)!r}")
    assert sent > 30
    assert errors == [], "\n".join(errors)
    if found:
        pytest.fail("\n".join(sorted(set(found))[:80]), pytrace=False)
