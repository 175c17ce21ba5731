"""Reads for guidance pages. ``guidance_for_step`` lets a journey step link to its guidance
without a hard-coded URL (a Jinja global of the same name); ``guidance_version_in_force`` tells a
module which version of a page was in force on a date, to record with a decision.

Staff see the version in force (approved, or published with its second check owed); drafts and
withdrawn pages are listed and found only for publishers (``guidance.publish_guidance``), marked.

Search: on PostgreSQL, full-text search over a weighted vector (title A, summary B, text C; the
GIN index of migration 0003 covers the same expression), every word required and the last word a
prefix (``abscond`` finds "absconder" while the user is still typing), ranked by ``SearchRank``
then the whole query in a title. On SQLite, a fallback with the same shape: every word, lightly
stemmed ("absconders" to "abscond"), must start a word of the page (so every word, not only the
last, is a prefix there), ranked by hits in the title, then the summary, then the text.
``tests/test_search.py`` checks the top results agree on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import add, and_, or_

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from markupsafe import Markup, escape

from waymark.core import clock
from waymark.guidance import rules
from waymark.guidance.models import ApprovalState, GuidancePage, GuidanceVersion
from waymark.guidance.permissions import PUBLISH_GUIDANCE

# Page states staff see; publishers see every page, drafts and withdrawn ones marked.
IN_FORCE = (ApprovalState.APPROVED, ApprovalState.UNCHECKED)


def guidance_visible(user=None) -> QuerySet[GuidancePage]:
    """Pages ``user`` may list and find: those in force, or every page for a publisher."""
    pages = GuidancePage.objects.all()
    if user is not None and user.has_perm(PUBLISH_GUIDANCE):
        return pages
    return pages.filter(state__in=IN_FORCE)


def guidance_for_step(step_key: str) -> GuidancePage | None:
    """The guidance page in force for a journey step (e.g. ``operations.authorise``), or None."""
    return GuidancePage.objects.filter(step_key=step_key, state__in=IN_FORCE).order_by("pk").first()


def guidance_version_in_force(key: str, *, on: date | None = None) -> GuidanceVersion | None:
    """The version of the guidance page for ``key`` (a step key or a slug) that was in force on
    ``on`` (today by default), or None if there was none (not yet published, or withdrawn by
    then). A module stores the returned version's id, or (slug, version), with its decision so a
    change of guidance can find the decisions made under the old version (002 rec 5d)."""
    on = on or clock.today()
    page = (
        GuidancePage.objects.filter(Q(step_key=key) | Q(slug=key)).order_by("-step_key").first()
        if key
        else None
    )
    if page is None:
        return None
    if page.withdrawn_at is not None and page.withdrawn_at.astimezone(clock.LONDON).date() <= on:
        return None
    return (
        page.versions.exclude(state=ApprovalState.DRAFT)
        .filter(effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )


def guidance_list_by_module(user=None) -> list[tuple[str, str, list[GuidancePage]]]:
    """Every page ``user`` may see grouped by module: (key, label, pages ordered by title)."""
    groups: dict[str, list[GuidancePage]] = {}
    for page in guidance_visible(user).order_by("module", "title"):
        groups.setdefault(page.module, []).append(page)
    return [(key, rules.MODULES.get(key, key.title()), pages) for key, pages in groups.items()]


def guidance_get(slug: str, user=None) -> GuidancePage:
    """The page with this web address, or 404 (a draft page is 404 except to publishers; a
    withdrawn page is found, so its reader is told it was withdrawn and why)."""
    page = GuidancePage.objects.filter(slug=slug).first()
    if page is None or (
        page.state == ApprovalState.DRAFT
        and user is not None
        and not user.has_perm(PUBLISH_GUIDANCE)
    ):
        raise Http404("No guidance page at this address")
    return page


def guidance_drafts(page: GuidancePage) -> list[GuidanceVersion]:
    """Draft versions of a page waiting for approval, newest first."""
    return list(page.versions.filter(state=ApprovalState.DRAFT).order_by("-version"))


def guidance_versions(page: GuidancePage, user=None) -> list[GuidanceVersion]:
    """Every version of the page, newest first (drafts only for publishers)."""
    versions = page.versions.select_related("published_by", "approved_by").order_by("-version")
    if user is not None and not user.has_perm(PUBLISH_GUIDANCE):
        versions = versions.exclude(state=ApprovalState.DRAFT)
    return list(versions)


def guidance_version_get(page: GuidancePage, version: int, user=None) -> GuidanceVersion:
    found = page.versions.filter(version=version).select_related("published_by").first()
    if found is None or (
        found.state == ApprovalState.DRAFT
        and user is not None
        and not user.has_perm(PUBLISH_GUIDANCE)
    ):
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


def _stem(term: str) -> str:
    """A light English stem for the SQLite fallback (PostgreSQL stems with its dictionary):
    "absconders" and "absconding" both become "abscond", so each finds "absconder"."""
    for suffix in ("ings", "ing", "ers", "er", "ed", "es", "s"):
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[: -len(suffix)]
    return term


def _word_start(field: str, term: str) -> Q:
    """``term`` at the start of a word of ``field`` (start of text, or after a space, hyphen,
    bracket or quote): a token prefix match."""
    q = Q(**{f"{field}__istartswith": term})
    for before in (" ", "-", "(", "\n", '"', "'", "/"):
        q |= Q(**{f"{field}__icontains": before + term})
    return q


def _sqlite_terms(terms: list[str]) -> list[str]:
    return [_stem(t) for t in terms]


def _sqlite_search(pages: QuerySet[GuidancePage], terms: list[str]) -> QuerySet[GuidancePage]:
    fields = ("title", "summary", "body")
    terms = _sqlite_terms(terms)
    found = pages.filter(
        reduce(and_, [reduce(or_, [_word_start(f, t) for f in fields]) for t in terms])
    )
    weights = {
        "title": rules.SEARCH_RANK_TITLE,
        "summary": rules.SEARCH_RANK_SUMMARY,
        "body": rules.SEARCH_RANK_BODY,
    }
    scores = [
        Case(When(_word_start(f, t), then=Value(w)), default=Value(0), output_field=IntegerField())
        for t in terms
        for f, w in weights.items()
    ]
    phrase = " ".join(terms)
    whole_title = Case(
        When(title__icontains=phrase, then=Value(rules.SEARCH_RANK_PHRASE_IN_TITLE)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return found.annotate(rank=reduce(add, scores, whole_title)).order_by("-rank", "title")


def search_vector():
    """The weighted search vector; migration 0003's GIN index is over this same expression."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("title", weight="A", config=rules.SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=rules.SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=rules.SEARCH_CONFIG)
    )


def _tsquery(terms: list[str]) -> str:
    """Every word required; the last a prefix (the user may still be typing it)."""
    # "sealed-bag" is two words to PostgreSQL's parser: query each.
    words = [w for t in terms for w in re.findall(r"\w+", t)]
    if not words:
        return ""
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def _postgres_search(pages: QuerySet[GuidancePage], terms: list[str]) -> QuerySet[GuidancePage]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    raw = _tsquery(terms)
    if not raw:
        return pages.none()
    query = SearchQuery(raw, search_type="raw", config=rules.SEARCH_CONFIG)
    vector = search_vector()
    phrase = " ".join(terms)
    whole_title = Case(
        When(title__icontains=phrase, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        pages.annotate(document=vector)
        .filter(document=query)
        .annotate(title_phrase=whole_title, rank=SearchRank(vector, query))
        .order_by("-title_phrase", "-rank", "title")
    )


def guidance_search(
    query: str, *, user=None, limit: int = rules.SEARCH_RESULTS_LIMIT
) -> QuerySet[GuidancePage]:
    """Pages ``user`` may see matching the query, best first: PostgreSQL full-text search in
    production, a token-prefix fallback on SQLite (the module docstring says how each ranks)."""
    terms = search_terms(query)
    if not terms:
        return GuidancePage.objects.none()
    pages = guidance_visible(user)
    if connection.vendor == "postgresql":
        return _postgres_search(pages, terms)[:limit]
    return _sqlite_search(pages, terms)[:limit]


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


def guidance_search_results(query: str, user=None) -> list[SearchResult]:
    terms = search_terms(query)
    shown = [_stem(t) for t in terms]
    return [
        SearchResult(page, highlight(page.title, shown), snippet(page, shown))
        for page in guidance_search(query, user=user)
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
