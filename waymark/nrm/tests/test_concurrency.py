"""Two first responders referring at the same moment get two references, never a clash (the
reference is the year's last plus one; the authority team's row is locked while it is taken)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from waymark.core import clock
from waymark.nrm import models as m
from waymark.nrm.tests.test_services_referrals import refer
from waymark.testing import NOW

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_referrals_at_once_are_numbered_one_after_the_other(
    authority_team, form_version, first_responder, other_responder, person
):
    workers = [lambda u=user: refer(u, person) for user in (first_responder, other_responder)]
    errors = run_at_once(workers, at=NOW)
    assert errors == []
    assert sorted(m.Referral.objects.values_list("reference", flat=True)) == [
        f"NRM-{NOW.year}-000001",
        f"NRM-{NOW.year}-000002",
    ]


def test_two_specialists_at_once_one_check_one_outcome(
    person, form_version, authority_team, decision_maker, specialist, guidance_edition
):
    """One agrees while another disagrees: exactly one is recorded, the other is refused, and the
    decision's state follows the one that was recorded (never ready and returned at once)."""
    from waymark import testing
    from waymark.nrm import services
    from waymark.nrm.tests._decision_helpers import draft, referral_make

    with clock.frozen(NOW):
        referral = referral_make(person=person, form_version=form_version, team=authority_team)
        decision = draft(referral, decision_maker, outcome="negative")
        services.decision_sign_off(actor=decision_maker, decision=decision)
    other = testing.user_make("technical_specialist", authority_team, last_name="Second")
    check_pk = decision.checks.get().pk
    workers = [
        lambda: services.check_agree(
            actor=specialist, check=m.SpecialistCheck.objects.get(pk=check_pk)
        ),
        lambda: services.check_disagree(
            actor=other, check=m.SpecialistCheck.objects.get(pk=check_pk), reasons="Evidence missed"
        ),
    ]
    errors = run_at_once(workers, at=NOW)
    assert len(errors) == 1 and "already been done" in errors[0]
    check = m.SpecialistCheck.objects.get(pk=check_pk)
    decision.refresh_from_db()
    expected = {
        m.CheckStatus.AGREED: m.DecisionStatus.READY,
        m.CheckStatus.DISAGREED: m.DecisionStatus.RETURNED,
    }
    assert decision.status == expected[check.status]
