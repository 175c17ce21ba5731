from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from waymark.core.calendars import add_working_days, is_working_day, working_days_between

LONDON = ZoneInfo("Europe/London")


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 11, 21), "england-and-wales")  # Saturday
    assert not is_working_day(date(2026, 12, 25), "england-and-wales")
    assert is_working_day(date(2026, 11, 23), "england-and-wales")


def test_nations_differ():
    # 2 January is a bank holiday in Scotland only; St Patrick's Day in Northern Ireland only.
    assert not is_working_day(date(2026, 1, 2), "scotland")
    assert is_working_day(date(2026, 1, 2), "england-and-wales")
    assert not is_working_day(date(2026, 3, 17), "northern-ireland")
    assert is_working_day(date(2026, 3, 17), "scotland")


def test_add_working_days_skips_weekend_and_christmas():
    start = datetime(2026, 12, 23, 10, 0, tzinfo=LONDON)  # Wednesday
    due = add_working_days(start, 5, "england-and-wales")
    # 24 Dec (1), 25-26 + weekend + 28 Dec (substitute Boxing Day) skipped, 29 (2), 30 (3), 31 (4), 2 Jan is Saturday, 4 Jan (5)
    assert due.astimezone(LONDON).date() == date(2027, 1, 4)


def test_negative_days_refused():
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 1, 5, tzinfo=LONDON), -1, "scotland")


def test_unknown_nation_refused():
    with pytest.raises(ValueError):
        is_working_day(date(2026, 1, 5), "wessex")


def test_working_days_between():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27), "england-and-wales") == 5
