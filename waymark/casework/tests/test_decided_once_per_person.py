"""One open thing a person, when two people start it at the same moment (a double-submitted form,
two caseworkers on one case): a referral awaiting checks, case preparation, removal directions, a
pending detention request, an absconder declaration and a trace-and-locate referral. Each checked
"already one open" before its transaction and without a lock, so both passed: the second failed on
the unique key (an error page: referrals and preparation) or made a second open row with its own
task and audit entry. Now the second waits for the first (the person's lock, ``people_lock``, or
the row it changes) and is refused with the reason. A pause after each writer's audit entry, before
it commits, makes the overlap happen every time (PostgreSQL, real threads)."""

from __future__ import annotations

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.accounts.models import Grade
from waymark.casework import services
from waymark.casework.models import (
    AbsconderDeclaration,
    CasePreparation,
    DetentionRequest,
    NonCompliance,
    Referral,
    RemovalDirection,
    ReportingEvent,
    TraceReferral,
)
from waymark.casework.services import non_compliance, progression, referral, removals
from waymark.casework.tests.conftest import (
    NOW,
    TODAY,
    person_make,
    restriction_make,
    user_make,
)
from waymark.casework.tests.test_decided_once_more import _one_refused, _setting
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.work.models import Task

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _twice(make, first, second, *, at=NOW):
    """Run ``make(first)`` and ``make(second)`` at once; return the errors."""

    def worker(arg):
        return lambda: make(arg)

    return run_at_once([worker(first), worker(second)], at=at)


def _audited_once(verb, person):
    assert AuditEvent.objects.filter(verb=verb, person_id=person.pk).count() == 1


def test_two_referrals_of_one_person_at_once_make_one(monkeypatch):
    _, owner, other, _ = _setting()
    person = person_make(None, None, family_name="Okafor", sentence_days=400)
    pause_after(monkeypatch, referral, "_record")
    errors = _twice(
        lambda actor: services.referral_create(actor=actor, person=person), owner, other
    )
    _one_refused(errors, "already has a referral awaiting intake checks")
    found = Referral.objects.get(person=person)
    _audited_once("casework.referred", person)
    assert Task.objects.filter(dedupe_key=f"casework.referral:{found.pk}").count() == 1


def test_case_preparation_started_twice_at_once_is_started_once(monkeypatch):
    _, owner, other, person = _setting()
    pause_after(monkeypatch, progression, "_record")
    errors = _twice(
        lambda actor: services.case_preparation_start(actor=actor, person=person), owner, other
    )
    _one_refused(errors, "already being prepared")
    assert CasePreparation.objects.filter(person=person).count() == 1
    _audited_once("casework.preparation_started", person)


def test_removal_directions_set_twice_at_once_are_set_once(monkeypatch):
    teams, _, _, person = _setting()
    officers = [user_make("removals", teams["removals"], grade=Grade.HEO) for _ in range(2)]
    pause_after(monkeypatch, removals, "_record")
    errors = _twice(
        lambda flight: services.removal_directions_set(
            actor=officers[0], person=person, route="deportation", planned_for=TODAY, flight=flight
        ),
        "BA123",
        "KQ101",
    )
    _one_refused(errors, "already has removal directions set")
    direction = RemovalDirection.objects.get(person=person)
    assert direction.status == "planned"
    _audited_once("casework.removal_directions_set", person)


def test_two_detention_requests_at_once_make_one(monkeypatch):
    _, owner, other, person = _setting()
    pause_after(monkeypatch, removals, "_record")
    errors = _twice(
        lambda actor: services.detention_request(actor=actor, person=person, grounds="Absconded"),
        owner,
        other,
    )
    _one_refused(errors, "already awaiting a decision")
    request = DetentionRequest.objects.get(person=person)
    _audited_once("casework.detention_requested", person)
    assert Task.objects.filter(dedupe_key=f"removals.gatekeeping:{request.pk}").count() == 1


def _every_step_failed(teams, owner, person) -> NonCompliance:
    centre_officer = user_make("reporting_centre", teams["centre"])
    with clock.frozen(NOW):
        restriction_make(owner, person, teams["centre"])
        services.event_outcome_record(
            actor=centre_officer,
            event=ReportingEvent.objects.get(person=person, due_on=TODAY),
            outcome="no_show",
        )
        nc = NonCompliance.objects.get(person=person)
        for step in nc.steps.all():
            services.contact_step_record(actor=owner, step=step, result="No contact")
    return nc


def test_an_absconder_declared_twice_at_once_is_declared_once(monkeypatch):
    teams, owner, other, person = _setting()
    nc = _every_step_failed(teams, owner, person)
    pause_after(monkeypatch, non_compliance, "_record")
    errors = _twice(
        lambda actor: services.absconder_declare(
            actor=actor, person=person, reasons="All steps failed", whereabouts_unknown=True
        ),
        owner,
        other,
    )
    _one_refused(errors, "already declared an absconder")
    assert AbsconderDeclaration.objects.filter(person=person).count() == 1
    nc.refresh_from_db()
    assert nc.status == "absconder"
    _audited_once("casework.absconder_declared", person)


def test_an_absconder_referred_to_trace_twice_at_once_is_referred_once(monkeypatch):
    teams, owner, other, person = _setting()
    _every_step_failed(teams, owner, person)
    with clock.frozen(NOW):
        declaration = services.absconder_declare(
            actor=owner, person=person, reasons="All steps failed", whereabouts_unknown=True
        )
    pause_after(monkeypatch, non_compliance, "_record")
    errors = _twice(
        lambda actor: services.trace_refer(
            actor=actor, declaration=AbsconderDeclaration.objects.get(pk=declaration.pk)
        ),
        owner,
        other,
    )
    _one_refused(errors, "already with trace and locate")
    trace = TraceReferral.objects.get(declaration=declaration)
    _audited_once("casework.trace_referred", person)
    assert Task.objects.filter(dedupe_key=f"casework.trace:{trace.pk}").count() == 1
