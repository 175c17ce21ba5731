"""The field path's reads written once (``core.row_models.joined``, ``core.kept_cursors``): each
builds what the ORM's read built, field by field and relation by relation, and refuses what the
ORM's read refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from waymark.core import row_models
from waymark.operations import models as m
from waymark.operations import selectors
from waymark.operations.services import _field, field_entries
from waymark.operations.tests.conftest import NOW, user_make
from waymark.operations.tests.test_field_api import body

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statement written once runs on PostgreSQL only"
)


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _same(read, orm, related: tuple[str, ...]) -> None:
    """``read`` equals ``orm`` in every column, and so does every related object, which ``read``
    holds already (no query to reach it)."""
    assert type(read) is type(orm) and _values(read) == _values(orm)
    assert not read._state.adding and read._state.db == orm._state.db
    with CaptureQueriesContext(connection) as queries:
        for path in related:
            got, want = read, orm
            for name in path.split("__"):
                got, want = getattr(got, name), getattr(want, name)
            assert (got is None) == (want is None), path
            if want is not None:
                assert type(got) is type(want) and _values(got) == _values(want), path
    assert not queries.captured_queries


def _joined_read(model, related: tuple[str, ...], pk: int):
    read = row_models.joined(model, related)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {read.select} FROM {read.tables} WHERE t.id = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    return read.instance(row, connection.alias)


def test_a_joined_read_builds_what_select_related_builds(visit_deployed, field_officer):
    related = ("premises", "officer_in_charge", "team")
    _same(
        _joined_read(m.Visit, related, visit_deployed.pk),
        m.Visit.objects.select_related(*related).get(pk=visit_deployed.pk),
        related,
    )
    m.Visit.objects.filter(pk=visit_deployed.pk).update(officer_in_charge=None)  # a null key
    _same(
        _joined_read(m.Visit, related, visit_deployed.pk),
        m.Visit.objects.select_related(*related).get(pk=visit_deployed.pk),
        related,
    )
    assignment = m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer)
    nested = ("visit", "visit__premises")  # a relation of a relation
    _same(
        _joined_read(m.VisitOfficer, nested, assignment.pk),
        m.VisitOfficer.objects.select_related(*nested).get(pk=assignment.pk),
        nested,
    )


def test_a_joined_read_refuses_what_is_not_a_forward_key():
    with pytest.raises(ValueError, match="not a forward foreign key"):
        row_models.joined(m.Visit, ("reference",))
    with pytest.raises(ValueError, match="not a forward foreign key"):
        row_models.joined(m.Visit, ("officers",))


@on_postgresql
def test_the_field_visit_read_is_the_orm_read(visit_deployed, field_officer, ice_team):
    related = ("premises", "officer_in_charge", "team")
    _same(
        selectors.access_field_visit(field_officer, visit_deployed.pk),
        m.Visit.objects.select_related(*related).get(pk=visit_deployed.pk),
        related,
    )
    stranger = user_make("field_officer", ice_team)  # same team, not on it
    for user, pk in [
        (stranger, visit_deployed.pk),
        (field_officer, visit_deployed.pk + 1000),
        (field_officer, 2**63),
        (field_officer, "not a number"),
    ]:
        with pytest.raises(Http404):
            selectors.access_field_visit(user, pk)


@on_postgresql
@pytest.mark.django_db(transaction=True)  # the other connection must see the committed row
def test_the_locked_assignment_is_the_orm_read_and_is_locked(
    visit_deployed, field_officer, ice_team
):
    from django.db import connections

    nested = ("visit", "visit__premises")
    with transaction.atomic():
        read = _field._assignment_locked(actor=field_officer, visit=visit_deployed)
        _same(
            read,
            m.VisitOfficer.objects.select_related(*nested).get(
                visit=visit_deployed, officer=field_officer
            ),
            nested,
        )
        # Another connection cannot take the row's lock while this transaction holds it.
        other = connections.create_connection("default")
        try:
            other.ensure_connection()
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '100ms'")
                with pytest.raises(Exception, match="lock"):
                    cursor.execute(
                        "SELECT id FROM operations_visitofficer WHERE id = %s FOR UPDATE",
                        [read.pk],
                    )
        finally:
            other.close()
    stranger = user_make("field_officer", ice_team)
    with pytest.raises(PermissionDenied):
        _field._assignment_locked(actor=stranger, visit=visit_deployed)


@on_postgresql
def test_the_stored_entry_read_is_the_orm_read(frozen, visit_deployed, field_officer):
    sent = body(visit_deployed)
    entry, _ = field_entries.field_entry_record(
        actor=field_officer,
        visit=visit_deployed,
        entry_type="note",
        client_uuid=sent["client_uuid"],
        recorded_at=NOW - timedelta(minutes=1),
        latitude=51.5,
        longitude=-0.07,
        data={"text": "Rear door"},
    )
    read = field_entries._entry_by_uuid(entry.client_uuid)
    assert read is not None
    _same(read, m.FieldEntry.objects.get(pk=entry.pk), ())
    assert read.payload == {"text": "Rear door"}  # JSON decoded as the ORM decodes it
    assert field_entries._entry_by_uuid(body(visit_deployed)["client_uuid"]) is None
