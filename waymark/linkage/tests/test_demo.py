"""The linkage demo runs the real pipeline and reproduces 001 Figure 3 (brief linkage.md §4)."""

from __future__ import annotations

from datetime import datetime

import pytest

from waymark.core import clock
from waymark.linkage.demo import linkage_demo_load
from waymark.linkage.generator import FIGURE3_COUNTS
from waymark.linkage.models import ImportJob, LinkageRun, SourceRecord
from waymark.linkage.selectors import figure3_counts
from waymark.people.models import Person

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.slow]  # builds the demo
ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)


def test_the_demo_imports_links_and_reproduces_figure_3():
    from waymark.demo.generator import teams_ensure

    teams_ensure()
    counts = linkage_demo_load(anchor=ANCHOR, scale=1.0)
    assert ImportJob.objects.filter(status="completed").count() == ImportJob.objects.count() >= 4
    run = LinkageRun.objects.get()
    assert run.status == "completed", run.failure_reason
    assert run.accuracy["pairwise"]["f1"] >= 0.97
    assert Person.objects.count() == run.people_created == counts["linkage_people_created"]
    assert (
        not SourceRecord.objects.exclude(source_kind="police").filter(person__isnull=True).exists()
    )
    shown = dict(figure3_counts())
    from waymark.linkage.models import OwnershipCategory as C

    for key, expected in FIGURE3_COUNTS.items():
        assert shown[C(key).label] == expected, key
