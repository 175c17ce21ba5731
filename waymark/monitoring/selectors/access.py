"""Access to EM records: the people the Hub may see and every record page's fetch (404 for
anything the user may not see)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from waymark.monitoring.models import (
    Breach,
    Challenge,
    Condition,
    Exemption,
    FittingOrder,
    ProsecutionReferral,
    Review,
    TrailDataRequest,
)
from waymark.monitoring.permissions import em_visibility
from waymark.people.models import Person
from waymark.people.selectors import person_visible_queryset


def em_person_queryset(user) -> QuerySet[Person]:
    """People this user may see in EM pages: the platform's visibility rules, nothing wider."""
    return person_visible_queryset(user)


def access_em_person(user, pk) -> Person:
    person = em_person_queryset(user).filter(pk=pk).first()
    if person is None:
        raise Http404("No such person")
    return person


def _access(model, user, pk):
    """Fetch an EM record whose person the user may see, or 404."""
    obj = (
        model.objects.select_related("person")
        .filter(pk=pk, person__in=em_person_queryset(user))
        .first()
    )
    if obj is None:
        raise Http404("Not found")
    return obj


def access_condition(user, pk) -> Condition:
    return _access(Condition, user, pk)


def access_order(user, pk) -> FittingOrder:
    return _access(FittingOrder, user, pk)


def access_breach(user, pk) -> Breach:
    return _access(Breach, user, pk)


def access_review(user, pk) -> Review:
    return _access(Review, user, pk)


def access_challenge(user, pk) -> Challenge:
    return _access(Challenge, user, pk)


def access_trail_request(user, pk) -> TrailDataRequest:
    return _access(TrailDataRequest, user, pk)


def access_exemption(user, pk) -> Exemption:
    return _access(Exemption, user, pk)


def access_referral(user, pk) -> ProsecutionReferral:
    referral = ProsecutionReferral.objects.filter(
        pk=pk, person__in=em_person_queryset(user)
    ).first()
    if referral is None:
        raise Http404("No such referral")
    return referral


__all__ = [
    "access_breach",
    "access_challenge",
    "access_condition",
    "access_em_person",
    "access_exemption",
    "access_order",
    "access_referral",
    "access_review",
    "access_trail_request",
    "em_person_queryset",
    "em_visibility",
]
