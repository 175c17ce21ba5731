"""Reads for guidance pages. ``guidance_for_step`` lets a journey step link to its guidance
without a hard-coded URL (a Jinja global of the same name).

Search is plain ``icontains`` matching so it behaves the same on SQLite and PostgreSQL: every
word of the query must appear in the title, summary or text (if none does, any word will do), and
pages are ranked by where the words appear — title first, then summary, then text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import add, and_, or_

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from markupsafe import Markup, escape

from waymark.guidance import rules
from waymark.guidance.models import GuidancePage, GuidanceVersion


def guidance_for_step(step_key: str) -> GuidancePage | None:
    """The current guidance page for a journey step (e.g. ``operations.authorise``), or None."""
    return GuidancePage.objects.filter(step_key=step_key).order_by("pk").first()


def guidance_list_by_module() -> list[tuple[str, str, list[GuidancePage]]]:
    """Every page grouped by module: (module key, module label, pages ordered by title)."""
    groups: dict[str, list[GuidancePage]] = {}
    for page in GuidancePage.objects.order_by("module", "title"):
        groups.setdefault(page.module, []).append(page)
    return [(key, rules.MODULES.get(key, key.title()), pages) for key, pages in groups.items()]


def guidance_get(slug: str) -> GuidancePage:
    """The page with this web address, or 404."""
    page = GuidancePage.objects.filter(slug=slug).first()
    if page is None:
        raise Http404("No guidance page at this address")
    return page


def guidance_versions(page: GuidancePage) -> list[GuidanceVersion]:
    """Every published version of the page, newest first."""
    return list(page.versions.select_related("published_by").order_by("-version"))


def guidance_version_get(page: GuidancePage, version: int) -> GuidanceVersion:
    found = page.versions.filter(version=version).select_related("published_by").first()
    if found is None:
        raise Http404("No such version of this guidance page")
    return found


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased and de-duplicated, at most ``SEARCH_MAX_TERMS``."""
    words: list[str] = []
    for word in re.findall(r"[\w'\u2019-]+", query.lower()):
        word = word.strip("'\u2019-")
        if word and word not in words:
            words.append(word)
    return words[: rules.SEARCH_MAX_TERMS]


def _matches(term: str) -> Q:
    return Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term)


def _score(term: str):
    return Case(
        When(title__icontains=term, then=Value(rules.SEARCH_RANK_TITLE)),
        When(summary__icontains=term, then=Value(rules.SEARCH_RANK_SUMMARY)),
        When(body__icontains=term, then=Value(rules.SEARCH_RANK_BODY)),
        default=Value(0),
        output_field=IntegerField(),
    )


def guidance_search(
    query: str, *, limit: int = rules.SEARCH_RESULTS_LIMIT
) -> QuerySet[GuidancePage]:
    """Pages matching the query, best first (title matches rank above text matches)."""
    terms = search_terms(query)
    if not terms:
        return GuidancePage.objects.none()
    pages = GuidancePage.objects.all()
    found = pages.filter(reduce(and_, [_matches(t) for t in terms]))
    if not found.exists():
        found = pages.filter(reduce(or_, [_matches(t) for t in terms]))
    phrase = " ".join(terms)
    whole_title = Case(
        When(title__icontains=phrase, then=Value(rules.SEARCH_RANK_PHRASE_IN_TITLE)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rank = reduce(add, [_score(t) for t in terms], whole_title)
    return found.annotate(rank=rank).order_by("-rank", "title")[:limit]


def highlight(text: str, terms: list[str]) -> Markup:
    """``text`` escaped, with each search word wrapped in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE
    )
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(Markup("<mark>%s</mark>") % m.group(0))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(
    page: GuidancePage, terms: list[str], *, width: int = rules.SNIPPET_CHARACTERS
) -> Markup:
    """A short passage of the page around the first search word it contains, words highlighted."""
    body = " ".join(page.body.split())
    lower = body.lower()
    hits = [i for i in (lower.find(t) for t in terms) if i >= 0]
    if not hits:
        return highlight(page.summary, terms)
    start = max(0, min(hits) - width // 3)
    if start:
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < min(hits) else start
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > min(hits) else end
    text = ("… " if start else "") + body[start:end] + (" …" if end < len(body) else "")
    return highlight(text, terms)


@dataclass(frozen=True)
class SearchResult:
    page: GuidancePage
    title: Markup
    snippet: Markup


def guidance_search_results(query: str) -> list[SearchResult]:
    terms = search_terms(query)
    return [
        SearchResult(page, highlight(page.title, terms), snippet(page, terms))
        for page in guidance_search(query)
    ]


def paragraphs(body: str) -> list[dict]:
    """The page text as blocks: paragraphs separated by blank lines; a block whose every line
    starts with "- " is a bulleted list. Each block is {"kind": "text", "text"} or
    {"kind": "list", "items"}."""
    blocks: list[dict] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append({"kind": "list", "items": [line[2:].strip() for line in lines]})
        else:
            blocks.append({"kind": "text", "text": " ".join(lines)})
    return blocks
