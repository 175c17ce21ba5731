"""Reads of the person record, always through the user's visibility (platform §6).

``access_person`` is the one way pages and API views fetch a person: it returns the record if the
user may see it and raises ``Http404`` otherwise, so a forbidden record looks like a missing one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from functools import cache
from typing import cast

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.expressions import Combinable
from django.http import Http404
from django.utils.dateparse import parse_datetime

from waymark.people.models import (
    Address,
    BailGrant,
    Conviction,
    ExternalReference,
    Flag,
    NameType,
    OwnershipChange,
    Person,
    PersonDateOfBirth,
    PersonMerge,
    PersonName,
    PersonNationality,
    PhoneNumber,
    Vulnerability,
)

# Modules widen team scoping for the people their work is about (e.g. the EM Hub sees everyone on
# EM or in the EM duty cohort, wherever their case is owned). Each rule returns a Q over Person for
# this user, or None when it gives them nothing. Registered from the module's ``registrations.py``.
VisibilityRule = Callable[[object], Q | None]
_VISIBILITY_RULES: dict[str, VisibilityRule] = {}


def register_visibility_rule(name: str, rule: VisibilityRule) -> None:
    """Add a rule widening who sees whom. The same rule again is harmless; a different rule under
    a name already taken is an error at start-up."""
    existing = _VISIBILITY_RULES.get(name)
    if existing is not None and existing is not rule:
        raise ValueError(f"Visibility rule {name!r} is already registered")
    _VISIBILITY_RULES[name] = rule


def person_visible_queryset(user) -> QuerySet[Person]:
    """Every person ``user`` may see: by permission, restricted flag, and team scoping."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("people.view_person"):
        return Person.objects.none()
    qs = Person.objects.all()
    if not user.has_perm("people.view_restricted_person"):
        qs = qs.filter(restricted_access=False)
    if user.has_perm("people.view_any_person"):
        return qs
    from waymark.work.selectors import active_work_in_teams_exists

    team_ids = user.team_ids()
    scope: Q | Combinable = Q(owning_team_id__in=team_ids) | active_work_in_teams_exists(team_ids)
    for rule in _VISIBILITY_RULES.values():
        extra = rule(user)
        if extra is not None:
            scope |= extra
    return qs.filter(scope)


def access_person(user, person_id: int | str) -> Person:
    """Fetch one person by primary key or Waymark reference, or 404 if missing or not visible.

    The same answer as ``person_visible_queryset(user).get(...)``, asked more cheaply: the person
    is read by key alone and the rules checked on the row, in the order that settles most views
    (the user's own team owns the person); only a person owned elsewhere is checked against the
    whole visibility query (work in the user's teams, the modules' rules). Building and compiling
    that query was most of the person page's own time (about 2.8 ms of 3.7 ms)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("people.view_person"):
        raise Http404("No such person")
    lookup = (
        {"reference": person_id}
        if isinstance(person_id, str) and person_id.startswith("WM-")
        else {"pk": person_id}
    )
    person = _person_read(lookup)
    if person is None:
        raise Http404("No such person")
    if person.restricted_access and not user.has_perm("people.view_restricted_person"):
        raise Http404("No such person")
    if user.has_perm("people.view_any_person"):
        return person
    if person.owning_team_id is not None and person.owning_team_id in user.team_ids():
        return person
    if not person_visible_queryset(user).filter(pk=person.pk).exists():
        raise Http404("No such person")
    return person


# The person a page shows, with what every person page names of them: the owning team, the case
# owner and, for a merged record, the record it was merged into.
_PERSON_RELATED = ("owning_team", "case_owner", "merged_into")


def _person_read(lookup: dict) -> Person | None:
    """``Person.objects.select_related(*_PERSON_RELATED).get(**lookup)``, or None. On PostgreSQL
    one statement written once, on the connection's kept cursor: the ORM compiled the same
    select-related read for every view of a person (about 1.2 ms of the page's Python at x10)."""
    if connection.vendor != "postgresql":
        try:
            return Person.objects.select_related(*_PERSON_RELATED).get(**lookup)
        except (Person.DoesNotExist, ValueError, TypeError):
            return None
    from waymark.core import row_models
    from waymark.core.kept_cursors import fetch_one

    by_reference = "reference" in lookup
    value = lookup["reference"] if by_reference else lookup["pk"]
    if not by_reference:
        try:
            value = Person._meta.pk.to_python(value)
        except ValidationError:  # not a key: no such person, as the ORM's get says
            return None
        if value is None or not -(2**63) <= value < 2**63:
            return None
    sql = _person_read_sql(by_reference)
    row = fetch_one(connection, sql, (value,))
    if row is None:
        return None
    using, at = connection.alias, row_models.width(Person)
    person = cast(Person, row_models.instance(Person, row[:at], using))
    for name in _PERSON_RELATED:
        field, model = _person_related(name)
        values = row[at : at + row_models.width(model)]
        at += len(values)
        related = None if values[0] is None else row_models.instance(model, values, using)
        field.set_cached_value(person, related)
    return person


def _person_related(name: str) -> tuple[models.ForeignKey, type[models.Model]]:
    field = cast(models.ForeignKey, Person._meta.get_field(name))
    return field, cast(type[models.Model], field.related_model)


@cache
def _person_read_sql(by_reference: bool) -> str:
    from waymark.core import row_models

    q = connection.ops.quote_name
    columns = [row_models.columns_sql(Person, "p")]
    joins = []
    for n, name in enumerate(_PERSON_RELATED):
        field, model = _person_related(name)
        alias = f"r{n}"
        columns.append(row_models.columns_sql(model, alias))
        joins.append(
            f"LEFT JOIN {q(model._meta.db_table)} {alias} "
            f"ON {alias}.{q(model._meta.pk.column)} = p.{q(field.column)}"
        )
    key = "reference" if by_reference else Person._meta.pk.column
    return (
        f"SELECT {', '.join(columns)} FROM {q(Person._meta.db_table)} p "  # noqa: S608 - names from models
        f"{' '.join(joins)} WHERE p.{q(key)} = %s"
    )


def person_by_reference(reference: str) -> Person | None:
    """The person with this reference (any record status), with the owning team, case owner and
    the record it was merged into already read, or None. For a machine path that has no user to
    check visibility for (a supplier's event naming a person): on PostgreSQL one statement written
    once, as ``access_person`` reads."""
    return _person_read({"reference": reference})


def person_can_view(user, person: Person) -> bool:
    return person_visible_queryset(user).filter(pk=person.pk).exists()


# ------------------------------------------------------------------------------------------------
# The summary page's lists in one statement

# Who and which team a row names: the few columns the summary shows of them.
_USER_FIELDS = ("id", "username", "first_name", "last_name")
_TEAM_FIELDS = ("id", "name", "unit")
_PERSON_FIELDS = ("id", "reference")


@dataclass(frozen=True)
class _SummaryList:
    key: str
    model: type[models.Model]
    person_column: str = "person_id"
    # Each related object the page shows: foreign key name -> the columns loaded of it.
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()
    where: str = ""


_SUMMARY_LISTS = (
    _SummaryList("names", PersonName, where=f"t.name_type <> '{NameType.PRIMARY.value}'"),
    _SummaryList("nationalities", PersonNationality),
    _SummaryList("dates_of_birth", PersonDateOfBirth),
    _SummaryList("references", ExternalReference),
    _SummaryList("addresses", Address),
    _SummaryList("phones", PhoneNumber),
    _SummaryList("convictions", Conviction),
    _SummaryList("vulnerabilities", Vulnerability),
    _SummaryList("flags", Flag, related=(("set_by", _USER_FIELDS), ("ended_by", _USER_FIELDS))),
    _SummaryList("bail_grants", BailGrant),
    _SummaryList(
        "ownership_history",
        OwnershipChange,
        related=(
            ("changed_by", _USER_FIELDS),
            ("from_team", _TEAM_FIELDS),
            ("to_team", _TEAM_FIELDS),
            ("from_owner", _USER_FIELDS),
            ("to_owner", _USER_FIELDS),
        ),
    ),
    _SummaryList(
        "merges",
        PersonMerge,
        person_column="survivor_id",
        related=(
            ("merged", _PERSON_FIELDS),
            ("performed_by", _USER_FIELDS),
            ("undone_by", _USER_FIELDS),
        ),
    ),
)
# The prefetch caches the lists fill, so that ``person.flags.all()`` (the identity bar's badges)
# and ``person.nationalities.all()`` read what this statement read.
_PREFETCHED = {"flags": "flags", "nationalities": "nationalities"}


def _loaded_fields(model) -> list[models.Field]:
    """The columns of a list's own rows: all but JSON (no page shows them, and the engines give
    them back differently inside a JSON object); a template that reached one would query."""
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.JSONField)]


def _json_object(vendor: str, pairs: list[tuple[str, str]]) -> str:
    function = "json_build_object" if vendor == "postgresql" else "json_object"
    arguments = ", ".join(f"'{key}', {expr}" for key, expr in pairs)
    return f"{function}({arguments})"


def _column(meta, name: str) -> str:
    field = meta.pk if name == "pk" else meta.get_field(name)
    return cast(models.Field, field).column


def _summary_branch(spec: _SummaryList, vendor: str, quote) -> str:
    meta = spec.model._meta
    pairs = [(f.attname, f"t.{quote(f.column)}") for f in _loaded_fields(spec.model)]
    joins = []
    for n, (name, columns) in enumerate(spec.related):
        field = cast(models.ForeignKey, meta.get_field(name))
        alias = f"r{n}"
        target = cast(type[models.Model], field.related_model)._meta
        joins.append(
            f"LEFT JOIN {quote(target.db_table)} {alias} "
            f"ON {alias}.{quote(_column(target, 'pk'))} = t.{quote(field.column)}"
        )
        nested = [(c, f"{alias}.{quote(_column(target, c))}") for c in columns]
        pairs.append((name, _json_object(vendor, nested)))
    order = []
    for item in meta.ordering or ():
        text = str(item)
        order.append(
            f"t.{quote(_column(meta, text.lstrip('-')))}{' DESC' if text[0] == '-' else ''}"
        )
    where = f"t.{quote(spec.person_column)} = %s" + (f" AND {spec.where}" if spec.where else "")
    numbered = f"ROW_NUMBER() OVER (ORDER BY {', '.join(order)})"
    row = _json_object(vendor, pairs)
    source = f"{quote(meta.db_table)} t {' '.join(joins)}"
    # Built from model metadata and constants only; the person's id is a bound parameter.
    return f"SELECT '{spec.key}' AS k, {numbered} AS n, {row} AS j FROM {source} WHERE {where}"  # noqa: S608


@cache
def _summary_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    branches = [_summary_branch(spec, vendor, quote) for spec in _SUMMARY_LISTS]
    return " UNION ALL ".join(branches) + " ORDER BY 1, 2"


@cache
def _summary_sql_numbered(vendor: str) -> str | None:
    from waymark.core.kept_cursors import numbered

    return numbered(_summary_sql(vendor)) if vendor == "postgresql" else None


def _json_value(field: models.Field, value):
    """A column's value as the JSON object carried it (PostgreSQL: ISO text, JSON booleans;
    SQLite: its stored text and 0/1), as the field holds it after an ordinary read."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        parsed = parse_datetime(value)
        if parsed is None:
            return field.to_python(value)
        # SQLite stores UTC without an offset, as its backend reads it back.
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(field, models.DateField):
        return date.fromisoformat(value[:10])
    if isinstance(field, models.BooleanField):
        return bool(value)
    return field.to_python(value)


def _instance(model, values: dict, db: str):
    fields = [f for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(
        db, [f.attname for f in fields], [_json_value(f, values[f.attname]) for f in fields]
    )


def person_summary_lists(person: Person) -> dict[str, list]:
    """The lists the person's summary shows (other names, dates of birth, references, addresses,
    phones, convictions, vulnerabilities, flags, bail, ownership history, merges and the
    nationalities of the identity bar), each in its model's order, read in one statement instead
    of one query each: a dozen round trips and SQL compilations were most of the page's database
    time. Fills ``person``'s flags and nationalities prefetch caches."""
    from waymark.core.kept_cursors import fetch_all

    db = connection.alias
    sql = _summary_sql(connection.vendor)
    # A prepared statement on PostgreSQL: planning its dozen branches was 1.3 ms of its 1.7 ms
    # (x10); its generic plan, made once a connection, reads each list by its person index.
    rows = fetch_all(
        connection,
        sql,
        [person.pk] * len(_SUMMARY_LISTS),
        sql_numbered=_summary_sql_numbered(connection.vendor),
        prepared=True,
    )
    specs = {spec.key: spec for spec in _SUMMARY_LISTS}
    lists: dict[str, list] = {spec.key: [] for spec in _SUMMARY_LISTS}
    for key, _n, data in rows:
        spec = specs[key]
        values = json.loads(data) if isinstance(data, str) else data
        related = {name: values.pop(name) for name, _ in spec.related}
        obj = _instance(spec.model, values, db)
        for name, rel_values in related.items():
            field = cast(models.ForeignKey, spec.model._meta.get_field(name))
            if isinstance(rel_values, str):
                rel_values = json.loads(rel_values)
            rel = (
                None
                if not rel_values or rel_values.get("id") is None
                else _instance(field.related_model, rel_values, db)
            )
            field.set_cached_value(obj, rel)
        if spec.person_column == "person_id":
            cast(models.ForeignKey, spec.model._meta.get_field("person")).set_cached_value(
                obj, person
            )
        lists[key].append(obj)
    cache_store = person.__dict__.setdefault("_prefetched_objects_cache", {})
    for key, cache_name in _PREFETCHED.items():
        queryset = getattr(person, cache_name).all()
        queryset._result_cache = lists[key]
        queryset._prefetch_done = True
        cache_store[cache_name] = queryset
    return lists


# Attributes of many people for equality and safeguarding monitoring (oversight's fairness page,
# issue 20 item 5): aggregate use only, never shown against a name. Protected characteristics are
# not here: they are read only through ``services.protected_characteristics_for_monitoring``,
# behind their restricted permission and audited.
MONITORING_ATTRIBUTES = ("nationality", "vulnerability")


def people_monitoring_attributes(person_ids, attribute: str) -> dict[int, str]:
    """``{person id: value}`` for ``attribute``: ``nationality`` (the first nationality recorded,
    ISO 3166 alpha-3) or ``vulnerability`` (the vulnerability assessment's value). People with no
    value are left out."""
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    found: dict[int, str] = {}
    chunk = 20000  # ids per IN list: within SQLite's 32,766 bound variables
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        if attribute == "nationality":
            rows = (
                PersonNationality.objects.filter(person_id__in=part)
                .order_by("person_id", "pk")
                .values_list("person_id", "country")
            )
            for pk, country in rows:
                found.setdefault(pk, country)
        elif attribute == "vulnerability":
            found.update(
                Person.objects.filter(pk__in=part).values_list("pk", "vulnerability_assessment")
            )
        else:
            raise ValueError(f"Not a monitoring attribute: {attribute!r}")
    return found


def people_monitoring_attribute_expression(attribute: str, person_field: str):
    """The same value as ``people_monitoring_attributes`` as a query expression over another
    model's person column (``person_field``), for counting groups in the database."""
    person = models.OuterRef(person_field)
    if attribute == "nationality":
        return models.Subquery(
            PersonNationality.objects.filter(person_id=person).order_by("pk").values("country")[:1]
        )
    if attribute == "vulnerability":
        return models.Subquery(
            Person.objects.filter(pk=person).values("vulnerability_assessment")[:1]
        )
    raise ValueError(f"Not a monitoring attribute: {attribute!r}")


def references_held(reference_type: str, values: list[str]) -> list[tuple[str, int]]:
    """(normalised value, person id) of the stored references of this type among ``values``
    (normalised), for bulk writers checking thousands at once. On PostgreSQL the values go as one
    array parameter (the ORM's ``IN`` compiled each value in turn, most of the check's time), each
    probing the unique key: a linkage run writes hundreds of thousands of references in its own
    transaction, where the table has no statistics yet, and ``= ANY(...)`` was then planned as a
    scan of every reference of the type (10 s of a 340,000-record run's write)."""
    if connection.vendor != "postgresql":
        return list(
            ExternalReference.objects.filter(
                reference_type=reference_type, value_normalised__in=values
            ).values_list("value_normalised", "person_id")
        )
    with connection.cursor() as cursor:
        cursor.execute(REFERENCES_HELD_SQL, [list(values), reference_type])
        return cursor.fetchall()


# references_held on PostgreSQL: one probe of the unique key a value.
REFERENCES_HELD_SQL = (
    "SELECT e.value_normalised, e.person_id FROM unnest(%s::text[]) AS v(value)"  # noqa: S608
    " CROSS JOIN LATERAL (SELECT value_normalised, person_id"
    f" FROM {ExternalReference._meta.db_table}"
    " WHERE reference_type = %s AND value_normalised = v.value LIMIT 1) AS e"
)
