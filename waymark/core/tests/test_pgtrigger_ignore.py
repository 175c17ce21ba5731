"""pgtrigger's ignore check without a subtransaction a row (``waymark/core/pgtrigger_ignore.py``):
after ``migrate`` the function has no exception block, answers as the library's does, and an
audited COPY of many entries opens no subtransaction per row."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from waymark.core.pgtrigger_ignore import pgtrigger_ignore_install

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pgtrigger is PostgreSQL's"),
]


def _source() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = '_pgtrigger_should_ignore'")
        return cursor.fetchone()[0]


def _ignored(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT public._pgtrigger_should_ignore(%s)", [name])
        return cursor.fetchone()[0]


def test_after_migrate_the_function_opens_no_subtransaction():
    assert "EXCEPTION" not in _source().upper()
    assert "current_setting('pgtrigger.ignore', true)" in _source()


def test_it_answers_as_the_library_s_did():
    assert _ignored("any_trigger") is False  # the setting never defined
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pgtrigger.ignore = '{one_trigger,another}'")
        assert _ignored("one_trigger") is True
        assert _ignored("another") is True
        assert _ignored("a_third") is False
        cursor.execute("SET LOCAL pgtrigger.ignore = ''")  # defined but empty (after a reset)
        assert _ignored("one_trigger") is False


def test_installing_again_is_harmless_and_keeps_the_answers():
    assert pgtrigger_ignore_install() is True
    assert pgtrigger_ignore_install() is True
    assert _ignored("any_trigger") is False


def test_pgtrigger_s_own_ignore_still_skips_a_trigger():
    """The library's context manager still works through the replaced function: with the audit
    trail's append-only trigger ignored, an UPDATE of an entry is not refused by it."""
    import pgtrigger

    from waymark.core import audit
    from waymark.core.models import AuditAction, AuditEvent

    audit.audit_record(actor=None, action=AuditAction.COLLECTION, verb="demo.loaded")
    entry = AuditEvent.objects.get(verb="demo.loaded")
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (the trigger's error)
        AuditEvent.objects.filter(pk=entry.pk).update(purpose="edited")
    with pgtrigger.ignore("core.AuditEvent:audit_append_only"), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(purpose="edited")
    assert AuditEvent.objects.get(pk=entry.pk).purpose == "edited"
