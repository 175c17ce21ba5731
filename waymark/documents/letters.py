"""Rendering letter templates: a sandboxed Jinja2 environment that sees only allowed fields.

A template body is plain text with merge fields (``{{ person.full_name }}``). The context holds
plain dictionaries built here, never model instances, so a template cannot reach anything we did
not put there; ``StrictUndefined`` turns a misspelt field into an error instead of a blank.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from waymark.documents.rules import LETTER_MERGE_FIELDS

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def template_check(body: str) -> None:
    """Refuse a body that does not parse or uses a top-level name we do not provide."""
    try:
        parsed = _env.parse(body)
    except TemplateError as exc:
        raise ValidationError({"body": f"The template does not parse: {exc}"}) from exc
    unknown = meta.find_undeclared_variables(parsed) - set(LETTER_MERGE_FIELDS)
    if unknown:
        raise ValidationError({"body": f"Unknown merge fields: {', '.join(sorted(unknown))}"})


def merge_context(*, person, sender=None, extra: dict[str, Any] | None = None, today=None) -> dict:
    """The only values a template can see: named person fields, the letter date and sender."""
    from waymark.core import clock
    from waymark.core.jinja2 import govuk_date

    address = ""
    current = (
        person.addresses.filter(valid_to__isnull=True).first()
        if hasattr(person, "addresses")
        else None
    )
    if current is not None:
        address = current.one_line
    ho_ref = ""
    if hasattr(person, "references"):
        ho_ref = (
            person.references.filter(reference_type="home_office")
            .values_list("value", flat=True)
            .first()
            or ""
        )
    team = getattr(sender, "primary_team", None) if sender is not None else None
    values = {
        "person": {
            "full_name": person.full_name,
            "given_names": person.given_names,
            "family_name": person.family_name,
            "reference": person.reference,
            "date_of_birth": govuk_date(person.date_of_birth),
            "home_office_reference": ho_ref,
            "address": address,
            "legal_rep_firm": person.legal_rep_firm,
        },
        "letter": {
            "date": govuk_date(today or clock.today()),
            "sender_name": getattr(sender, "display_name", "") or "Waymark",
            "sender_team": str(team) if team else "",
        },
        # Optional values a calling module may supply; a missing one renders as blank.
        "extra": defaultdict(str, {str(k): str(v) for k, v in (extra or {}).items()}),
    }
    return values


def letter_render_text(body: str, context: dict) -> str:
    template_check(body)
    try:
        return _env.from_string(body).render(**context)
    except TemplateError as exc:
        raise ValidationError(f"The letter could not be produced: {exc}") from exc


def letter_text_to_html(*, title: str, text: str) -> str:
    """A printable HTML page: paragraphs split on blank lines, every character escaped."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{font-family:Arial,sans-serif;max-width:40em;margin:2em auto;"
        "line-height:1.5}@media print{body{margin:0}}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
