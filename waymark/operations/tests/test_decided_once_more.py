"""A visit's debrief is created once, and an officer put on a visit once, when two people act at
the same moment (a double-submitted form, two planners on one visit). The first debrief was looked
for under a lock that holds nothing while there is no row, so both submissions created one and the
second failed in the database (an error page); now the visit is locked and the second is taken as
a revision of the first, as a later submission is. Two assignments of the same officer both passed
the check made before the transaction: the second found the first's row and audited the
assignment again; now it is refused with the reason. A pause after each writer's audit entry,
before it commits, makes the overlap happen every time (PostgreSQL, real threads)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.operations import models as m
from waymark.operations import rules, services
from waymark.operations.services import closure, deployment
from waymark.operations.tests.conftest import (
    NOW,
    premises_make,
    user_make,
    visit_deployed_make,
    visit_make,
)
from waymark.testing import reference_data

pytestmark = [
    *WRITERS_AT_ONCE,
]

DEBRIEF = {
    key: f"Something considered about {label.lower()}."
    for key, label in rules.DEBRIEF_SECTIONS.items()
}


def _paused(monkeypatch, module, name):
    pause_after(monkeypatch, module, name)


def _world():
    roles_sync()
    if not m.PoliceForce.objects.exists():
        reference_data.operations()
    team = Team.objects.create(slug="ice-race", name="ICE Race", unit="ICE")
    sector = m.Sector.objects.create(key="race", name="Race sector")
    oic = user_make("officer_in_charge", team, arrest_trained=True)
    return team, sector, oic


def test_two_first_debriefs_at_once_store_one_and_the_second_is_a_revision(monkeypatch):
    team, sector, oic = _world()
    officer = user_make("field_officer", team, arrest_trained=True)
    visit = visit_deployed_make(team, premises_make(sector), oic, [officer])
    _paused(monkeypatch, closure, "audit_record")

    def submit(accuracy):
        def work():
            services.debrief_submit(
                actor=oic,
                visit=m.Visit.objects.get(pk=visit.pk),
                intelligence_accuracy=accuracy,
                **DEBRIEF,
            )

        return work

    errors = run_at_once([submit("accurate"), submit("partly")], at=NOW)
    assert errors == []
    debrief = m.Debrief.objects.get(visit=visit)
    assert AuditEvent.objects.filter(verb="operations.debrief.submitted").count() == 1
    revised = AuditEvent.objects.get(verb="operations.debrief.revised")
    assert revised.payload["new"]["intelligence_accuracy"] == debrief.intelligence_accuracy


def test_one_officer_assigned_twice_at_once_is_assigned_once(monkeypatch):
    team, sector, oic = _world()
    planners = [user_make("officer_in_charge", team), user_make("officer_in_charge", team)]
    visit = visit_make(team, premises_make(sector), creator=oic)
    officer = user_make("field_officer", team, arrest_trained=True)
    _paused(monkeypatch, deployment, "_audit")

    def assign(actor, role):
        def work():
            services.visit_officer_assign(
                actor=actor, visit=m.Visit.objects.get(pk=visit.pk), officer=officer, role=role
            )

        return work

    errors = run_at_once([assign(planners[0], "Search"), assign(planners[1], "Arrest")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already on this visit" in errors[0]
    assignment = m.VisitOfficer.objects.get(visit=visit, officer=officer)
    assigned = AuditEvent.objects.filter(verb="operations.officer_assigned", target_id=visit.pk)
    assert assigned.count() == 1
    assert assigned.get().payload["new"]["role"] == assignment.role


def test_refusals_inside_the_lock_still_refuse_alone():
    """The checks repeated inside the transaction refuse as before when nothing is concurrent."""
    team, sector, oic = _world()
    visit = visit_make(team, premises_make(sector), creator=oic, officer_in_charge=oic)
    officer = user_make("field_officer", team, arrest_trained=True)
    with clock.frozen(NOW):
        services.visit_officer_assign(actor=oic, visit=visit, officer=officer)
        with pytest.raises(ValidationError, match="already on this visit"):
            services.visit_officer_assign(actor=oic, visit=visit, officer=officer)
        with pytest.raises(ValidationError, match="while the visit is deployed"):
            services.debrief_submit(
                actor=oic, visit=visit, intelligence_accuracy="accurate", **DEBRIEF
            )
