"""Finding the person a message is about (brief platform §3).

What is looked for, strongest first:

1. **Waymark reference**: ``WM-`` and seven digits (``WM-0001234``; ``WM0001234`` and
   ``WM 0001234`` are read the same way).
2. **Home Office reference**: a letter and seven digits (``B1234567``, the Home Office person-ID
   form), optionally followed by ``/`` and a case suffix (``B1234567/002``); or any reference of
   one or two letters and six to eight digits written after a label such as "HO ref", "HO
   reference", "Home Office reference" or "Home Office ref no.".
3. **Other external references**: police national computer IDs (``12/345678A``), prison numbers
   (``A1234BC``) and criminal records office numbers (``123456/12A``), looked up among the person
   references recorded for those types.
4. **Name and date of birth**: dates written ``01/02/1990`` (day first), ``1.2.1990``, or
   ``1 February 1990`` / ``1st Feb 1990``; names from a "Re:" line with the family name in capitals
   (``Re: Amina Bello OKAFOR``, as solicitors write them), a "Name:" or "Client:" line, or the
   line after a sign-off ("Yours sincerely", "Kind regards"). A person matches when their family
   name and first given name (or an alias's) and one of their recorded dates of birth all match.

Only an unambiguous single person is matched automatically. If references point to more than one
person, or names and dates of birth fit several, or nothing fits, the item needs a caseworker.
Matching runs as the system across all records (visibility limits who sees the result, not who
the message is about). A merged record resolves to the record it was merged into.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from waymark.core import clock

WAYMARK_REFERENCE = re.compile(r"\bWM[- ]?(\d{7})\b", re.I)
HOME_OFFICE_BARE = re.compile(r"\b([A-Z]\d{7})(?:/\d{1,4})?\b")
HOME_OFFICE_LABELLED = re.compile(
    r"\b(?:HO|Home\s+Office)\s*(?:ref(?:erence)?|number|no)\.?\s*(?:no\.?|number)?\s*[:#]?\s*"
    r"([A-Z]{1,2}\d{6,8})(?:/\d{1,4})?\b",
    re.I,
)
OTHER_REFERENCES = {
    "pnc": re.compile(r"\b(\d{2,4}/\d{1,7}[A-Z])\b"),
    "prison": re.compile(r"\b([A-Z]\d{4}[A-Z]{2})\b"),
    "cro": re.compile(r"\b(\d{1,6}/\d{2}[A-Z])\b"),
}

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
WORDED_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")

_GIVEN = r"[A-Z][a-z'\u2019-]+"
RE_LINE_NAME = re.compile(
    rf"\bRe:?\s+(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?((?:{_GIVEN}\s+){{1,3}})"
    rf"([A-Z][A-Z'\u2019-]+(?:[- ][A-Z][A-Z'\u2019-]+)?)\b"
)
LABELLED_NAME = re.compile(
    r"^\s*(?:full\s+name|name|client(?:'s)?\s+name|client)\s*:\s*(.+?)\s*$", re.I | re.M
)
SIGN_OFF = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly)|kind\s+regards|best\s+regards|regards|many\s+thanks)"
    r"[,.!]?\s*\n+\s*([^\n]{3,80})",
    re.I | re.M,
)


@dataclass(frozen=True)
class Reference:
    kind: str  # waymark_reference, home_office_reference, external_reference
    value: str
    reference_type: str = ""


@dataclass(frozen=True)
class NameFound:
    given: str
    family: str


@dataclass
class MatchResult:
    person_id: int | None
    method: str = ""
    detail: str = ""
    candidate_ids: list[int] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.person_id is not None


def references_find(text: str) -> list[Reference]:
    found: list[Reference] = []
    for match in WAYMARK_REFERENCE.finditer(text):
        found.append(Reference("waymark_reference", f"WM-{match.group(1)}"))
    for pattern in (HOME_OFFICE_LABELLED, HOME_OFFICE_BARE):
        for match in pattern.finditer(text):
            found.append(Reference("home_office_reference", match.group(1).upper(), "home_office"))
    for reference_type, pattern in OTHER_REFERENCES.items():
        for match in pattern.finditer(text):
            found.append(Reference("external_reference", match.group(1).upper(), reference_type))
    return list(dict.fromkeys(found))


def dates_find(text: str) -> list[date]:
    """Dates that could be a date of birth: real dates, not in the future, after 1900."""
    today = clock.today()
    found: list[date] = []
    candidates = [(int(d), int(m), int(y)) for d, m, y in NUMERIC_DATE.findall(text)]
    for d, month_name, y in WORDED_DATE.findall(text):
        month = MONTHS.get(month_name.lower())
        if month:
            candidates.append((int(d), month, int(y)))
    for day, month, year in candidates:
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if date(1900, 1, 1) <= value < today and value not in found:
            found.append(value)
    return found


def _split_name(full: str) -> NameFound | None:
    tokens = [t for t in re.split(r"\s+", full.strip().strip(",.")) if t]
    tokens = [
        t for t in tokens if t.lower().strip(".") not in {"mr", "mrs", "ms", "miss", "mx", "dr"}
    ]
    if len(tokens) < 2 or len(tokens) > 5 or any(any(ch.isdigit() for ch in t) for t in tokens):
        return None
    return NameFound(given=tokens[0], family=tokens[-1])


def names_find(subject: str, body: str) -> list[NameFound]:
    text = f"{subject}\n{body}"
    found: list[NameFound] = []
    for given, family in RE_LINE_NAME.findall(text):
        found.append(NameFound(given=given.split()[0], family=family))
    for line in LABELLED_NAME.findall(text):
        name = _split_name(line)
        if name:
            found.append(name)
    for line in SIGN_OFF.findall(body):
        name = _split_name(line)
        if name:
            found.append(name)
    return list(dict.fromkeys(found))


def _resolve(person_ids) -> set[int]:
    """Follow merges to the surviving record."""
    from waymark.people.models import Person

    resolved = set()
    for pk, status, merged_into in Person.objects.filter(pk__in=set(person_ids)).values_list(
        "pk", "record_status", "merged_into_id"
    ):
        resolved.add(merged_into if status == "merged" and merged_into else pk)
    return resolved


def _reference_hits(references: list[Reference]) -> list[tuple[Reference, int]]:
    from waymark.people.models import ExternalReference, Person

    hits: list[tuple[Reference, int]] = []
    for ref in references:
        ids: Iterable[int]
        if ref.kind == "waymark_reference":
            ids = Person.objects.filter(reference=ref.value).values_list("pk", flat=True)
        else:
            ids = ExternalReference.objects.filter(
                reference_type=ref.reference_type, value__iexact=ref.value
            ).values_list("person_id", flat=True)
        hits.extend((ref, pk) for pk in _resolve(ids))
    return hits


def _name_dob_candidates(names: list[NameFound], dates: list[date]) -> dict[int, str]:
    from django.db.models import Q

    from waymark.people.models import Person

    found: dict[int, str] = {}
    if not names or not dates:
        return found
    for name in names:
        name_q = (Q(family_name__iexact=name.family) & Q(given_names__istartswith=name.given)) | (
            Q(names__family_name__iexact=name.family)
            & Q(names__given_names__istartswith=name.given)
        )
        dob_q = Q(date_of_birth__in=dates) | Q(dates_of_birth__date_of_birth__in=dates)
        for person in Person.objects.filter(name_q & dob_q).distinct():
            first_given = (person.given_names.split() or [""])[0]
            aliases = [(n.given_names.split() or [""])[0] for n in person.names.all()]
            if name.given.lower() not in {g.lower() for g in [first_given, *aliases]}:
                continue
            for pk in _resolve([person.pk]):
                found.setdefault(
                    pk,
                    f"{name.given} {name.family.upper()}, born "
                    f"{', '.join(d.strftime('%d/%m/%Y') for d in dates)}",
                )
    return found


_STRENGTH = ["waymark_reference", "home_office_reference", "external_reference"]


def person_match_find(*, subject: str, body: str) -> MatchResult:
    text = f"{subject}\n{body}"
    references = references_find(text)
    hits = _reference_hits(references)
    people = {pk for _, pk in hits}
    if len(people) == 1:
        (person_id,) = people
        best = min((ref for ref, _ in hits), key=lambda r: _STRENGTH.index(r.kind))
        return MatchResult(
            person_id, best.kind, f"{best.value} found in the message", [person_id], references
        )
    if len(people) > 1:
        values = ", ".join(sorted({ref.value for ref, _ in hits}))
        return MatchResult(
            None,
            "",
            f"References point to {len(people)} different people ({values})",
            sorted(people),
            references,
        )

    candidates = _name_dob_candidates(names_find(subject, body), dates_find(text))
    if len(candidates) == 1:
        ((person_id, detail),) = candidates.items()
        return MatchResult(person_id, "name_and_dob", detail, [person_id], references)
    if len(candidates) > 1:
        return MatchResult(
            None,
            "",
            f"Name and date of birth fit {len(candidates)} people",
            sorted(candidates),
            references,
        )
    detail = "No reference or name and date of birth matched a person"
    if references:
        detail = (
            f"References found but not on any record ({', '.join(r.value for r in references)})"
        )
    return MatchResult(None, "", detail, [], references)
