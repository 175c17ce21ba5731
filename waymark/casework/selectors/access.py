"""Reaching one casework record, and the cases a user may see (every list starts from
``people.selectors.person_visible_queryset``, so team scoping and restricted records hold)."""

from __future__ import annotations

from django.db.models import IntegerField, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from waymark.casework.models import Case
from waymark.people.models import Person
from waymark.people.selectors import person_visible_queryset


def access_case_person(user, pk) -> Person:
    return _access(user, pk)


def _access(user, pk) -> Person:
    from waymark.people.selectors import access_person

    return access_person(user, pk)


def access_for_person(user, model, pk: int):
    """One casework record by primary key, 404 unless its person is visible to ``user``."""
    try:
        row = model.objects.select_related("person").get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
    _access(user, row.person_id)
    return row


def cases_with_band(qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    qs = Case.objects.all() if qs is None else qs
    return qs.annotate(
        effective_band=Coalesce("band_override", "computed_band", output_field=IntegerField())
    )


def visible_cases(user) -> QuerySet[Case]:
    return cases_with_band(Case.objects.filter(person__in=person_visible_queryset(user)))
