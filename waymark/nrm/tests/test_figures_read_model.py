"""The figures page's read model: every figure of every offered quarter equals its one definition
computed live from the records; rows are rebuilt when older than a minute (and not before), the
page states their as-of time, and a quarter outside the offered eight is computed live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.core.read_models import read_model_refresh
from waymark.nrm.models import FiguresSummary
from waymark.nrm.selectors import figures as fig
from waymark.nrm.selectors.figures_read_model import READ_MODEL, quarter_figures
from waymark.nrm.tests.quality_factories import decision_make, referral_make
from waymark.nrm.tests.test_selectors_figures import AT, quarter  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("waymark.nrm.tests.stub_urls"),
    pytest.mark.usefixtures("frozen"),
]


def _live(label: str):
    start, end, _ = fig.quarter_bounds(label)
    return {n: [tuple(r) for r in rows] for n, rows in fig.all_figures(start, end).items()}


def _close(stored, live):
    """Equal, with floats (medians, shares) equal to the published precision."""
    assert stored.keys() == live.keys()
    for name in live:
        assert len(stored[name]) == len(live[name]), name
        for a, b in zip(stored[name], live[name], strict=True):
            for x, y in zip(a, b, strict=True):
                if isinstance(y, float) or isinstance(x, float):
                    assert float(x) == pytest.approx(float(y)), name
                else:
                    assert x == y, name


def test_every_figure_of_every_offered_quarter_equals_the_live_figure(quarter):  # noqa: F811
    read_model_refresh(READ_MODEL)
    for label in fig.quarter_options():
        got = quarter_figures(label)
        assert got.as_of is not None
        _close(got.rows, _live(label))
        assert got.quality == fig.data_quality()
    assert FiguresSummary.objects.filter(quarter="").count() == 1


def test_rows_are_rebuilt_only_when_older_than_a_minute(
    quarter,  # noqa: F811
    person,
    form_version,
    guidance_edition,
    decision_maker,
    authority_team,
):
    label = "2026-Q3"
    first = quarter_figures(label)
    before = dict(first.rows["referrals_by_referrer_type"])
    referral = referral_make(
        person,
        form_version,
        received_at=AT,
        referrer_type="ngo",
        owning_team=authority_team,
        status="recovery",
        last_activity_at=AT,
    )
    decision_make(
        referral, guidance_edition, decision_maker, stage="rg", outcome="positive", made_at=AT
    )
    same = quarter_figures(label)
    assert same.as_of == first.as_of
    assert dict(same.rows["referrals_by_referrer_type"]) == before
    with clock.frozen(clock.now() + timedelta(seconds=61)):
        later = quarter_figures(label)
        assert later.as_of > first.as_of
        _close(later.rows, _live(label))
    assert later.rows != first.rows


def test_a_quarter_outside_the_offered_eight_is_computed_live(quarter):  # noqa: F811
    old = quarter_figures("2019-Q1")
    assert old.as_of is None and old.label == "2019-Q1"
    assert all(rows == [] or rows for rows in old.rows.values())
    assert not FiguresSummary.objects.exists()  # nothing built for a live quarter


def test_the_page_and_csv_state_the_as_of_time(client, nrm_manager, quarter):  # noqa: F811
    client.force_login(nrm_manager)
    page = client.get(reverse("nrm:figures"), {"quarter": "2026-Q3"}).content.decode()
    assert "Figures as of" in page and "data-as-of=" in page
    body = b"".join(
        client.get(reverse("nrm:figures-export"), {"quarter": "2026-Q3"}).streaming_content
    ).decode()
    assert body.splitlines()[1].startswith("as_of,2026-Q3,")
    live = client.get(reverse("nrm:figures"), {"quarter": "2019-Q1"}).content.decode()
    assert "worked out from the records as you open the page" in live
