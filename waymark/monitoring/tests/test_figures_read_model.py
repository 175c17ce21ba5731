"""The EM figures' read model (issue 17 item 4): every figure the page and its CSV show, read from
the summary rows, equals the same figure computed live from the records, on demo data, for
several periods; new records show after a rebuild and not before; the page states the as-of time."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from waymark.core import clock
from waymark.core.models import ReadModelState
from waymark.core.read_models import read_model_refresh
from waymark.demo.generator import demo_load
from waymark.monitoring import selectors, services
from waymark.monitoring.models import FigureFact
from waymark.monitoring.tests.conftest import em_person, em_user

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
READ_MODEL = "monitoring.figures"

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds a small demo


def _periods() -> list[selectors.Period]:
    default = selectors.period_default()
    return [
        default,
        selectors.Period(date(2026, 10, 1), date(2026, 11, 1)),  # one whole month
        selectors.Period(date(2026, 6, 15), date(2026, 9, 3)),  # ragged ends
        selectors.Period(date(2026, 11, 19), date(2026, 11, 21)),  # the last two days
        selectors.Period(date(2020, 1, 1), date(2020, 2, 1)),  # before anything
    ]


def _assert_same(period: selectors.Period) -> None:
    live = selectors.mi_figures(period)
    summary = selectors.mi_figures_summary(period)
    summary.pop("as_of")
    for section in live:
        assert summary[section] == live[section], (section, period)
    assert summary.keys() == live.keys()


@pytest.fixture
def demo():
    with clock.frozen(ANCHOR):
        demo_load(scale=0.05, anchor=ANCHOR, correspondence=False, modules={"monitoring"})


def test_every_figure_equals_the_live_figure_then_new_records_show_after_a_rebuild(demo):
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        assert FigureFact.objects.exists()
        for period in _periods():
            _assert_same(period)
        before = selectors.mi_figures_summary(selectors.period_default())
    # New records arrive: a breach, a bail grant with no EM, a new condition.
    later = ANCHOR + timedelta(seconds=30)
    with clock.frozen(later):
        from waymark.monitoring.models import Condition

        person = Condition.objects.filter(status="active").first().person
        services.breach_ingest(
            event=None,
            person=person,
            breach_type="full_curfew",
            started_at=later - timedelta(hours=2),
            ended_at=later - timedelta(hours=1),
        )
        hub = person.owning_team
        newcomer = em_person(hub, family_name="Newcomer")
        services.bail_grant_record(
            actor=None, person=newcomer, granted_by="immigration_judge", granted_at=later
        )
        # Within the 60 seconds the page reads the rows it had: the new breach is not in them.
        stale = selectors.mi_figures_summary(selectors.period_default())
        assert stale["breaches"]["total"] == before["breaches"]["total"]
        assert stale["as_of"] == ANCHOR
    # Past the limit the page rebuilds first, and every figure matches the records again.
    with clock.frozen(ANCHOR + timedelta(seconds=61)):
        fresh = selectors.mi_figures_summary(selectors.period_default())
        assert fresh["as_of"] == ANCHOR + timedelta(seconds=61)
        assert fresh["breaches"]["total"] == before["breaches"]["total"] + 1
        for period in _periods():
            _assert_same(period)


def test_the_page_states_the_as_of_time_and_the_csv_reads_the_read_model(demo, client):
    analyst = em_user("performance_analyst", None)
    client.force_login(analyst)
    with clock.frozen(ANCHOR):
        page = client.get("/monitoring/figures/")
        assert page.status_code == 200
        text = page.content.decode()
        assert f'data-as-of="{ANCHOR.isoformat()}"' in text
        assert "Figures as of 20 November 2026, 9am" in text
        assert ReadModelState.objects.get(name=READ_MODEL).as_of == ANCHOR
        # A record added now is not in the CSV until the rows are rebuilt: it reads them.
        from waymark.monitoring.models import Breach, Condition

        person = Condition.objects.filter(status="active").first().person
        services.breach_ingest(
            event=None,
            person=person,
            breach_type="full_curfew",
            started_at=ANCHOR - timedelta(hours=2),
            ended_at=ANCHOR - timedelta(hours=1),
        )
        body = b"".join(client.get("/monitoring/figures.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1] == ["as_of", "as_of", ANCHOR.isoformat()]
    total = next(r[2] for r in rows if r[:2] == ["breaches", "total"])
    period = selectors.period_default()
    in_period = Breach.objects.filter(
        received_at__gte=period.start_at, received_at__lt=period.end_at
    ).count()
    assert int(total) == in_period - 1


def test_the_figures_api_reads_the_read_model_and_states_its_as_of_time(demo):
    """The API answers with the page's figures: from the summary rows (a record added since
    they were built is not in it), each equal to the live figure, with the rows' time."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from rest_framework.test import APIClient

    from waymark.monitoring.models import Breach, Condition

    api = APIClient()
    api.force_authenticate(em_user("performance_analyst", None))
    period = selectors.Period(date(2026, 6, 15), date(2026, 11, 21))
    url = f"/api/v1/monitoring/figures/?start={period.start}&end={period.end}"
    with clock.frozen(ANCHOR):
        read_model_refresh(READ_MODEL)
        live = json.loads(json.dumps(selectors.mi_figures(period), cls=DjangoJSONEncoder))
        person = Condition.objects.filter(status="active").first().person
        services.breach_ingest(
            event=None,
            person=person,
            breach_type="full_curfew",
            started_at=ANCHOR - timedelta(hours=2),
            ended_at=ANCHOR - timedelta(hours=1),
        )
        response = api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body.pop("as_of") == ANCHOR.isoformat().replace("+00:00", "Z")
    assert body == live  # the breach added after the rows were built is not counted
    in_period = Breach.objects.filter(
        received_at__gte=period.start_at, received_at__lt=period.end_at
    ).count()
    assert body["breaches"]["total"] == in_period - 1
