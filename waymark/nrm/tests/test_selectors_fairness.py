"""The competent authority's fairness decision points (issue 20 item 5): registered with the
platform, and each row function returning one row per signed-off decision of its stage in the
period, with the referral's owning team and whether it was positive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from waymark.core import clock
from waymark.core.fairness import decision_point
from waymark.nrm.selectors import fairness
from waymark.nrm.tests._decision_helpers import draft, referral_make, served
from waymark.people import services as people_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


def test_the_decision_points_are_registered():
    for key in ("nrm.reasonable_grounds", "nrm.conclusive_grounds"):
        point = decision_point(key)
        assert point is not None and point.module == "nrm", key


def test_rg_rows_are_signed_off_decisions_and_whether_positive(
    person, form_version, authority_team, first_responder, decision_maker, specialist
):
    def referral(p):
        return referral_make(
            person=p, form_version=form_version, referrer=first_responder, team=authority_team
        )

    other = people_services.person_create(
        actor=None, given_names="Lena", family_name="Moroz", owning_team=authority_team
    )
    third = people_services.person_create(
        actor=None, given_names="Ivan", family_name="Petrov", owning_team=authority_team
    )
    served(referral(person), decision_maker)
    served(referral(other), decision_maker, specialist, outcome="negative")
    draft(referral(third), decision_maker)  # a draft is not a decision yet
    today = clock.today()
    _queryset_agrees("nrm.reasonable_grounds", today - timedelta(days=1), today)
    rows = fairness.reasonable_grounds_rows(today - timedelta(days=1), today)
    assert sorted((r.person_id, r.outcome) for r in rows) == sorted(
        [(person.pk, True), (other.pk, False)]
    )
    assert {r.team_id for r in rows} == {authority_team.pk}
    assert fairness.conclusive_grounds_rows(today - timedelta(days=1), today) == []


def _queryset_agrees(key, start, end, extra=()):
    """The point's QuerySet (counted in the database at volume) holds the same decisions."""
    point = decision_point(key)
    fields = ["person_id", "team_id", "outcome", *extra]

    def order(row):
        return [(v is None, v if v is not None else 0) for v in row]

    rows = sorted((tuple(getattr(r, f) for f in fields) for r in point.rows(start, end)), key=order)
    counted = sorted(
        point.queryset_fn(start, end).values_list(*[f"fairness_{f}" for f in fields]), key=order
    )
    assert rows and rows == [tuple(r) for r in counted], key
