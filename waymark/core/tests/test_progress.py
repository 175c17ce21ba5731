from datetime import datetime, timedelta

import pytest

from waymark.core.clock import LONDON
from waymark.core.progress import time_left

START = datetime(2026, 12, 4, 9, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        (0, 1000, 60, "Working out how long it will take"),
        (10, 1000, 60, "Working out how long it will take"),  # under 2%: a guess
        (500, 1000, 20, "Less than a minute left"),
        (250, 1000, 60, "About 3 minutes left"),
        (100, 1000, 60, "About 9 minutes left"),
        (10_000, 100_000, 1_200, "About 3 hours left"),
        (1000, 1000, 60, "Finishing"),
    ],
)
def test_time_left_from_the_rate_so_far(done, total, elapsed, expected):
    now = START + timedelta(seconds=elapsed)
    assert time_left(done, total, START, now) == expected


def test_no_start_no_estimate():
    assert time_left(5, 10, None, START) == "Working out how long it will take"
