"""Read models for the figures pages (issue 17 item 4; docs/deployment.md "Read replica").

A figures page (the EM figures, the casework figures, the operations measures) reads summary rows,
not the records: each app keeps its own summary table (a ``core.models.FigureFactBase``) and
registers a ``ReadModel`` from its ``registrations.py`` whose ``rebuild(as_of)`` rewrites that table
set-based (one GROUP BY per figure) and returns the rows written. ``read_model_refresh`` runs the
rebuild in one transaction and records its as-of time in ``core.ReadModelState``: readers see the
old rows or the new ones, never half.

Freshness: ``read_model_as_of(name)``, which every figures page calls before it reads, rebuilds a
read model whose rows are older than ``rules.READ_MODEL_MAX_AGE`` (60 s) first, so a page never
shows older figures even with no background job running; ``manage.py read_models_refresh --loop``
(or the ``read_models_refresh_stale`` task) rebuilds them every ``READ_MODEL_REFRESH_INTERVAL`` so a
page normally finds them fresh. Two rebuilds of one read model never run at once on PostgreSQL (an
advisory lock): the second caller reads the rows there are, with their as-of time.

The summary tables and ``ReadModelState`` are what ``core.db_router`` sends to a read replica.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connections, models, router, transaction

from waymark.core import clock, rules
from waymark.core.models import ReadModelState

WRITE_ALIAS = "default"
FIRST_BUILD_WAIT_STEPS = 600  # tenths of a second: a first build at x100 takes seconds


@dataclass(frozen=True)
class ReadModel:
    """``rebuild(as_of)`` rewrites the app's own summary rows, returning how many the table holds.

    ``update(as_of)``, when given, rewrites only the rows the records changed since the last
    rebuild or update touched (the app tracks its changes) and returns by how much the table's
    row count changed, or None when a whole rebuild is the better way (it could not tell what
    changed, or too much did). ``read_model_refresh`` calls it between whole rebuilds, which
    still run every ``rules.READ_MODEL_FULL_REBUILD_EVERY``."""

    name: str
    label: str
    rebuild: Callable[[datetime], int]
    tables: tuple[type[models.Model], ...] = field(default=())
    update: Callable[[datetime], int | None] | None = None


_REGISTRY: dict[str, ReadModel] = {}


def register_read_model(model: ReadModel) -> None:
    existing = _REGISTRY.get(model.name)
    if existing is not None and existing != model:
        raise ValueError(f"Read model {model.name!r} is already registered")
    _REGISTRY[model.name] = model


def read_models() -> dict[str, ReadModel]:
    return dict(sorted(_REGISTRY.items()))


def read_model_tables() -> set[str]:
    """The labels (``app.model``, lower case) of every summary table, and the as-of table."""
    labels = {ReadModelState._meta.label_lower}
    for model in _REGISTRY.values():
        labels.update(table._meta.label_lower for table in model.tables)
    return labels


def _try_lock(name: str) -> bool:
    """On PostgreSQL, one rebuild of a read model at a time (held to the end of the transaction);
    SQLite serialises writers by itself."""
    connection = connections[WRITE_ALIAS]
    if connection.vendor != "postgresql":
        return True
    key = zlib.crc32(f"read_model:{name}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return bool(cursor.fetchone()[0])


def read_model_refresh(name: str, *, full: bool = False) -> ReadModelState | None:
    """Rebuild one read model in one transaction; None if another rebuild of it is under way.

    A read model with an ``update`` has only what changed rewritten, unless it was never built,
    its last whole rebuild is ``rules.READ_MODEL_FULL_REBUILD_EVERY`` old, ``update`` declines, or
    ``full`` asks for a whole rebuild."""
    try:
        model = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"No read model is registered as {name!r}") from None
    began = time.perf_counter()
    with transaction.atomic(using=WRITE_ALIAS):
        if not _try_lock(name):
            return None
        as_of = clock.now()
        state = ReadModelState.objects.using(WRITE_ALIAS).filter(name=name).first()
        rows = None
        if not full and model.update is not None and not _full_due(state, as_of):
            assert state is not None  # _full_due: a read model never built is rebuilt whole
            changed = model.update(as_of)
            if changed is not None:
                rows = max(state.rows + changed, 0)
        whole = rows is None
        if whole:
            rows = model.rebuild(as_of)
        took = round(1000 * (time.perf_counter() - began))
        defaults = {"as_of": as_of, "rows": rows, "refresh_ms": took}
        if whole:
            defaults.update(full_as_of=as_of, full_ms=took)
        state, _created = ReadModelState.objects.using(WRITE_ALIAS).update_or_create(
            name=name, defaults=defaults
        )
    return state


def _full_due(state: ReadModelState | None, now: datetime) -> bool:
    """Whether a refresh at ``now`` must rebuild the whole read model."""
    return (
        state is None
        or state.full_as_of is None
        or now - state.full_as_of >= rules.READ_MODEL_FULL_REBUILD_EVERY
    )


def read_model_is_stale(state: ReadModelState | None) -> bool:
    return state is None or clock.now() - state.as_of > rules.READ_MODEL_MAX_AGE


def read_model_as_of(name: str) -> datetime:
    """The as-of time of the rows a page is about to read, rebuilding them first when they are
    older than ``rules.READ_MODEL_MAX_AGE`` (or were never built). The freshness is judged on the
    primary; the time returned is the one the reader's database (perhaps a replica) holds, so the
    page states the age of the rows it actually shows."""
    state = _state_read(name)
    if read_model_is_stale(state):
        fresh = read_model_refresh(name)
        if fresh is None and state is None:
            # Another process is building the first rows: wait for them rather than show nothing.
            for _ in range(FIRST_BUILD_WAIT_STEPS):  # pragma: no cover - a race of two first views
                time.sleep(0.1)
                fresh = ReadModelState.objects.using(WRITE_ALIAS).filter(name=name).first()
                if fresh is not None:
                    break
            else:  # pragma: no cover
                raise RuntimeError(f"Read model {name!r} is being built; try again")
        state = fresh or state
    if router.db_for_read(ReadModelState) not in (None, WRITE_ALIAS):
        shown = ReadModelState.objects.filter(name=name).first()  # routed: the replica
        if shown is not None:
            return shown.as_of
    # Without a replica the primary's row just read is the one the page shows: no second read.
    assert state is not None
    return state.as_of


_STATE_COLUMNS = ("name", "as_of", "refresh_ms", "rows", "full_as_of", "full_ms")
_STATE_SQL = (
    f"SELECT {', '.join(_STATE_COLUMNS)} FROM {ReadModelState._meta.db_table} WHERE name = %s"  # noqa: S608 (the model's table and columns)
)


def _state_read(name: str) -> ReadModelState | None:
    """The read model's state on the primary. On PostgreSQL one statement written once on the
    cursor kept for the connection: every figures page asks before it reads, and the ORM's
    building of this one-row query cost more than the query (about 0.3 ms of a page). Elsewhere,
    and when Django is logging statements, the ORM's read."""
    connection = connections[WRITE_ALIAS]
    if connection.vendor != "postgresql":
        return ReadModelState.objects.using(WRITE_ALIAS).filter(name=name).first()
    from waymark.core.kept_cursors import fetch_one

    row = fetch_one(connection, _STATE_SQL, (name,))
    if row is None:
        return None
    return ReadModelState.from_db(WRITE_ALIAS, list(_STATE_COLUMNS), list(row))


def read_model_due(state: ReadModelState | None, now: datetime) -> bool:
    """Whether the background refresh should rebuild now: its rows are
    ``READ_MODEL_REFRESH_INTERVAL`` old, or, when the last rebuild took long, old enough that
    waiting longer would let them pass ``READ_MODEL_MAX_AGE`` before the next rebuild lands
    (``READ_MODEL_REFRESH_MARGIN`` to spare). A rebuild that takes half the maximum age or more
    cannot keep rows younger than it however early it starts (the rows shown until a rebuild
    lands are the previous rebuild's): such a read model is rebuilt back to back. When the next
    refresh will be a whole rebuild (``_full_due``), the last whole rebuild's length counts."""
    if state is None:
        return True
    took = state.full_ms if _full_due(state, now) else state.refresh_ms
    last = timedelta(milliseconds=took or 0)
    start_by = min(
        rules.READ_MODEL_REFRESH_INTERVAL,
        rules.READ_MODEL_MAX_AGE - last - rules.READ_MODEL_REFRESH_MARGIN,
    )
    return now - state.as_of >= max(start_by, timedelta(0))


def read_models_refresh_stale(*, older_than=None, names=None) -> dict[str, int | None]:
    """Rebuild every read model (or those in ``names``) that is due (``read_model_due``; or,
    given ``older_than``, whose rows are at least that old); returns each rebuilt one's row count
    (None: another rebuild held it)."""
    states = {s.name: s for s in ReadModelState.objects.using(WRITE_ALIAS).all()}
    now = clock.now()
    done: dict[str, int | None] = {}
    for name in names if names is not None else read_models():
        state = states.get(name)
        old_enough = older_than is not None and (state is None or now - state.as_of >= older_than)
        if old_enough or (older_than is None and read_model_due(state, now)):
            fresh = read_model_refresh(name)
            done[name] = fresh.rows if fresh else None
    return done


# ------------------------------------------------------------------------------------------------
# Writing and reading summary rows (``core.models.FigureFactBase``)


def _grouped_query(
    queryset: models.QuerySet, *, day=None, until=None, team=None, k1=None, k2=None, n=None
):
    from django.db.models import Count, Value

    exprs = {
        "_day": day if day is not None else Value(None, output_field=models.DateField()),
        "_until": until if until is not None else Value(None, output_field=models.DateField()),
        "_team": team if team is not None else Value(None, output_field=models.BigIntegerField()),
        "_k1": k1 if k1 is not None else Value("", output_field=models.CharField()),
        "_k2": k2 if k2 is not None else Value("", output_field=models.CharField()),
    }
    return (
        queryset.order_by()
        .annotate(**exprs)
        .values(*exprs)
        .annotate(_n=n if n is not None else Count("pk"))
    )


def facts_grouped(queryset: models.QuerySet, *, measure: str, **keys) -> list[dict]:
    """One GROUP BY over ``queryset``: a summary row per (day, until, team, k1, k2) with ``n``
    (default: the count of records). The keyword arguments ``day``, ``until``, ``team``, ``k1``,
    ``k2`` and ``n`` are expressions over the queryset's model."""
    return [
        {
            "measure": measure,
            "day": r["_day"],
            "until": r["_until"],
            "team_id": r["_team"],
            "k1": "" if r["_k1"] is None else str(r["_k1"]),
            "k2": "" if r["_k2"] is None else str(r["_k2"]),
            "n": r["_n"] or 0,
        }
        for r in _grouped_query(queryset, **keys)
    ]


MONTHLY = "@month"  # the suffix of a measure's monthly rows
FACT_COLUMNS = ("measure", "day", "until", "team_id", "k1", "k2", "n")


def facts_replace(table: type[models.Model], rows: list[dict]) -> int:
    """Delete every summary row of ``table`` and write ``rows`` (called inside the rebuild's
    transaction, so readers see the old rows until it commits)."""
    writer = FactsWriter(table)
    writer.rows(rows)
    return writer.finish()


class FactsWriter:
    """Rewrite one summary table inside the rebuild's transaction (readers see the old rows until
    it commits): ``grouped`` counts in the database (``INSERT … SELECT … GROUP BY``: the rows never
    come to Python, which at x100 was most of a rebuild), ``rows`` writes rows built in Python
    (one COPY on PostgreSQL), ``finish`` adds each dated row up by month (``measure + MONTHLY``,
    dated the 1st, so a long period reads a dozen rows a key instead of one a day) and returns how
    many rows the table holds.

    On PostgreSQL the new rows are built in a temporary table and only the difference is written:
    the rows no longer there are deleted and the new ones inserted. Deleting and rewriting every
    row every 30 seconds left the table's dead rows to autovacuum faster than it could clear them:
    at x100 (5.8 million rows) 25 million dead rows after a few rebuilds, 3.5 GB, and the
    measures page twice as slow for reading past them."""

    def __init__(
        self,
        table: type[models.Model],
        *,
        groups: str | None = None,
        whole: frozenset[str] | set[str] = frozenset(),
    ):
        """``groups``, on PostgreSQL, names a temporary table of (``team_id``, ``day``) pairs: the
        writer then rewrites only those groups' daily rows and their months' sums, for every
        measure but those in ``whole``, which are rewritten entirely (their difference). The
        querysets and rows given must then hold exactly those groups' records."""
        self.connection = connections[WRITE_ALIAS]
        self.postgresql = self.connection.vendor == "postgresql"
        if groups is not None and not self.postgresql:
            raise ValueError("A rewrite of some groups only is made on PostgreSQL")
        self.groups = groups
        self.whole = frozenset(whole)
        self._rewritten = 0  # rows deleted and inserted by the last difference written
        quote = self.connection.ops.quote_name
        self.name = quote(table._meta.db_table)
        self.columns = ", ".join(quote(c) for c in FACT_COLUMNS)
        self.written = 0
        self.from_python: set[str] = set()  # measures written by ``rows``
        self.measures: set[str] = set()  # every measure written
        with self.connection.cursor() as cursor:
            if self.postgresql:
                # Room to group and compare in memory: sorting a x100 table's rows on disk
                # doubled a rebuild.
                cursor.execute(f"SET LOCAL work_mem = '{rules.READ_MODEL_WORK_MEM}'")
                self.target = _NEW_FACTS
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_NEW_FACTS}")
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {_NEW_FACTS} ON COMMIT DROP AS "  # noqa: S608 - names
                    f"SELECT {self.columns} FROM {self.name} WITH NO DATA"
                )
            else:
                self.target = self.name
                cursor.execute(f"DELETE FROM {self.name}")  # noqa: S608 - the table's own name

    def grouped(self, queryset: models.QuerySet, *, measure: str, **keys) -> None:
        """What ``facts_grouped`` returns, written by the database itself."""
        query = _grouped_query(queryset, **keys).query
        sql, params = query.sql_with_params()

        def cast(key: str, to: str) -> str:
            # PostgreSQL types a NULL parameter as text; SQLite would turn a date into a number.
            return f'CAST(s."{key}" AS {to})' if self.postgresql else f's."{key}"'

        text = {
            key: _as_text(f's."{key}"', query.annotations[key].output_field)
            for key in ("_k1", "_k2")
        }
        self._claim(measure)
        # The day's rows, one per key as written (a missing key and an empty one are both ''),
        # and their sums by month from the same result (so the monthly sums are made a measure
        # at a time, not over the whole table at the end).
        statement = (
            f"INSERT INTO {self.target} ({self.columns}) "  # noqa: S608 - names and compiled SQL
            f"WITH s AS MATERIALIZED ({sql}), d (m, day, until, team_id, k1, k2, n) AS ("
            f"SELECT CAST(%s AS varchar), {cast('_day', 'date')}, {cast('_until', 'date')}, "
            f"{cast('_team', 'bigint')}, {text['_k1']}, {text['_k2']}, "
            f'SUM(COALESCE(s."_n", 0)) FROM s GROUP BY 1, 2, 3, 4, 5, 6) '
            "SELECT * FROM d"
        )
        arguments: tuple = (*params, measure)
        if not self._some_groups(measure):  # a part's monthly sums are made from the table
            statement += (
                f" UNION ALL SELECT m || %s, {self._month}, NULL, team_id, k1, k2, SUM(n) FROM d "  # noqa: S608 - names only
                "WHERE day IS NOT NULL AND until IS NULL GROUP BY m, 2, team_id, k1, k2"
            )
            arguments += (MONTHLY,)
        with self.connection.cursor() as cursor:
            cursor.execute(statement, arguments)
            self.written += max(cursor.rowcount, 0)

    def _some_groups(self, measure: str) -> bool:
        return self.groups is not None and measure not in self.whole

    def rows(self, rows: list[dict]) -> None:
        """Rows built in Python; two with the same keys are written as one, their ``n`` added."""
        merged: dict[tuple, int] = {}
        for row in rows:
            key = tuple(row.get(c, "" if c in ("k1", "k2") else None) for c in FACT_COLUMNS[:-1])
            merged[key] = merged.get(key, 0) + row["n"]
        for measure in {key[0] for key in merged}:
            self._claim(measure)
        self.from_python.update(key[0] for key in merged)
        values = [(*key, n) for key, n in merged.items()]
        with self.connection.cursor() as cursor:
            if self.postgresql:
                statement = f"COPY {self.target} ({self.columns}) FROM STDIN"
                with cursor.cursor.copy(statement) as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join(["%s"] * len(FACT_COLUMNS))
                statement = f"INSERT INTO {self.target} ({self.columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(statement, values)
        self.written += len(values)

    def _claim(self, measure: str) -> None:
        """One call writes each measure, so no two rows share their keys: the difference written
        on PostgreSQL compares whole rows, and would keep one of two equal ones."""
        if measure in self.measures:
            raise ValueError(f"Measure {measure!r} is already written in this rebuild")
        self.measures.add(measure)

    @property
    def _month(self) -> str:
        if self.postgresql:
            return "CAST(date_trunc('month', day) AS date)"
        return "date(day, 'start of month')"

    def finish(self) -> int:
        """The monthly sums of the rows written by ``rows`` (``grouped`` wrote its own), then,
        on PostgreSQL, the difference to the table."""
        with self.connection.cursor() as cursor:
            monthly_here = {m for m in self.from_python if not self._some_groups(m)}
            if monthly_here:
                measures = sorted(monthly_here)
                marks = ", ".join(["%s"] * len(measures))
                statement = (
                    f"INSERT INTO {self.target} ({self.columns}) "  # noqa: S608 - names only
                    f"SELECT measure || %s, {self._month}, NULL, team_id, k1, k2, SUM(n) "
                    f"FROM {self.target} WHERE measure IN ({marks}) AND day IS NOT NULL "
                    "AND until IS NULL GROUP BY measure, 2, team_id, k1, k2"
                )
                cursor.execute(statement, [MONTHLY, *measures])
                self.written += max(cursor.rowcount, 0)
            if self.groups is not None:
                return self._write_groups(cursor)
            if self.postgresql:
                self._write_difference(cursor)
                if self._statistics_stale(cursor):
                    cursor.execute(f"ANALYZE {self.name}")
        return self.written

    def _statistics_stale(self, cursor) -> bool:
        """After a whole rebuild: whether it rewrote ``READ_MODEL_ANALYZE_AFTER`` of the rows, or
        the planner's count of the table's rows is off by ``READ_MODEL_ROW_ESTIMATE_FACTOR`` either
        way (statistics made when the table was empty, say after a bulk load and before the first
        build)."""
        if self._rewritten >= rules.READ_MODEL_ANALYZE_AFTER * max(self.written, 1):
            return True
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.name])
        estimate = cursor.fetchone()[0]
        factor = rules.READ_MODEL_ROW_ESTIMATE_FACTOR
        return not (self.written / factor <= estimate <= self.written * factor)

    def _delete_in(self, cursor, groups: str, day: str, measures: list[str]) -> int:
        """Delete the rows of ``measures`` dated by a (team, ``day``) pair of table ``groups``."""
        cursor.execute(
            f"DELETE FROM {self.name} f USING {groups} g "  # noqa: S608 - names only
            f"WHERE f.measure = ANY(%s) AND f.team_id = g.team_id AND f.day = g.{day}",
            [measures],
        )
        return cursor.rowcount

    def _write_groups(self, cursor) -> int:
        """Rewrite the groups' daily rows and their months' sums for every measure written but
        those in ``whole``, and the difference for those; returns by how much the table's row
        count changed."""
        parts = sorted(m for m in self.measures if m not in self.whole)
        monthly = [m + MONTHLY for m in parts]
        assert self.groups is not None
        change = -self._delete_in(cursor, self.groups, "day", parts)
        cursor.execute(
            f"INSERT INTO {self.name} ({self.columns}) SELECT {self.columns} "  # noqa: S608
            f"FROM {_NEW_FACTS} WHERE measure = ANY(%s)",
            [parts],
        )
        change += cursor.rowcount
        # The months the groups fall in, summed again from the table's daily rows.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_MONTHS}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_MONTHS} ON COMMIT DROP AS "  # noqa: S608 - names only
            "SELECT DISTINCT team_id, CAST(date_trunc('month', day) AS date) AS month "
            f"FROM {self.groups}"
        )
        change -= self._delete_in(cursor, _MONTHS, "month", monthly)
        cursor.execute(
            f"INSERT INTO {self.name} ({self.columns}) "  # noqa: S608 - names only
            "SELECT f.measure || %s, g.month, NULL, f.team_id, f.k1, f.k2, SUM(f.n) "
            f"FROM {self.name} f JOIN {_MONTHS} g ON f.team_id = g.team_id "
            "AND f.day >= g.month AND f.day < g.month + interval '1 month' "
            "WHERE f.measure = ANY(%s) AND f.until IS NULL "
            "GROUP BY f.measure, g.month, f.team_id, f.k1, f.k2",
            [MONTHLY, parts],
        )
        change += cursor.rowcount
        whole = sorted(self.whole & self.measures)
        if whole:
            change += self._write_difference(cursor, [*whole, *(m + MONTHLY for m in whole)])
        return change

    def _write_difference(self, cursor, measures: list[str] | None = None) -> int:
        """Delete the rows that are not among the new ones, insert the new ones that are not
        there (a row is its seven values; a rebuild never writes two rows with the same keys);
        only the rows of ``measures`` when given. Returns the change in the table's rows."""
        cursor.execute(f"ANALYZE {_NEW_FACTS}")  # or the planner guesses a nested loop
        same = " AND ".join(
            f"COALESCE(t.{c}, {blank}) = COALESCE(f.{c}, {blank})"
            for c, blank in (
                ("measure", "''"),
                ("day", "'-infinity'::date"),
                ("until", "'-infinity'::date"),
                ("team_id", "-1"),
                ("k1", "''"),
                ("k2", "''"),
                ("n", "-1"),
            )
        )
        # Seven keys make the planner overrate a hash join and sort both sides by their text
        # instead (3.7 s against 0.7 s at x10): hashing is asked for, for these two statements.
        # Nor a nested loop: against an empty table (a first build) the planner chose one for
        # the INSERT, which then rescans every row it has inserted so far for each new row
        # (x100's first build ran 14 minutes before it was stopped).
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        only: tuple[str, str, list] = ("", "", [])
        if measures is not None:
            only = (" AND f.measure = ANY(%s)", " AND t.measure = ANY(%s)", [measures])
        cursor.execute(
            f"DELETE FROM {self.name} f WHERE NOT EXISTS "  # noqa: S608 - names only
            f"(SELECT 1 FROM {_NEW_FACTS} t WHERE {same}){only[0]}",
            only[2],
        )
        change = -cursor.rowcount
        self._rewritten = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {self.name} ({self.columns}) SELECT {self.columns} "  # noqa: S608
            f"FROM {_NEW_FACTS} t WHERE NOT EXISTS (SELECT 1 FROM {self.name} f WHERE {same})"
            f"{only[1]}",
            only[2],
        )
        change += cursor.rowcount
        self._rewritten += cursor.rowcount
        cursor.execute("SET LOCAL enable_mergejoin TO DEFAULT")
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
        return change


_NEW_FACTS = "waymark_new_facts"  # FactsWriter's temporary table (PostgreSQL)
_MONTHS = "waymark_fact_months"  # the (team, month) pairs a rewrite of some groups touches


def _as_text(column: str, field) -> str:
    """A key as ``facts_grouped`` writes it (``str`` of the value, '' for none)."""
    if isinstance(field, models.BooleanField):
        return f"CASE WHEN {column} IS NULL THEN '' WHEN {column} THEN 'True' ELSE 'False' END"
    return f"COALESCE(CAST({column} AS TEXT), '')"


def _month_after(day):
    """The first day of the first whole month starting on or after ``day``."""
    if day.day == 1:
        return day
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def facts_sum(
    table: type[models.Model],
    measures,
    *,
    start=None,
    end=None,
    at=None,
    current: bool = False,
    team_id: int | None = None,
    by_month: bool = False,
    by_team: bool = False,
) -> dict[tuple, int]:
    """SUM(n) by (measure, k1, k2) over the summary rows of ``measures``: dated in [start, end), or
    in force on day ``at`` (``day <= at < until``), or undated (``current``); for one team when
    given; by month as well (the key's first item) with ``by_month``. A period's whole months are
    read from the monthly rows (``facts_replace``), its ragged ends from the daily ones. With
    ``by_team`` the team is the key's first item (before the month)."""
    from django.db.models import Q, Sum
    from django.db.models.functions import TruncMonth

    measures = list(measures)
    qs = table._default_manager.all()
    if start is not None and end is not None and at is None and not current:
        first, last = _month_after(start), end.replace(day=1)
        if first < last:
            days = Q(day__gte=start, day__lt=first) | Q(day__gte=last, day__lt=end)
            qs = qs.filter(
                (Q(measure__in=measures) & days)
                | Q(measure__in=[m + MONTHLY for m in measures], day__gte=first, day__lt=last)
            )
        else:
            qs = qs.filter(measure__in=measures, day__gte=start, day__lt=end)
    else:
        qs = qs.filter(measure__in=measures)
        if current:
            qs = qs.filter(day__isnull=True)
        if start is not None:
            qs = qs.filter(day__gte=start)
        if end is not None:
            qs = qs.filter(day__lt=end)
        if at is not None:
            qs = qs.filter(day__lte=at).filter(Q(until__isnull=True) | Q(until__gt=at))
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    keys = ["measure", "k1", "k2"]
    if by_month:
        qs = qs.annotate(month=TruncMonth("day"))
        keys = ["month", *keys]
    if by_team:
        keys = ["team_id", *keys]
    result: dict[tuple, int] = {}
    for row in qs.order_by().values(*keys).annotate(total=Sum("n")):
        row["measure"] = row["measure"].removesuffix(MONTHLY)
        key = tuple(row[k] for k in keys)
        result[key] = result.get(key, 0) + row["total"]
    return result
