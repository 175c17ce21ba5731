"""The modules' population functions over the whole demo (a small scale): each kind the demo has
work of offers it with its date in the window, its page, and the worker's team; the QA demo
loader's draws over that work re-derive from their records."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from waymark.core import assurance, clock

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
# The kinds the small demo holds work of (it records no mitigation decisions yet).
EXPECTED = {
    "monitoring.em_review_decision",
    "monitoring.representation_response",
    "casework.case_note",
    "nrm.decision",
    "operations.visit_record",
    "operations.visit_plan",
}


@pytest.mark.slow  # loads the demo data
@pytest.mark.django_db
def test_the_modules_offer_their_demo_work_and_the_draws_re_derive():
    from waymark.demo.generator import demo_load
    from waymark.oversight.models import QAReview, SampleDraw
    from waymark.oversight.services import qa as services

    demo_load(scale=0.01, anchor=ANCHOR)
    end = ANCHOR.date()
    start = end - timedelta(days=400)
    offered = set()
    for kind in assurance.work_kinds():
        items = assurance.population(kind.key, start, end)
        if items:
            offered.add(kind.key)
        for item in items:
            assert start <= item.on <= end and item.url.startswith("/"), (kind.key, item)
            assert item.worker_id is None or item.team_id is not None, (kind.key, item)
        assert len({i.id for i in items}) == len(items), kind.key
    assert offered >= EXPECTED
    draws = list(SampleDraw.objects.all())
    assert draws and all(services.sample_rederive(d) == d.drawn for d in draws)
    assert QAReview.objects.exists()
