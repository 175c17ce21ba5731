"""A police notification form is answered once, when two officers of the force answer it at the
same moment (a double-submitted form, two partners on one form). The form was locked inside the
transaction but not looked at again, so the second answer waited for the first and then overwrote
it, with two audit entries each claiming the answer. Now the second is refused with the reason. A
pause after each writer's audit entry, before it commits, makes the overlap happen every time
(PostgreSQL, real threads)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.operations import models as m
from waymark.operations import services
from waymark.operations.services import checks
from waymark.operations.tests.conftest import NOW, premises_make, user_make, visit_make
from waymark.testing import reference_data

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_audit(monkeypatch):
    pause_after(monkeypatch, checks, "_audit")


def _sent_form():
    roles_sync()
    if not m.PoliceForce.objects.exists():
        reference_data.operations()
    force = m.PoliceForce.objects.get_or_create(
        code="met", defaults={"name": "Metropolitan Police Service"}
    )[0]
    team = Team.objects.create(slug="ice-race", name="ICE Race", unit="ICE")
    sector = m.Sector.objects.create(key="race", name="Race sector")
    oic = user_make("officer_in_charge", team, arrest_trained=True)
    visit = visit_make(team, premises_make(sector, force), creator=oic)
    partners = [user_make("police_partner", None), user_make("police_partner", None)]
    force.partners.add(*partners)
    with clock.frozen(NOW):
        form = services.notification_send(actor=oic, visit=visit)
    return form, partners


def _answer(actor, form, name):
    services.notification_answer(
        actor=actor,
        form=form,
        signed_by_name=name,
        signed_by_rank="Sergeant",
        warning_markers="None known",
        community_tensions="None known",
        complete=True,
    )


def test_two_answers_to_one_notification_form_at_once_store_one(monkeypatch):
    form, (first, second) = _sent_form()
    _paused_audit(monkeypatch)

    def answer(actor, name):
        def work():
            _answer(actor, m.NotificationForm.objects.get(pk=form.pk), name)

        return work

    errors = run_at_once([answer(first, "PS Smith"), answer(second, "PS Jones")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been answered" in errors[0]
    form.refresh_from_db()
    answered = AuditEvent.objects.filter(verb="operations.notification_answered", target_id=form.pk)
    assert answered.count() == 1
    assert answered.get().payload["new"]["signed_by_name"] == form.signed_by_name
    assert answered.get().actor_id == form.answered_by_id


def test_refusals_inside_the_lock_still_refuse_alone():
    """The check repeated inside the transaction refuses as before when nothing is concurrent."""
    form, (first, second) = _sent_form()
    with clock.frozen(NOW):
        _answer(first, form, "PS Smith")
        with pytest.raises(ValidationError, match="already been answered"):
            _answer(second, form, "PS Jones")
