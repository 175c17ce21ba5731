"""Two first responders referring at the same moment get two references, never a clash (the
reference is the year's last plus one; the authority team's row is locked while it is taken)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import run_at_once
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
