# ruff: noqa: F811 (the operations fixtures imported below are used as test arguments)
"""The enforcement visit hook: an "nrm" safeguarding entry recorded through operations' field
service becomes a referral of the same person (source operations_visit, once per entry); without a
person record it becomes a duty to notify with no identifying details."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from waymark.core import clock
from waymark.nrm import models as nrm
from waymark.operations import models as m
from waymark.operations import services as field_services
from waymark.operations.tests.conftest import (  # noqa: F401 (fixtures)
    field_officer,
    ice_team,
    oic,
    police_force,
    premises,
    sector,
    visit_deployed,
)

pytestmark = pytest.mark.django_db


def _encounter(visit, officer, person=None) -> m.Encounter:
    entry = m.FieldEntry.objects.create(
        visit=visit,
        officer=officer,
        entry_type="encounter",
        client_uuid=uuid.uuid4(),
        recorded_at=clock.now(),
        received_at=clock.now(),
        summary="encounter",
    )
    return m.Encounter.objects.create(
        entry=entry,
        visit=visit,
        person=person,
        name_given="Amira Haddad",
        date_of_birth_given=date(1994, 3, 2),
        nationality="SYR",
        result="right_to_work",
    )


def _record_nrm(officer, visit, encounter, client_uuid=None):
    return field_services.field_entry_record(
        actor=officer,
        visit=visit,
        entry_type="safeguarding",
        client_uuid=client_uuid or str(uuid.uuid4()),
        recorded_at=clock.now(),
        data={"kind": "nrm", "detail": "Debt bondage indicators", "encounter": encounter.pk},
    )


def test_an_nrm_entry_on_a_visit_refers_the_same_person(
    frozen, authority_team, form_version, person, visit_deployed, field_officer
):
    encounter = _encounter(visit_deployed, field_officer, person)
    key = str(uuid.uuid4())
    _record_nrm(field_officer, visit_deployed, encounter, key)
    referral = nrm.Referral.objects.get()
    assert referral.person == person
    assert referral.source == "operations_visit"
    assert referral.referrer_type == "enforcement_officer"
    assert referral.referrer == field_officer
    assert referral.source_key.startswith("operations.safeguarding:")
    assert referral.answers["account"] == "Debt bondage indicators"
    assert referral.status == nrm.ReferralStatus.PREPARATION
    # The same entry sent again (offline resend) makes no second referral.
    _record_nrm(field_officer, visit_deployed, encounter, key)
    assert nrm.Referral.objects.count() == 1


def test_an_nrm_entry_without_a_person_record_is_a_duty_to_notify(
    frozen, authority_team, form_version, visit_deployed, field_officer
):
    encounter = _encounter(visit_deployed, field_officer, None)
    _record_nrm(field_officer, visit_deployed, encounter)
    assert not nrm.Referral.objects.exists()
    duty = nrm.DutyToNotify.objects.get()
    assert duty.referrer_type == "enforcement_officer"
    assert duty.nationality == "SYR"
    assert "Amira" not in duty.summary and "Haddad" not in duty.summary
    assert visit_deployed.reference in duty.summary
