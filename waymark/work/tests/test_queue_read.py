"""The queue a new task goes to, read by a statement written once on PostgreSQL: what the ORM's
select-related read gave, with its team already read; an unknown slug is refused by name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.work.models import Queue
from waymark.work.registry import FOLLOW_UP
from waymark.work.services._common import _queue_by_slug, _resolve_queue

pytestmark = pytest.mark.django_db


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_queue_read_is_the_orm_read_with_its_team(queue):
    got = _queue_by_slug(queue.slug)
    want = Queue.objects.select_related("team").get(pk=queue.pk)
    assert got is not None and _values(got) == _values(want)
    with CaptureQueriesContext(connection) as queries:
        assert _values(got.team) == _values(want.team)
    assert not queries.captured_queries  # the team came with the queue
    assert _queue_by_slug("no-such-queue") is None


def test_an_unknown_queue_is_refused_by_name(queue):
    kind = FOLLOW_UP
    with pytest.raises(ValidationError, match="There is no queue 'no-such-queue'"):
        _resolve_queue("no-such-queue", kind)
    assert _resolve_queue(queue.slug, kind).pk == queue.pk
