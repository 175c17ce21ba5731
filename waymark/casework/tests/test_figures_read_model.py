"""The casework figures' read model (issue 17 item 4): every counted figure read from the summary
rows equals the same figure computed live from the records (``selectors.mi_figures``) on demo
data; new records show after a rebuild and not before it, and stale rows are rebuilt on read."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from waymark.casework import rules, selectors
from waymark.casework.models import (
    CaseworkFigureFact,
    DetentionRequest,
    EtdApplication,
    RemovalDirection,
)
from waymark.casework.selectors.figures import etd_by_country
from waymark.casework.selectors.figures_read_model import mi_counted_figures, mi_dated_figures
from waymark.casework.tests.conftest import user_make
from waymark.core import clock
from waymark.core.models import ReadModelState
from waymark.core.read_models import read_model_refresh
from waymark.demo.generator import demo_load

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
READ_MODEL = "casework.figures"

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds a small demo


@pytest.fixture
def demo():
    with clock.frozen(ANCHOR):
        demo_load(scale=0.05, anchor=ANCHOR, correspondence=False, modules={"casework"})


def _assert_same() -> dict:
    live = selectors.mi_figures()
    as_of, summary = mi_counted_figures()
    etd = summary.pop("etd_counts")
    for key, value in summary.items():
        assert value == live[key], key
    assert etd == sorted((r["country"], r["status"], r["n"]) for r in etd_by_country())
    return {"as_of": as_of, **summary}


def _clone(model, **changes):
    row = model.objects.order_by("pk").first()
    row.pk = None
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()


def test_every_counted_figure_equals_the_live_figure_then_new_rows_show_after_a_rebuild(demo):
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        assert CaseworkFigureFact.objects.exists()
        before = _assert_same()
        assert before["as_of"] == ANCHOR
        assert before["gatekeeping"]["requests"] > 0 and before["voluntary_return"]["offered"] > 0
        assert before["figure_1_total"] > 0 and before["figure_6"]
    later = ANCHOR + timedelta(seconds=30)
    with clock.frozen(later):
        _clone(DetentionRequest)
        _clone(EtdApplication)
        _clone(RemovalDirection)
        # Within the 60 seconds the rows read are the ones built at ANCHOR: the new rows are not in.
        as_of, stale = mi_counted_figures()
        assert as_of == ANCHOR
        assert stale["gatekeeping"]["requests"] == before["gatekeeping"]["requests"]
    with clock.frozen(ANCHOR + timedelta(seconds=61)):
        after = _assert_same()  # stale: rebuilt before it is read
        assert after["as_of"] == ANCHOR + timedelta(seconds=61)
        assert after["gatekeeping"]["requests"] == before["gatekeeping"]["requests"] + 1


def test_every_figure_on_the_page_equals_the_live_figure(demo):
    """The whole page (and CSV) reads the summary rows: each of ``mi_figures``' figures, the
    time-dependent ones included, equals the live computation from the records."""
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        live = selectors.mi_figures()
        with CaptureQueriesContext(connection) as queries:
            summary = selectors.mi_figures_summary()
        assert summary.pop("as_of") == ANCHOR
        assert set(summary) == set(live)
        for key, value in live.items():
            assert summary[key] == value, key
        # The demo has something in each of the figures that move with the date.
        assert live["reporting_population"] > 0 and live["reviews_overdue"] > 0
        assert live["flagged"] > 0 and any(r["total"] for r in live["barriers"])
        assert any(w["missed"] for w in live["missed_weeks"])
    # Nothing but the summary rows (and the few charters) is read.
    tables = {
        q["sql"].split(" FROM ", 1)[1].split()[0].strip('"')
        for q in queries
        if " FROM " in q["sql"]
    }
    assert tables <= {
        "casework_caseworkfigurefact",
        "core_readmodelstate",
        "casework_charter",
        "casework_removaldirection",
    }, tables


def _live_by_team(team_id, today) -> dict[str, int]:
    """The registry's casework figures counted from the records for the team owning the person
    (None: every person with no owning team), as ``mi_figures`` defines them."""
    from waymark.casework.models import Case, CasePreparation, CaseReview, FurtherSubmission
    from waymark.casework.selectors._common import _past_limit_q
    from waymark.casework.selectors.access import cases_with_band
    from waymark.casework.selectors.figures import reporting_population

    mine = {"person__owning_team_id": team_id}
    non_detained = Case.objects.filter(status="open", detained=False, **mine)
    reviews = CaseReview.objects.filter(completed_at__isnull=True, **mine)
    prep = [
        p.days_taken for p in CasePreparation.objects.filter(finalised_on__isnull=False, **mine)
    ]
    further = FurtherSubmission.objects.filter(decided_on__isnull=False, **mine)
    return {
        "non_detained": non_detained.count(),
        "absconders": non_detained.filter(absconder_since__isnull=False).count(),
        "reporting_population": reporting_population(today).filter(**mine).count(),
        "flagged": cases_with_band(
            Case.objects.filter(
                status="open",
                out_of_contact_since__isnull=False,
                absconder_since__isnull=True,
                **mine,
            )
        )
        .filter(_past_limit_q(today))
        .count(),
        "reviews_due_14": reviews.filter(
            due_on__gte=today, due_on__lte=today + timedelta(days=14)
        ).count(),
        "reviews_overdue": reviews.filter(due_on__lt=today).count(),
        "prep_finalised": len(prep),
        "prep_on_time": sum(1 for d in prep if d <= rules.CASE_PREP_TOTAL_WEEKS * 7),
        "further_decided": further.count(),
        "further_on_time": further.filter(decided_on__lte=F("decision_due_on")).count(),
    }


def test_the_registry_figures_by_team_and_by_period_equal_the_records(demo):
    """Issue 20 item 3: the casework figures registered in ``core.metrics`` are counted for one
    team (the team owning the person) and, for those counted over days, for a period, from the
    summary rows; each equals the same figure counted from the records, the teams add up to the
    page's figure, and the unsplit value is the page's."""
    from waymark.accounts.models import Team
    from waymark.casework.models import Case, CasePreparation, FurtherSubmission
    from waymark.casework.selectors.figures_read_model import PERIOD_FIGURES, REGISTRY_FIGURES
    from waymark.core.metrics import metric

    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        today = clock.today()
        page = selectors.mi_figures_summary()
        figures = {key: metric(f"casework.{key}") for key in REGISTRY_FIGURES}
        assert {k for k, m in figures.items() if m.by_period} == PERIOD_FIGURES
        assert all(m.by_team for m in figures.values())
        team_ids = set(Case.objects.values_list("person__owning_team_id", flat=True))
        assert len(team_ids - {None}) >= 2
        totals = dict.fromkeys(REGISTRY_FIGURES, 0)
        for team_id in team_ids:
            live = _live_by_team(team_id, today)
            for key, value in live.items():
                totals[key] += value
            if team_id is None:
                continue
            team = Team.objects.get(pk=team_id)
            for key, m in figures.items():
                assert m.value(team) == live[key], (team.name, key)
        for key, m in figures.items():
            assert m.value() == page[key] == totals[key], key
        assert page["prep_finalised"] > 0 and page["further_decided"] > 0
        # A period: only what was finalised or decided in it, for everyone and for one team.
        days = sorted(
            set(
                CasePreparation.objects.exclude(finalised_on=None).values_list(
                    "finalised_on", flat=True
                )
            )
            | set(
                FurtherSubmission.objects.exclude(decided_on=None).values_list(
                    "decided_on", flat=True
                )
            )
        )
        start, end = days[len(days) // 3], days[2 * len(days) // 3]
        assert start < end
        prep = CasePreparation.objects.filter(finalised_on__range=(start, end))
        further = FurtherSubmission.objects.filter(decided_on__range=(start, end))
        assert figures["prep_finalised"].value(start=start, end=end) == prep.count()
        assert figures["further_decided"].value(start=start, end=end) == further.count()
        assert (
            figures["further_on_time"].value(start=start, end=end)
            == further.filter(decided_on__lte=F("decision_due_on")).count()
        )
        on_time = [p for p in prep if p.days_taken <= rules.CASE_PREP_TOTAL_WEEKS * 7]
        assert figures["prep_on_time"].value(start=start, end=end) == len(on_time)
        busiest = max(
            team_ids - {None}, key=lambda t: further.filter(person__owning_team_id=t).count()
        )
        team = Team.objects.get(pk=busiest)
        assert (
            figures["further_decided"].value(team, start=start, end=end)
            == further.filter(person__owning_team_id=busiest).count()
        )
        # A figure counted now cannot be asked for a period (never its unsplit value).
        assert figures["absconders"].value(start=start, end=end) is None


@pytest.mark.parametrize("days", [1, 3, 16, 40, 120, 400])
def test_the_dated_rows_give_each_later_days_figures_without_a_rebuild(demo, days):
    """Rows built once answer "as of" a later date by their ranges: overdue and flagged cases,
    reviews due within 14 days, barrier ages and the weekly missed events each equal the live
    figure on that date (read past the freshness check, to test the dates alone)."""
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
    with clock.frozen(ANCHOR + timedelta(days=days)):
        live = selectors.mi_figures()
        dated = mi_dated_figures()
    for key in ("flagged", "reviews_due_14", "reviews_overdue", "barriers", "missed_weeks"):
        assert dated[key] == live[key], key


def test_the_reporting_population_just_after_midnight_is_the_new_days(demo):
    """Rows built a few seconds before midnight are read (not stale) just after it: the
    population counted is the new day's."""
    from waymark.casework.models import ReportingRestriction

    eve = datetime(2026, 11, 20, 23, 59, 40, tzinfo=clock.LONDON)
    with clock.frozen(eve):
        restriction = ReportingRestriction.objects.order_by("pk").first()
        ReportingRestriction.objects.filter(person=restriction.person).update(
            ends_on=eve.date()
        )  # the population is smaller by one from tomorrow
        read_model_refresh(READ_MODEL)
        tonight = selectors.mi_figures_summary()["reporting_population"]
        assert tonight == selectors.mi_figures()["reporting_population"]
    with clock.frozen(eve + timedelta(seconds=30)):
        summary = selectors.mi_figures_summary()
        assert summary["as_of"] == eve  # not rebuilt
        assert summary["reporting_population"] == selectors.mi_figures()["reporting_population"]
        assert summary["reporting_population"] == tonight - 1


def test_the_page_states_the_as_of_time_and_the_csv_reads_the_read_model(demo, client):
    client.force_login(user_make("performance_analyst", None))
    with clock.frozen(ANCHOR):
        page = client.get("/casework/figures/")
        assert page.status_code == 200
        text = page.content.decode()
        assert f'data-as-of="{ANCHOR.isoformat()}"' in text
        assert "Figures as of 20 November 2026, 9am" in text
        assert ReadModelState.objects.get(name=READ_MODEL).as_of == ANCHOR
        requests = DetentionRequest.objects.filter(decision="rejected")
        reason = requests.order_by("pk").first().rejection_reason
        counted = requests.filter(rejection_reason=reason).count()
        # A request added now is not in the CSV until the rows are rebuilt: it reads them.
        _clone(DetentionRequest, decision="rejected", rejection_reason=reason)
        body = b"".join(client.get("/casework/figures.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1] == ["as_of", "as_of", ANCHOR.isoformat()]
    label = dict(rules.GATEKEEPING_REJECTION_REASONS)[reason]
    assert next(r[2] for r in rows if r[:2] == ["detention_rejected", label]) == str(counted)


@pytest.mark.django_db(transaction=False)
def test_the_router_sends_the_casework_summary_rows_to_a_replica_and_nothing_else(monkeypatch):
    from waymark.casework.models import Case
    from waymark.core import db_router

    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    router = db_router.ReadReplicaRouter()
    assert router.db_for_read(CaseworkFigureFact) == db_router.REPLICA
    assert router.db_for_read(Case) is None  # the records stay on the primary
    assert router.db_for_write(CaseworkFigureFact) == "default"
