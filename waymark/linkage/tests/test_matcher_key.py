"""The incremental matcher's key (issue 18 item 7): asked on every match, so it must stay an index
lookup at national scale, and still notice every change that should rebuild the matcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core import clock
from waymark.linkage import services
from waymark.linkage.models import SourceRecord
from waymark.linkage.services import _common
from waymark.linkage.tests.linking_fixtures import job_make, population_make, record_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked():
    job = job_make()
    population_make(job, people=12)
    services.linkage_run_execute(services.linkage_run_start(actor=None).pk)
    _common._matcher_invalidate()
    return job


def test_the_key_counts_nothing(linked):
    with CaptureQueriesContext(connection) as queries:
        _common._matcher_key()
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert len(queries.captured_queries) == 3
    assert "COUNT(" not in sql


def test_the_matcher_is_kept_while_nothing_changes(linked):
    first = _common.matcher_get()
    assert first is not None
    assert _common.matcher_get() is first


def test_a_new_record_rebuilds_the_matcher(linked):
    first = _common.matcher_get()
    record_make(linked, source_ref="NEW-1", given_names="Ana", family_name="Novak")
    assert _common.matcher_get() is not first


def test_a_changed_record_rebuilds_the_matcher(linked):
    first = _common.matcher_get()
    record = SourceRecord.objects.order_by("pk").first()
    SourceRecord.objects.filter(pk=record.pk).update(updated_at=clock.now() + timedelta(seconds=1))
    assert _common.matcher_get() is not first


def test_a_new_run_changes_the_key(linked):
    # the run drops this process's matcher itself; other processes see the new run in the key
    before = _common._matcher_key()
    services.linkage_run_execute(services.linkage_run_start(actor=None).pk)
    after = _common._matcher_key()
    assert after[0] != before[0]
