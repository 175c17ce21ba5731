"""A flag is ended once, when two people end it at the same moment (a double-submitted form, two
caseworkers on one record). Both passed the check made before the transaction: the second
overwrote who ended it and when, with two audit entries and two timeline events. Now the second
waits for the first (the flag's row is locked) and is refused with the reason. A pause after each
writer's audit entry, before it commits, makes the overlap happen every time (PostgreSQL, real
threads)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.core.models import AuditEvent
from waymark.people import services
from waymark.people.models import Flag
from waymark.people.services import flags
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user
from waymark.testing import NOW

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_audit(monkeypatch):
    pause_after(monkeypatch, flags, "audit_record")


def _flag():
    team = make_team()
    first = make_user(*CASEWORKER_PERMS, teams=[team])
    second = make_user(*CASEWORKER_PERMS, teams=[team])
    flag = services.flag_set(actor=first, person=make_person(), flag_type="nexus_high_harm")
    return first, second, flag


def test_a_flag_ended_twice_at_once_is_ended_once(monkeypatch):
    first, second, flag = _flag()
    _paused_audit(monkeypatch)

    def end(actor, reason):
        def work():
            services.flag_end(actor=actor, flag=Flag.objects.get(pk=flag.pk), reason=reason)

        return work

    errors = run_at_once([end(first, "Expired"), end(second, "Withdrawn by police")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already ended" in errors[0]
    flag.refresh_from_db()
    ended = AuditEvent.objects.filter(verb="person.flag_ended", target_id=flag.pk)
    assert ended.count() == 1
    assert ended.get().actor_id == flag.ended_by_id


def test_refusals_inside_the_lock_still_refuse_alone():
    """The check repeated inside the transaction refuses as before when nothing is concurrent."""
    first, second, flag = _flag()
    services.flag_end(actor=first, flag=flag, reason="Expired")
    with pytest.raises(ValidationError, match="already ended"):
        services.flag_end(actor=second, flag=Flag.objects.get(pk=flag.pk))
