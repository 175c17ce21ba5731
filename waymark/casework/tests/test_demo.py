"""The casework demo data reproduces the seeds' figures (001 Figures 1, 6, 7, 8, 9; §7.20, §7.26)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from django.db import transaction

from waymark.casework import demo, selectors
from waymark.casework.models import Case, ReportingEvent
from waymark.core import clock
from waymark.demo.generator import OWNERSHIP, demo_load
from waymark.people.models import Person, TimelineEvent

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds the demo
ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
SCALE = 0.1


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module and rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load(scale=SCALE, seed=2026, anchor=ANCHOR, correspondence=False)
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def figures(loaded, django_db_blocker):
    with django_db_blocker.unblock(), clock.frozen(ANCHOR):
        result = selectors.mi_figures()
        extra = {
            "weekly": [w["missed"] for w in result["missed_weeks"][:-1]],
            "open_cases": Case.objects.filter(status="open").count(),
            "past_blank": ReportingEvent.objects.filter(
                outcome="", due_on__lt=ANCHOR.date(), cancelled=False
            ).count(),
        }
    return result, extra


def test_figure_1_cases_by_team_follow_the_seed_shares(figures):
    f, _extra = figures
    totals = {row["team"]: row["total"] for row in f["figure_1"]}
    share = totals["Criminal casework Croydon"] / f["figure_1_total"]
    assert abs(share - OWNERSHIP["criminal-casework-croydon"] / sum(OWNERSHIP.values())) < 0.04
    assert all(len(row["bands"]) == 4 for row in f["figure_1"])


def test_non_detained_stock_reporting_and_absconders_follow_001_7_20(figures):
    f, _extra = figures
    assert f["non_detained"] == round(demo.NON_DETAINED_AT_X1 * SCALE)
    assert f["absconders"] == round(
        f["non_detained"] * demo.ABSCONDERS_AT_X1 / demo.NON_DETAINED_AT_X1
    )
    assert f["reporting_population"] == f["non_detained"] - f["absconders"]


def test_missed_events_are_700_to_750_a_week_at_x1(figures):
    _f, extra = figures
    weekly = extra["weekly"]
    assert 600 * SCALE <= sum(weekly) / len(weekly) <= 850 * SCALE
    assert extra["past_blank"] > 0  # blanks exist, for the centres to be chased


def test_figure_6_one_year_of_removals_in_the_2016_17_proportions(figures):
    f, _extra = figures
    year = f["figure_6"][0]
    assert year["year"] == "2025/26"
    assert year["removed"] == round(6_182 * SCALE) and year["failed"] == round(3_106 * SCALE)
    assert (year["removed_pct"], year["failed_pct"]) == (67, 33)


def test_figures_7_and_8_the_two_charters(figures):
    f, _extra = figures
    charters = [(c["planned"], c["removed"]) for c in f["charters"]]
    assert charters == [(round(p * SCALE), round(r * SCALE)) for _ref, _m, p, r in demo.CHARTERS]
    reasons = Counter()
    for c in f["charters"]:
        reasons.update(dict(c["reasons"]))
    labels = {k: lbl for k, lbl, _n in f["figure_8"]}
    top = {k: reasons[labels[k]] for k in demo.FIGURE_8}
    assert sum(top.values()) == round(sum(demo.FIGURE_8.values()) * SCALE)
    assert top["fresh_asylum_claim"] >= top["judicial_review"] >= top["no_visit_resources"]


def test_figure_9_referred_and_located_each_year(figures):
    f, _extra = figures
    rows = {r["year"]: (r["referred"], r["located"]) for r in f["figure_9"]}
    first = ANCHOR.year - len(demo.FIGURE_9) + 1
    for offset, (referred, located) in enumerate(demo.FIGURE_9):
        assert rows[first + offset] == (round(referred * SCALE), round(located * SCALE))


# --- one reporting history (issue 16 problem 8) ----------------------------------------------


def _casework_entries() -> dict[int, TimelineEvent]:
    return {
        int(t.related_id): t
        for t in TimelineEvent.objects.filter(related_type="casework.reportingevent")
    }


def test_the_casework_tab_and_the_timeline_tell_one_reporting_history(loaded):
    """For everyone with reporting events, the casework tab's history (what it lists, and when)
    is the timeline's reporting entries: the same events at the same times."""
    timeline: dict[int, dict[int, tuple]] = defaultdict(dict)
    for pk, t in _casework_entries().items():
        timeline[t.person_id][pk] = (t.occurred_at, t.event_type)
    people = Person.objects.filter(pk__in=ReportingEvent.objects.values("person_id"))
    checked = 0
    with clock.frozen(ANCHOR):
        for person in people:
            shown = selectors.reporting_history(person, limit=None)
            tab = {
                e.pk: (e.occurred_at, f"reporting.{e.outcome}")
                for e in shown["history"]
                if e.outcome
            }
            assert tab == timeline[person.pk], person.pk
            attended = [at for at, kind in tab.values() if kind == "reporting.attended"]
            last = shown["last_attended"]
            assert (last.occurred_at if last else None) == max(attended, default=None)
            checked += bool(tab)
    assert checked > 100


def test_every_demo_reporting_time_is_inside_its_window(loaded):
    """Attendance is recorded at the counter inside the window, a no-show once it has closed, and
    the time the history shows for each event (its timeline entry) is inside its window."""
    entries = _casework_entries()
    wrong = []
    events = ReportingEvent.objects.exclude(outcome="")
    for e in events:
        opens = datetime.combine(e.due_on, e.window_start, tzinfo=clock.LONDON)
        closes = opens + timedelta(minutes=e.window_minutes)
        recorded = e.outcome_recorded_at
        recorded_ok = (
            closes <= recorded <= ANCHOR if e.outcome == "no_show" else opens <= recorded <= closes
        )
        entry = entries.get(e.pk)
        if not (recorded_ok and entry is not None and opens <= entry.occurred_at <= closes):
            wrong.append((e.pk, e.outcome, opens, recorded, entry and entry.occurred_at))
    assert events.count() > 1000
    assert wrong == []


def test_no_reporting_entry_on_the_timeline_that_no_reporting_event_backs(loaded):
    stray = TimelineEvent.objects.filter(
        person_id__in=ReportingEvent.objects.values("person_id"),
        event_type__startswith="reporting.",
    ).exclude(related_type="casework.reportingevent")
    assert list(stray.values_list("person_id", "occurred_at", "summary")[:5]) == []
