"""The read-model mechanism (``core.read_models``): registration, rebuilding in one transaction with
its as-of time, and the freshness rules (``rules.READ_MODEL_MAX_AGE``, ``READ_MODEL_REFRESH_INTERVAL``,
``READ_MODEL_REFRESH_MARGIN``, ``READ_MODEL_REFRESH_POLL``)."""

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


def test_the_state_a_page_reads_is_the_orms_row(counted):
    """``read_model_as_of`` reads the state on a kept cursor on PostgreSQL: the same row, field by
    field, as the ORM reads; nothing for a read model never built."""
    assert read_models._state_read("test.counted") is None
    with clock.frozen(NOW + timedelta(microseconds=123456)):
        read_models.read_model_refresh("test.counted")
    read = read_models._state_read("test.counted")
    stored = ReadModelState.objects.get(name="test.counted")
    for field in ReadModelState._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(stored, field.attname), field.name
    assert read.as_of.tzinfo is not None and read._state.adding is False


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


def test_a_read_model_whose_rebuild_takes_long_starts_its_next_one_sooner(counted):
    """Due at 30 s, or at 60 s - the last rebuild - 5 s when that is sooner: a rebuild of 40 s
    starts again at 15 s, one of 55 s or more back to back."""
    assert timedelta(seconds=5) == rules.READ_MODEL_REFRESH_MARGIN
    assert read_models.read_model_due(None, NOW)  # never built
    for took, due_at in ((0, 30), (25, 30), (40, 15), (55, 0), (70, 0)):
        state = ReadModelState(
            name="test.counted",
            as_of=NOW,
            rows=1,
            refresh_ms=took * 1000,
            full_as_of=NOW,
            full_ms=took * 1000,
        )
        if due_at:
            assert not read_models.read_model_due(state, NOW + timedelta(seconds=due_at - 1))
        assert read_models.read_model_due(state, NOW + timedelta(seconds=due_at)), took


@pytest.fixture
def updated(monkeypatch):
    """A read model that can rewrite only what changed: its calls, and what its update returns."""
    calls: list = []
    answer = {"update": 2}

    def rebuild(as_of):
        calls.append(("rebuild", as_of))
        return 10

    def update(as_of):
        calls.append(("update", as_of))
        return answer["update"]

    model = read_models.ReadModel("test.updated", "Updated", rebuild, update=update)
    monkeypatch.setitem(read_models._REGISTRY, model.name, model)
    return calls, answer


def test_an_update_runs_between_whole_rebuilds_every_hour(updated):
    """Never built: rebuilt whole; then only what changed (rows counted from the change), until
    the last whole rebuild is ``READ_MODEL_FULL_REBUILD_EVERY`` old; ``full`` asks for one."""
    calls, _answer = updated
    assert timedelta(hours=1) == rules.READ_MODEL_FULL_REBUILD_EVERY
    with clock.frozen(NOW):
        state = read_models.read_model_refresh("test.updated")
    assert (state.rows, state.full_as_of) == (10, NOW)
    with clock.frozen(NOW + timedelta(seconds=30)):
        state = read_models.read_model_refresh("test.updated")
    assert (state.rows, state.as_of, state.full_as_of) == (12, NOW + timedelta(seconds=30), NOW)
    with clock.frozen(NOW + timedelta(minutes=59, seconds=59)):
        read_models.read_model_refresh("test.updated")
    with clock.frozen(NOW + timedelta(hours=1)):
        state = read_models.read_model_refresh("test.updated")
    assert (state.rows, state.full_as_of) == (10, NOW + timedelta(hours=1))
    with clock.frozen(NOW + timedelta(hours=1, seconds=1)):
        read_models.read_model_refresh("test.updated", full=True)
    assert [kind for kind, _at in calls] == ["rebuild", "update", "update", "rebuild", "rebuild"]


def test_an_update_that_declines_is_a_whole_rebuild(updated):
    calls, answer = updated
    with clock.frozen(NOW):
        read_models.read_model_refresh("test.updated")
    answer["update"] = None
    with clock.frozen(NOW + timedelta(seconds=30)):
        state = read_models.read_model_refresh("test.updated")
    assert [kind for kind, _at in calls] == ["rebuild", "update", "rebuild"]
    assert (state.rows, state.full_as_of) == (10, NOW + timedelta(seconds=30))


def test_the_refresh_before_a_whole_rebuild_starts_by_its_length(updated):
    """Updates are due at 30 s; the refresh that will rebuild whole is due by the last whole
    rebuild's length (a 46 s rebuild starts 9 s after the rows it replaces), so its rows land
    inside the 60 seconds too."""
    state = ReadModelState(
        name="test.updated",
        as_of=NOW,
        rows=1,
        refresh_ms=2_000,
        full_as_of=NOW - timedelta(minutes=30),
        full_ms=46_000,
    )
    assert not read_models.read_model_due(state, NOW + timedelta(seconds=29))
    assert read_models.read_model_due(state, NOW + timedelta(seconds=30))
    state.full_as_of = NOW - timedelta(hours=1)
    assert not read_models.read_model_due(state, NOW + timedelta(seconds=8))
    assert read_models.read_model_due(state, NOW + timedelta(seconds=9))


def test_the_refresh_loop_keeps_each_read_model_in_its_own_thread(counted, monkeypatch):
    """``read_models_refresh --loop`` gives every read model its own loop, polling each second:
    one read model's long rebuild never holds back another's."""
    import threading

    from django.db import connection

    from waymark.core.management.commands import read_models_refresh as command

    assert timedelta(seconds=1) == rules.READ_MODEL_REFRESH_POLL
    stop = threading.Event()
    rebuilt: list = []

    def report(name, rows):
        rebuilt.append((name, rows))
        stop.set()

    with clock.frozen(NOW):
        command.refresh_loop(["test.counted"], stop, report)  # in this thread: stops when told
    assert rebuilt == [("test.counted", 7)]
    started: list = []
    monkeypatch.setattr(
        command.threading,
        "Thread",
        lambda target, args, name, daemon: started.append(name) or _Done(),
    )
    from django.core.management import call_command

    call_command("read_models_refresh", "--loop")
    if connection.vendor == "postgresql":
        assert sorted(started) == sorted(read_models.read_models())
    else:  # one writer at a time: one thread for them all
        assert started == [",".join(read_models.read_models())]


def test_a_failed_rebuild_does_not_end_the_refresh_loop(counted, monkeypatch, caplog):
    import threading

    from waymark.core.management.commands import read_models_refresh as command

    stop = threading.Event()
    calls: list = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        stop.set()
        return {}

    monkeypatch.setattr(command, "read_models_refresh_stale", flaky)
    monkeypatch.setattr(command.rules, "READ_MODEL_REFRESH_INTERVAL", timedelta(0))
    command.refresh_loop(["test.counted"], stop)
    assert len(calls) == 2
    assert "Rebuilding test.counted failed" in caplog.text


class _Done:
    """A thread that has already finished (the command's loop then returns)."""

    def start(self):
        return None

    def is_alive(self):
        return False

    def join(self, timeout=None):
        return None


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


def test_a_whole_rebuild_that_rewrote_a_tenth_of_a_table_analyses_it():
    """PostgreSQL: a first build (every row new) leaves the planner statistics for the page that
    reads next; a rebuild that changed under a tenth of the rows leaves that to autovacuum, unless
    the planner's count of the table's rows is wrong."""
    from django.db import connection

    from waymark.operations.models import MeasureFact

    assert rules.READ_MODEL_ANALYZE_AFTER == 0.1
    assert rules.READ_MODEL_ROW_ESTIMATE_FACTOR == 2
    if connection.vendor != "postgresql":
        return
    table = MeasureFact._meta.db_table

    def analysed() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
            return cursor.fetchone()[0]

    rows = [
        {"measure": "m", "day": NOW.date() - timedelta(days=i), "team_id": 1, "k1": "a", "n": 1}
        for i in range(100)
    ]
    writer = read_models.FactsWriter(MeasureFact)
    writer.rows(rows)
    writer.finish()
    assert analysed() > 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
    assert analysed() == 0
    # One day's count changed: its row and its month's sum replaced, 4 rows of about 104.
    writer = read_models.FactsWriter(MeasureFact)
    writer.rows([*rows[:-1], {**rows[-1], "n": 2}])
    writer.finish()
    assert analysed() == 0
    # Ten days' counts changed: 20 daily rows and their months' sums replaced, over a tenth.
    writer = read_models.FactsWriter(MeasureFact)
    writer.rows([*rows[:-10], *({**row, "n": 5} for row in rows[-10:])])
    writer.finish()
    assert analysed() > 0
    # Statistics made when the table was empty (a bulk load's ANALYZE before the first build):
    # nothing rewritten, but the planner's count of rows is wrong, so analysed again.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
        cursor.execute("UPDATE pg_class SET reltuples = 0 WHERE oid = %s::regclass", [table])
    writer = read_models.FactsWriter(MeasureFact)
    writer.rows([*rows[:-10], *({**row, "n": 5} for row in rows[-10:])])
    writer.finish()
    assert analysed() > 0
    # At the boundary: half or double the rows written is close enough; beyond either, analysed.
    written = MeasureFact.objects.count()
    same = [*rows[:-10], *({**row, "n": 5} for row in rows[-10:])]
    for estimate, analyses in (
        (written / 2, False),
        (written / 2 - 1, True),
        (written * 2, False),
        (written * 2 + 1, True),
    ):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
            cursor.execute(
                "UPDATE pg_class SET reltuples = %s WHERE oid = %s::regclass", [estimate, table]
            )
        writer = read_models.FactsWriter(MeasureFact)
        writer.rows(same)
        assert writer.finish() == written
        assert (analysed() > 0) is analyses, estimate
