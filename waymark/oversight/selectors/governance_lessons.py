"""Reads for lessons learned (issue 20 item 6): the list and the search, after the guidance hub's
(``waymark.guidance.selectors``): on PostgreSQL full-text search over a weighted vector (title A,
lesson B, what happened, actions and source C; the GIN index of migration 0005 covers the same
expression), every word required and the last a prefix; on SQLite a fallback in which every word,
lightly stemmed, must start a word of one of the fields."""

from __future__ import annotations

import re
from functools import reduce
from operator import add, and_, or_

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from waymark.oversight import rules
from waymark.oversight.models import (
    Lesson,
)

# ------------------------------------------------------------------------------------------------
# Lessons learned

SEARCH_FIELDS = ("title", "lesson", "summary", "actions", "source_reference")


def search_terms(query: str) -> list[str]:
    from waymark.guidance.selectors import search_terms as guidance_terms

    return guidance_terms(query)


def _stem(term: str) -> str:
    """The same light stem as the guidance hub's SQLite fallback ("absconders" -> "abscond")."""
    for suffix in ("ings", "ing", "ers", "er", "ed", "es", "s"):
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[: -len(suffix)]
    return term


def _word_start(field_name: str, term: str) -> Q:
    q = Q(**{f"{field_name}__istartswith": term})
    for before in (" ", "-", "(", "\n", '"', "'", "/"):
        q |= Q(**{f"{field_name}__icontains": before + term})
    return q


def _sqlite_search(lessons: QuerySet[Lesson], terms: list[str]) -> QuerySet[Lesson]:
    stems = [_stem(t) for t in terms]
    found = lessons.filter(
        reduce(and_, [reduce(or_, [_word_start(f, t) for f in SEARCH_FIELDS]) for t in stems])
    )
    weights = {"title": 100, "lesson": 10, "summary": 1, "actions": 1, "source_reference": 1}
    scores = [
        Case(When(_word_start(f, t), then=Value(w)), default=Value(0), output_field=IntegerField())
        for t in stems
        for f, w in weights.items()
    ]
    return found.annotate(rank=reduce(add, scores, Value(0))).order_by(
        "-rank", "-learned_on", "-pk"
    )


def lesson_search_vector():
    """The weighted search vector; migration 0005's GIN index is over this same expression."""
    from django.contrib.postgres.search import SearchVector

    config = rules.LESSON_SEARCH_CONFIG
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("lesson", weight="B", config=config)
        + SearchVector("summary", weight="C", config=config)
        + SearchVector("actions", weight="C", config=config)
        + SearchVector("source_reference", weight="C", config=config)
    )


def _tsquery(terms: list[str]) -> str:
    words = [w for t in terms for w in re.findall(r"\w+", t)]
    if not words:
        return ""
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def _postgres_search(lessons: QuerySet[Lesson], terms: list[str]) -> QuerySet[Lesson]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    raw = _tsquery(terms)
    if not raw:
        return lessons.none()
    query = SearchQuery(raw, search_type="raw", config=rules.LESSON_SEARCH_CONFIG)
    vector = lesson_search_vector()
    return (
        lessons.annotate(document=vector)
        .filter(document=query)
        .annotate(rank=SearchRank(vector, query))
        .order_by("-rank", "-learned_on", "-pk")
    )


def lessons_queryset(*, source_type: str = "") -> QuerySet[Lesson]:
    lessons = Lesson.objects.select_related("owner")
    if source_type:
        lessons = lessons.filter(source_type=source_type)
    return lessons.order_by("-learned_on", "-pk")


def lesson_search(query: str, *, source_type: str = "") -> list[Lesson]:
    """Lessons matching every word of the query, best first: PostgreSQL full-text search, or the
    token-prefix fallback on SQLite."""
    terms = search_terms(query)
    if not terms:
        return []
    lessons = lessons_queryset(source_type=source_type)
    search = _postgres_search if connection.vendor == "postgresql" else _sqlite_search
    found = search(lessons, terms)
    return list(found[: rules.LESSON_SEARCH_LIMIT])


def lesson_highlight(text: str, query: str):
    from waymark.guidance.selectors import highlight

    return highlight(text, [_stem(t) for t in search_terms(query)])


def access_lesson(user, pk: int) -> Lesson:
    lesson = Lesson.objects.filter(pk=pk).select_related("owner", "recorded_by").first()
    if lesson is None:
        raise Http404("No such lesson")
    return lesson


def lesson_counts() -> list[tuple[str, str, int]]:
    from waymark.oversight.models import LessonSource

    counts = dict(Lesson.objects.values_list("source_type").annotate(n=Count("pk")))
    return [(k, label, counts.get(k, 0)) for k, label in LessonSource.choices]
