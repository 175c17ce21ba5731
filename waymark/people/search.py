"""Person search: by reference, name (fuzzy), date of birth and nationality (platform §7).

How fuzzy name search stays fast at 100,000 people and more, on SQLite and PostgreSQL alike:

1. Every name a person is known by (``PersonName``: their name and each alias) carries keys
   written by ``name_keys``: the normalised name (case-folded, accents and apostrophes removed,
   hyphens as spaces), the Metaphone and NYSIIS codes of the family name and of the first given
   name, and the first three letters of each.
2. A query is normalised the same way. Candidates are the name rows whose indexed keys equal the
   query's keys - exact matches on indexed columns, so no full scan, no ``LIKE`` and no database
   extension. With two or more words, one word must match the family side and another the given
   side, in either order (so "SMITH John" finds John SMITH).
3. The candidates are ranked in Python with Jaro-Winkler similarity; the best name per person
   counts, and results below ``rules.NAME_MATCH_MIN_SCORE`` are dropped.
4. Whom the user may see is asked of the ranked people, best first, a batch at a time
   (``_visible_in_order``), not of every candidate: checking each of a common name's thousands
   of candidates against the visibility rule was most of a search at x10 (issue 17). Only when
   there are more than ``rules.NAME_SEARCH_UNFILTERED_LIMIT`` candidates, or other criteria
   narrow the search, are they read already filtered (the first
   ``rules.NAME_SEARCH_CANDIDATE_LIMIT`` the user may see, in id order).

Only active records the user may see are searched (``person_visible_queryset``).
"""

from __future__ import annotations

import heapq
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_

import jellyfish
from django.db import connections
from django.db.models import Q

from waymark.people import rules
from waymark.people.models import (
    ExternalReference,
    NameType,
    Person,
    PersonDateOfBirth,
    PersonName,
    PersonNationality,
    RecordStatus,
)
from waymark.people.selectors import person_visible_queryset

_DROPPED = {"'", "\u2019", "\u2018", "`", "\u02bc"}  # apostrophes: O'Brien -> obrien


def normalise_name(text: str) -> str:
    """Case-fold, strip accents, drop apostrophes, turn hyphens and punctuation into spaces."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in _DROPPED)
    text = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(text.split())


def _phonetic(word: str) -> tuple[str, str]:
    """(Metaphone, NYSIIS) of one normalised word; empty for empty input."""
    if not word:
        return "", ""
    try:
        return jellyfish.metaphone(word)[:50], jellyfish.nysiis(word)[:50]
    except (ValueError, IndexError):  # pragma: no cover - exotic scripts
        return word[:50], word[:50]


def reference_normalise(value: str) -> str:
    """External and Waymark references are matched upper case without spaces."""
    return "".join((value or "").split()).upper()


def name_keys(*, given_names: str, family_name: str) -> dict[str, str]:
    """The search columns of a ``PersonName`` row for this name (used by services and loaders)."""
    family = normalise_name(family_name)
    given = normalise_name(given_names)
    family_joined = family.replace(" ", "")
    first_given = given.split(" ")[0] if given else ""
    family_key, family_alt = _phonetic(family_joined)
    given_key, given_alt = _phonetic(first_given)
    return {
        "normalised": f"{given} {family}".strip(),
        "family_normalised": family,
        "given_normalised": given,
        "family_key": family_key,
        "given_key": given_key,
        "family_alt_key": family_alt,
        "given_alt_key": given_alt,
        "family_prefix": family_joined[: rules.NAME_PREFIX_LENGTH],
        "given_prefix": first_given[: rules.NAME_PREFIX_LENGTH],
    }


@dataclass
class PersonSearchResult:
    person: Person
    score: float
    matched_on: str  # "reference", "name", "alias", "filters"
    matched_name: str = ""
    swapped: bool = False

    @property
    def score_percent(self) -> int:
        return round(self.score * 100)


def _side_terms(side: str, word: str) -> list[tuple[str, str]]:
    """(column, value) pairs that find this word on one side (family or given) of a name."""
    key, alt = _phonetic(word)
    terms = [(f"{side}_prefix", word[: rules.NAME_PREFIX_LENGTH])]
    if key:
        terms.append((f"{side}_key", key))
    if alt:
        terms.append((f"{side}_alt_key", alt))
    return terms


def _candidate_filter(words: list[str]) -> Q:
    """An OR of small AND terms, each led by an indexed equality, so that both SQLite (multi-index
    OR) and PostgreSQL (bitmap OR) answer it from the indexes without scanning the table."""
    if len(words) == 1:
        terms = [
            Q(**{c: v}) for side in ("family", "given") for c, v in _side_terms(side, words[0])
        ]
        return reduce(or_, terms)
    words = words[:4]
    terms = []
    for i, family_word in enumerate(words):
        for j, given_word in enumerate(words):
            if i == j:
                continue
            for family_column, family_value in _side_terms("family", family_word):
                for given_column, given_value in _side_terms("given", given_word):
                    terms.append(Q(**{family_column: family_value, given_column: given_value}))
    return reduce(or_, terms)


def _jw(a: str, b: str) -> float:
    return jellyfish.jaro_winkler_similarity(a, b) if a and b else 0.0


def _splits(words: list[str], comma_split: tuple[list[str], list[str]] | None):
    """(given words, family words, swapped) readings of the query."""
    if comma_split:
        family, given = comma_split
        yield given, family, False
        yield family, given, True
        return
    yield words[:-1], words[-1:], False
    yield words[1:], words[:1], True
    if len(words) >= 3:
        yield words[:1], words[1:], False  # a family name of more than one word


def _score(words, comma_split, row_given: str, row_family: str) -> tuple[float, bool]:
    row_family_joined = row_family.replace(" ", "")
    row_given_words = row_given.split()
    row_first = row_given_words[0] if row_given_words else ""
    if len(words) == 1 and not comma_split:
        word = words[0]
        return max(_jw(word, row_family_joined), 0.95 * _jw(word, row_first)), False
    best, best_swapped = 0.0, False
    weight = rules.NAME_MATCH_FAMILY_WEIGHT
    for given, family, swapped in _splits(words, comma_split):
        family_sim = _jw("".join(family), row_family_joined)
        given_sim = max(_jw(" ".join(given), row_given), _jw(given[0] if given else "", row_first))
        score = weight * family_sim + (1 - weight) * given_sim
        if score > best + 1e-9:
            best, best_swapped = score, swapped
    return best, best_swapped


def person_search(
    *,
    user,
    query: str = "",
    reference: str = "",
    date_of_birth: date | None = None,
    nationality: str = "",
    limit: int = 50,
) -> list[PersonSearchResult]:
    """Active people the user may see matching every criterion given, best first."""
    base = person_visible_queryset(user).filter(record_status=RecordStatus.ACTIVE)
    if date_of_birth:
        base = base.filter(pk__in=_ids_born_on(date_of_birth))
    if nationality:
        base = base.filter(
            pk__in=PersonNationality.objects.filter(country=nationality.strip().upper()).values(
                "person_id"
            )
        )
    matched_on = "filters"
    if reference.strip():
        base = base.filter(pk__in=_ids_with_reference(reference_normalise(reference)))
        matched_on = "reference"

    words_text = query.strip()
    if not words_text:
        if matched_on == "filters" and not (date_of_birth or nationality):
            return []
        people = _load(
            base.order_by("family_name", "given_names", "pk").values_list("pk", flat=True)[:limit]
        )
        return [PersonSearchResult(person=p, score=1.0, matched_on=matched_on) for p in people]

    comma_split = None
    if "," in words_text:
        before, _, after = words_text.partition(",")
        family_words, given_words = normalise_name(before).split(), normalise_name(after).split()
        if family_words and given_words:
            comma_split = (family_words, given_words)
    words = normalise_name(words_text).split()
    if not words:
        return []

    columns = (
        "person_id",
        "name_type",
        "given_names",
        "family_name",
        "given_normalised",
        "family_normalised",
    )
    rows: list[tuple] = []
    filtered_later = matched_on == "filters" and not (date_of_birth or nationality)
    if filtered_later:
        # Every name row the keys find, unfiltered and unordered (the planner answers it from the
        # keys' indexes); in id order, so a person's equal-scoring names rank as the ORM's would.
        cap = rules.NAME_SEARCH_UNFILTERED_LIMIT
        found = _rows(
            PersonName.objects.filter(_candidate_filter(words))
            .order_by()
            .values_list("id", *columns)[:cap]
        )
        if len(found) < cap:
            rows = [row[1:] for row in sorted(found)]
        else:
            filtered_later = False  # more than that: read them filtered, as below
    if not filtered_later:
        rows = list(
            PersonName.objects.filter(
                _candidate_filter(words), person_id__in=base.values("pk")
            ).values_list(*columns)[: rules.NAME_SEARCH_CANDIDATE_LIMIT]
        )
    best: dict[int, tuple[float, str, str, bool]] = {}
    scored: dict[tuple[str, str], tuple[float, bool]] = {}  # a common name's rows repeat names
    for person_id, name_type, given, family, given_norm, family_norm in rows:
        score, swapped = scored.get((given_norm, family_norm)) or scored.setdefault(
            (given_norm, family_norm), _score(words, comma_split, given_norm, family_norm)
        )
        kind = "name" if name_type == NameType.PRIMARY else "alias"
        if kind == "alias":
            score -= rules.NAME_MATCH_ALIAS_PENALTY
        if score < rules.NAME_MATCH_MIN_SCORE:
            continue
        current = best.get(person_id)
        if current is None or score > current[0]:
            best[person_id] = (score, kind, f"{given} {family.upper()}".strip(), swapped)

    ranked = _visible_in_order(base, best, limit) if filtered_later else _best_first(best, limit)
    loaded = {p.pk: p for p in _load(pid for pid, _ in ranked)}
    return [
        PersonSearchResult(
            person=loaded[pid], score=score, matched_on=kind, matched_name=name, swapped=swapped
        )
        for pid, (score, kind, name, swapped) in ranked
        if pid in loaded
    ]


def _rows(values) -> list[tuple]:
    """A ``values_list`` of plain columns, fetched on a cursor: the ORM's iteration cost more than
    the statement for a common name's thousands of rows."""
    sql, params = values.query.sql_with_params()
    with connections[values.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _best_first(best: dict, n: int) -> list:
    """The first ``n`` of ``best`` (person id -> (score, kind, name, swapped)): higher score, then
    the matched name case-folded, then the person's id. Only a page's worth is sorted: a common
    name has thousands of candidates above the minimum score."""

    def key(item):
        return (-item[1][0], item[1][2].casefold(), item[0])

    if n >= len(best):
        return sorted(best.items(), key=key)
    return heapq.nsmallest(n, best.items(), key=key)


def _visible_in_order(base, best: dict, limit: int) -> list:
    """The first ``limit`` of ``best`` in rank order that ``base`` holds (the people the user may
    see), asked a growing batch at a time: a few lookups by primary key each, where checking every
    one of a common name's candidates was most of a search."""
    kept: list = []
    done, size = 0, max(2 * limit, rules.NAME_SEARCH_VISIBLE_BATCH)
    while done < len(best) and len(kept) < limit:
        batch = _best_first(best, done + size)[done:]
        seen = set(base.filter(pk__in=[pid for pid, _ in batch]).values_list("pk", flat=True))
        kept.extend(item for item in batch if item[0] in seen)
        done, size = done + len(batch), size * 4
    return kept[:limit]


def _ids_born_on(day: date) -> list[int]:
    """The people recorded as born on ``day`` (their main date or another), resolved first from
    the two date indexes in one query. As ``date_of_birth = d OR id IN (...)`` inside the visibility
    filter, PostgreSQL walked every person in name order (41 ms at x1, growing with the table);
    a short list of ids is a primary-key lookup at any size."""
    main = Person.objects.filter(date_of_birth=day).order_by().values_list("pk", flat=True)
    other = (
        PersonDateOfBirth.objects.filter(date_of_birth=day)
        .order_by()
        .values_list("person_id", flat=True)
    )
    return list(main.union(other))


def _ids_with_reference(value: str) -> list[int]:
    """The people a normalised reference finds: their Waymark reference, an external reference,
    or a merged record's reference (which finds the record it was merged into). One query over
    three unique or indexed lookups, for the same reason as ``_ids_born_on``."""
    own = Person.objects.filter(reference=value).order_by().values_list("pk", flat=True)
    external = (
        ExternalReference.objects.filter(value_normalised=value)
        .order_by()
        .values_list("person_id", flat=True)
    )
    merged = (
        Person.objects.filter(reference=value, merged_into__isnull=False)
        .order_by()
        .values_list("merged_into_id", flat=True)
    )
    return list(own.union(external, merged))


def _load(ids) -> list[Person]:
    people = (
        Person.objects.filter(pk__in=list(ids))
        .select_related("owning_team", "case_owner")
        .prefetch_related("nationalities")
        .order_by("family_name", "given_names", "pk")
    )
    return list(people)
