"""The measures' read model (issue 17 item 4): every figure the measures page and its CSV show, and
every objective's measure, read from the summary rows, equals the same figure computed live from
the records, on demo data, for several periods and teams; new records show after a rebuild and
not before; the page and the CSV state the as-of time."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from waymark import testing
from waymark.core import clock
from waymark.core.read_models import read_model_refresh
from waymark.demo.generator import demo_load
from waymark.operations import selectors
from waymark.operations.models import MeasureFact, Visit

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
READ_MODEL = "operations.measures"

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds a small demo


@pytest.fixture
def demo():
    with clock.frozen(ANCHOR):
        demo_load(
            scale=0.05,
            anchor=ANCHOR,
            correspondence=False,
            modules={"monitoring", "casework", "operations"},
        )


def _cases():
    from django.db.models import Count

    default = selectors.period_default()
    busiest = Visit.objects.values("team").annotate(n=Count("pk")).order_by("-n").first()["team"]
    from waymark.accounts.models import Team

    team = Team.objects.get(pk=busiest)
    periods = [
        default,
        selectors.Period(date(2026, 10, 1), date(2026, 10, 31)),
        selectors.Period(date(2026, 3, 17), date(2026, 8, 2)),
        selectors.Period(date(2019, 1, 1), date(2019, 2, 1)),  # nothing
    ]
    return [(p, t) for p in periods for t in (None, team)]


def _assert_same(period, team) -> None:
    live = selectors.measures_all(period, team)
    summary = selectors.measures_summary(period, team)
    for key in live:
        assert summary[key] == live[key], (key, period, team)
    for key in selectors.REGISTRY:
        assert selectors.measure_value_summary(key, summary) == selectors.measure_value(
            key, period, team
        ), (key, period, team)


def test_every_measure_equals_the_live_measure_then_new_records_show_after_a_rebuild(demo):
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        assert MeasureFact.objects.exists()
        cases = _cases()
        for period, team in cases:
            _assert_same(period, team)
        before = selectors.measures_summary(selectors.period_default())
        assert before["by_rating"] and sum(r["n"] for r in before["by_rating"]) > 0
    # A planned visit is deployed: within the 60 seconds the page shows the rows it had.
    later = ANCHOR + timedelta(seconds=20)
    with clock.frozen(later):
        visit = Visit.objects.filter(status="closed").order_by("pk").first()
        Visit.objects.filter(pk=visit.pk).update(status="cancelled")  # the records change
        stale = selectors.measures_summary(selectors.period_default())
        assert stale["as_of"] == ANCHOR
        assert stale["closure"]["closed"] == before["closure"]["closed"]
        live = selectors.measures_all(selectors.period_default())
        assert live["closure"]["closed"] == before["closure"]["closed"] - 1
    with clock.frozen(ANCHOR + timedelta(seconds=61)):
        fresh = selectors.measures_summary(selectors.period_default())
        assert fresh["as_of"] == ANCHOR + timedelta(seconds=61)
        for period, team in cases:
            _assert_same(period, team)


def test_the_page_and_the_csv_state_the_as_of_time(demo, client):
    client.force_login(testing.user_make("performance_analyst", None))
    with clock.frozen(ANCHOR):
        page = client.get("/operations/measures/")
        assert page.status_code == 200
        assert f'data-as-of="{ANCHOR.isoformat()}"' in page.content.decode()
        body = b"".join(client.get("/operations/measures.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][:3] == ["as_of", "Figures as of", ANCHOR.isoformat()]


def test_counts_written_by_the_database_equal_those_grouped_in_python(demo):
    """``FactsWriter.grouped`` (INSERT … SELECT … GROUP BY, the rows never in Python) writes the
    rows ``facts_grouped`` returns, keys written alike: a boolean with none ('True', 'False', ''),
    a number, a text and no key; and the monthly rows ``finish`` adds are the days' sums."""
    from collections import Counter

    from django.db.models import BooleanField, ExpressionWrapper, F, Q
    from django.db.models.functions import TruncDate

    from waymark.core.read_models import FactsWriter, facts_grouped, facts_replace
    from waymark.operations.models import Encounter, VisitOfficer

    late = ExpressionWrapper(Q(closed_at__gt=F("closure_due_at")), output_field=BooleanField())
    specs = [
        (Visit.objects.annotate(late=late), {"k1": F("late"), "k2": F("risk_rating")}),
        (Encounter.objects.all(), {"k1": F("visit__team_id"), "k2": F("nationality")}),
        (VisitOfficer.objects.all(), {}),
    ]
    day = {"day": TruncDate("visit__planned_start", tzinfo=clock.LONDON)}

    def table():
        fields = ("measure", "day", "until", "team_id", "k1", "k2", "n")
        return Counter(MeasureFact.objects.values_list(*fields))

    python_rows = []
    for i, (qs, keys) in enumerate(specs):
        dated = {"day": TruncDate("planned_start", tzinfo=clock.LONDON)} if i == 0 else day
        team = F("team_id") if i == 0 else F("visit__team_id")
        python_rows += facts_grouped(qs, measure=f"m{i}", team=team, **dated, **keys)
    assert {r["k1"] for r in python_rows if r["measure"] == "m0"} >= {"True", "False", ""}
    written = facts_replace(MeasureFact, python_rows)
    expected = table()
    writer = FactsWriter(MeasureFact)
    for i, (qs, keys) in enumerate(specs):
        dated = {"day": TruncDate("planned_start", tzinfo=clock.LONDON)} if i == 0 else day
        team = F("team_id") if i == 0 else F("visit__team_id")
        writer.grouped(qs, measure=f"m{i}", team=team, **dated, **keys)
    assert writer.finish() == written == sum(expected.values())
    assert table() == expected
    monthly = Counter()
    for r in python_rows:
        monthly[(r["measure"], r["day"].replace(day=1), r["team_id"], r["k1"], r["k2"])] += r["n"]
    got = {
        (m.removesuffix("@month"), d, t, k1, k2): n
        for (m, d, _u, t, k1, k2, n) in expected
        if m.endswith("@month")
    }
    assert got == dict(monthly)


def test_a_rebuild_writes_only_what_changed_and_mends_what_was_altered(demo):
    """On PostgreSQL a whole rebuild writes the difference (deleting every row and writing it
    again every 30 seconds left millions of dead rows at x100): with nothing changed no row is
    rewritten (same ids); rows deleted, altered or added by hand are put back as the records
    say, on either database (the whole rebuild every ``READ_MODEL_FULL_REBUILD_EVERY`` is the
    safety net for what change tracking cannot see)."""
    from collections import Counter

    from django.db import connection

    fields = ("measure", "day", "until", "team_id", "k1", "k2", "n")
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        rows = Counter(MeasureFact.objects.values_list(*fields))
        ids = set(MeasureFact.objects.values_list("pk", flat=True))
        read_model_refresh(READ_MODEL, full=True)
        if connection.vendor == "postgresql":
            assert set(MeasureFact.objects.values_list("pk", flat=True)) == ids
        first, second = MeasureFact.objects.order_by("pk")[:2]
        first.delete()
        second.n += 5
        second.save()
        MeasureFact.objects.create(measure="visit_rating", day=date(2026, 1, 1), k1="x", n=9)
        assert Counter(MeasureFact.objects.values_list(*fields)) != rows
        read_model_refresh(READ_MODEL, full=True)
    assert Counter(MeasureFact.objects.values_list(*fields)) == rows
    assert sum(rows.values()) == len(rows)  # one row a key


def test_no_two_summary_rows_share_their_keys(demo):
    """The difference written on PostgreSQL compares whole rows, so a rebuild writes one row a
    key: a missing key and an empty one (both written '') are one row with both counts, rows
    built in Python with the same keys are added together, and a measure is written once."""
    from collections import Counter

    from django.db.models import Case, CharField, F, Sum, Value, When

    from waymark.core.read_models import FactsWriter

    assert Visit.objects.filter(status="closed").exists()
    assert Visit.objects.exclude(status="closed").exists()
    blank_or_missing = Case(
        When(status="closed", then=Value("")), default=Value(None), output_field=CharField()
    )
    day = date(2026, 1, 2)
    writer = FactsWriter(MeasureFact)
    writer.grouped(Visit.objects.all(), measure="m", team=F("team_id"), k1=blank_or_missing)
    writer.rows(
        [
            {"measure": "p", "day": day, "team_id": 1, "k1": "a", "n": 2},
            {"measure": "p", "day": day, "team_id": 1, "k1": "a", "n": 3},
        ]
    )
    with pytest.raises(ValueError, match="already written"):
        writer.grouped(Visit.objects.all(), measure="m")
    with pytest.raises(ValueError, match="already written"):
        writer.rows([{"measure": "p", "day": day, "team_id": 2, "n": 1}])
    writer.finish()
    fields = ("measure", "day", "until", "team_id", "k1", "k2")
    keys = Counter(MeasureFact.objects.values_list(*fields))
    assert max(keys.values()) == 1
    teams = Visit.objects.values("team").distinct().count()
    assert MeasureFact.objects.filter(measure="m").count() == teams
    assert MeasureFact.objects.filter(measure="m").aggregate(t=Sum("n"))["t"] == (
        Visit.objects.count()
    )
    assert MeasureFact.objects.get(measure="p").n == 5
    assert MeasureFact.objects.get(measure="p@month").n == 5


FIELDS = ("measure", "day", "until", "team_id", "k1", "k2", "n")


def _table():
    from collections import Counter

    return Counter(MeasureFact.objects.values_list(*FIELDS))


def _change_every_kind_of_record() -> None:
    """A change of each kind of record the measures count, made as the ORM's bulk updates and
    deletes make them (no model signals): moved, edited, deleted, renamed."""
    from waymark.operations.models import (
        Debrief,
        EmployerSanction,
        Encounter,
        Premises,
        SafeguardingRecord,
        Sector,
        VisitOfficer,
    )
    from waymark.people.models import Person

    undertaken = Visit.objects.filter(status__in=["deployed", "closed"]).order_by("pk")
    first, second, third = undertaken[:3]
    # A visit moved to another team and forty days later (another month): both groups change.
    other_team = Visit.objects.exclude(team=first.team).values_list("team", flat=True).first()
    Visit.objects.filter(pk=first.pk).update(
        team_id=other_team, planned_start=first.planned_start + timedelta(days=40)
    )
    Visit.objects.filter(pk=second.pk).update(status="cancelled", risk_rating="high")
    moved = Encounter.objects.filter(visit__in=undertaken).exclude(visit=third).first()
    Encounter.objects.filter(pk=moved.pk).update(visit=third)
    Encounter.objects.filter(visit__in=undertaken[10:30]).update(nationality="FRA")
    EmployerSanction.objects.filter(pk__in=EmployerSanction.objects.values("pk")[:3]).delete()
    SafeguardingRecord.objects.filter(
        pk__in=SafeguardingRecord.objects.exclude(kind="nrm").values("pk")[:2]
    ).update(kind="nrm")
    Debrief.objects.filter(pk__in=Debrief.objects.values("pk")[:4]).update(
        intelligence_accuracy="inaccurate"
    )
    VisitOfficer.objects.filter(pk__in=VisitOfficer.objects.values("pk")[:5]).update(
        briefing_accepted_at=None
    )
    premises = Premises.objects.filter(visits__in=undertaken).first()
    Premises.objects.filter(pk=premises.pk).update(
        sector=Sector.objects.exclude(pk=premises.sector_id).first()
    )
    Sector.objects.filter(pk=Sector.objects.order_by("pk").first().pk).update(name="Renamed sector")
    # Another module's record: an offender's person merged (counted whole on every update).
    offender = Encounter.objects.filter(result="offender", person__isnull=False).first()
    survivor = Person.objects.exclude(pk=offender.person_id).filter(merged_into=None).first()
    Person.objects.filter(pk=offender.person_id).update(
        merged_into=survivor, record_status="merged"
    )


def test_an_update_recounts_what_changed_as_a_whole_rebuild_would(demo):
    """Between whole rebuilds a refresh recounts only the (team, day) groups whose records
    changed (noted by triggers on PostgreSQL) and the measures counted whole; the table it leaves
    is the one a whole rebuild writes, row for row, with its row count right. SQLite notes no
    changes: every refresh there is a whole rebuild."""
    from django.db import connection

    from waymark.operations.models import MeasureChange

    postgresql = connection.vendor == "postgresql"
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
    assert not MeasureChange.objects.exists()  # the whole rebuild took them
    _change_every_kind_of_record()
    if postgresql:
        assert MeasureChange.objects.exists()
    later = ANCHOR + timedelta(seconds=30)
    with clock.frozen(later):
        state = read_model_refresh(READ_MODEL)
    assert state.full_as_of == (ANCHOR if postgresql else later)
    assert not MeasureChange.objects.exists()
    updated = _table()
    assert state.rows == MeasureFact.objects.count()
    with clock.frozen(later):
        whole = read_model_refresh(READ_MODEL, full=True)
    assert whole.full_as_of == later
    assert _table() == updated
    for period, team in _cases():
        _assert_same(period, team)


def test_past_the_limit_of_changed_groups_a_refresh_rebuilds_whole(demo):
    """Past ``MEASURES_UPDATE_MAX_GROUPS`` (20,000) changed groups an update declines and the
    refresh rebuilds whole (a bulk load, a sector renamed): counted on PostgreSQL."""
    from django.db import connection

    from waymark.operations import rules
    from waymark.operations.models import MeasureChange
    from waymark.operations.services.measures_read_model import measures_read_model_update

    assert rules.MEASURES_UPDATE_MAX_GROUPS == 20_000
    if connection.vendor != "postgresql":
        assert measures_read_model_update(ANCHOR) is None
        return
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
    team = Visit.objects.values_list("team", flat=True).first()
    days = [date(1990, 1, 1) + timedelta(days=i) for i in range(20_000)]
    MeasureChange.objects.bulk_create([MeasureChange(team_id=team, day=d) for d in days])
    with clock.frozen(ANCHOR):
        assert measures_read_model_update(ANCHOR) is not None  # 20,000: recounted
    MeasureChange.objects.bulk_create(
        [MeasureChange(team_id=team, day=d) for d in [*days, date(2050, 1, 1)]]
    )
    with clock.frozen(ANCHOR + timedelta(seconds=30)):
        state = read_model_refresh(READ_MODEL)
    assert state.full_as_of == ANCHOR + timedelta(seconds=30)
    assert not MeasureChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_an_update_took_the_changes_waits_for_the_next(demo):
    """A writer whose transaction is open while an update takes the noted changes and recounts
    (PostgreSQL, real threads): its change is neither counted nor lost; the next update counts
    it, and the table is again the one a whole rebuild writes."""
    import threading

    from django.db import connection, connections, transaction

    from waymark.operations.models import Encounter, MeasureChange

    if connection.vendor != "postgresql":
        pytest.skip("changes are noted by PostgreSQL triggers; SQLite rebuilds whole")
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
    encounter = Encounter.objects.filter(visit__status__in=["deployed", "closed"]).first()
    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                Encounter.objects.filter(pk=encounter.pk).update(nationality="ZZZ")
                written.set()
                release.wait(30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(30)
    later = ANCHOR + timedelta(seconds=30)
    with clock.frozen(later):
        state = read_model_refresh(READ_MODEL)  # the writer has not committed
    assert state.full_as_of == ANCHOR  # an update
    assert not MeasureFact.objects.filter(measure="encounter", k1="ZZZ").exists()
    release.set()
    assert done.wait(30)
    thread.join()
    assert MeasureChange.objects.exists()  # the writer's change, left for the next update
    with clock.frozen(later + timedelta(seconds=30)):
        read_model_refresh(READ_MODEL)
        assert MeasureFact.objects.filter(measure="encounter", k1="ZZZ").exists()
        updated = _table()
        read_model_refresh(READ_MODEL, full=True)
    assert _table() == updated
