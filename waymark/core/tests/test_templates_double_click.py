"""Every button that submits a form by POST ignores a second click (GOV.UK Frontend's
``preventDoubleClick``): a document uploaded, a letter generated or a task completed twice by a
double click is the commonest duplicate a caseworker makes. The services still refuse a second
decision on their own; this is the first line. Checked in the templates' source: each ``<form
method="post">`` written in one template, each ``govukButton`` (not a link) and each ``<button>``
in it. The two sign-out buttons in the layout (styled as links) are left as they are."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import waymark

ROOT = Path(waymark.__file__).parent
POST_FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>.*?</form>', re.S | re.I)
MACRO_BUTTON = re.compile(r"govukButton\(\{(.*?)\}\)", re.S)
RAW_BUTTON = re.compile(r"<button\b[^>]*>")
SIGN_OUT = ROOT / "core" / "jinja2" / "layouts" / "base.html"


def _unguarded() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.html")):
        if path == SIGN_OUT:
            continue
        for form in POST_FORM.finditer(path.read_text()):
            block = form.group(0)
            for button in MACRO_BUTTON.finditer(block):
                if "preventDoubleClick" not in button.group(1) and '"href"' not in button.group(1):
                    found.append(f"{path.relative_to(ROOT)}: govukButton({{{button.group(1)[:60]}")
            for button in RAW_BUTTON.finditer(block):
                tag = button.group(0)
                if 'type="button"' in tag:
                    continue
                if (
                    "data-prevent-double-click" not in tag
                    or 'data-module="govuk-button"' not in tag
                ):
                    found.append(f"{path.relative_to(ROOT)}: {tag[:80]}")
    return found


def test_every_post_button_ignores_a_second_click():
    assert _unguarded() == []


def test_the_check_finds_an_unguarded_button(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text(
        '<form method="post">{{ govukButton({"text": "Save"}) }}'
        '<button type="submit" class="govuk-button">Go</button></form>'
        '<form method="get">{{ govukButton({"text": "Search"}) }}</form>'
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert len(_unguarded()) == 2
