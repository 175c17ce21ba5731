"""The read-model mechanism (``core.read_models``): registration, rebuilding in one transaction with
its as-of time, and the freshness rules (``rules.READ_MODEL_MAX_AGE``, ``READ_MODEL_REFRESH_INTERVAL``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from waymark.core import clock, read_models, rules
from waymark.core.models import ReadModelState
from waymark.testing import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(monkeypatch):
    """A read model whose rebuild counts its calls (and writes no rows)."""
    calls: list = []
    model = read_models.ReadModel("test.counted", "Counted", lambda as_of: calls.append(as_of) or 7)
    monkeypatch.setitem(read_models._REGISTRY, model.name, model)
    return calls


def test_a_second_definition_under_a_name_is_refused(counted):
    other = read_models.ReadModel("test.counted", "Other", lambda as_of: 0)
    with pytest.raises(ValueError, match="already registered"):
        read_models.register_read_model(other)


def test_refreshing_an_unknown_read_model_is_a_clear_error():
    with pytest.raises(ValueError, match="No read model"):
        read_models.read_model_refresh("test.nothing")


def test_a_rebuild_records_its_as_of_time_and_rows(counted):
    with clock.frozen(NOW):
        state = read_models.read_model_refresh("test.counted")
    assert counted == [NOW]
    assert (state.as_of, state.rows) == (NOW, 7)
    assert ReadModelState.objects.get(name="test.counted").as_of == NOW


def test_a_failed_rebuild_leaves_the_last_rows_and_time(counted, monkeypatch):
    with clock.frozen(NOW):
        read_models.read_model_refresh("test.counted")

    def broken(as_of):
        raise RuntimeError("boom")

    monkeypatch.setitem(
        read_models._REGISTRY, "test.counted", read_models.ReadModel("test.counted", "C", broken)
    )
    with clock.frozen(NOW + timedelta(minutes=5)), pytest.raises(RuntimeError):
        read_models.read_model_refresh("test.counted")
    assert ReadModelState.objects.get(name="test.counted").as_of == NOW


def test_a_page_rebuilds_rows_older_than_sixty_seconds_and_not_younger(counted):
    assert timedelta(seconds=60) == rules.READ_MODEL_MAX_AGE
    with clock.frozen(NOW):
        assert read_models.read_model_as_of("test.counted") == NOW  # never built: built now
    with clock.frozen(NOW + timedelta(seconds=60)):
        assert read_models.read_model_as_of("test.counted") == NOW
    assert len(counted) == 1
    with clock.frozen(NOW + timedelta(seconds=61)):
        assert read_models.read_model_as_of("test.counted") == NOW + timedelta(seconds=61)
    assert len(counted) == 2


def test_the_background_refresh_rebuilds_those_thirty_seconds_old(counted):
    assert timedelta(seconds=30) == rules.READ_MODEL_REFRESH_INTERVAL
    with clock.frozen(NOW):
        read_models.read_model_refresh("test.counted")
    with clock.frozen(NOW + timedelta(seconds=29)):
        assert "test.counted" not in read_models.read_models_refresh_stale()
    with clock.frozen(NOW + timedelta(seconds=30)):
        assert read_models.read_models_refresh_stale()["test.counted"] == 7
    assert len(counted) == 2


def test_a_rebuild_groups_in_128_mb_on_postgresql():
    """``SET LOCAL``: the setting ends with the rebuild's transaction."""
    from django.db import connection, transaction

    assert rules.READ_MODEL_WORK_MEM == "128MB"
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()[0]
    assert before != "128MB"
    with transaction.atomic():
        # any summary table an app registered (the writer only prepares its new rows here)
        table = next(m.tables[0] for m in read_models.read_models().values() if m.tables)
        read_models.FactsWriter(table)
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone()[0] == "128MB"
