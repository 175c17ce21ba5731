from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from waymark.core.calendars import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

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
    # 24 Dec (1), 25-26 + weekend + 28 Dec (substitute Boxing Day) skipped, 29 (2), 30 (3),
    # 31 (4), 2 Jan is Saturday, 4 Jan (5)
    assert due.astimezone(LONDON).date() == date(2027, 1, 4)


def test_negative_days_refused():
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 1, 5, tzinfo=LONDON), -1, "scotland")


def test_unknown_nation_refused():
    with pytest.raises(ValueError):
        is_working_day(date(2026, 1, 5), "wessex")


def test_working_days_between():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27), "england-and-wales") == 5


# Days where the two sources disagree, each checked by hand. The GOV.UK data cached in
# govuk-bank-holidays 0.19 predates the one-off Scottish bank holiday for the 2026 World Cup.
KNOWN_DIFFERENCES = {
    (
        "scotland",
        date(2026, 6, 15),
    ): "holidays: Scotland's participation in the FIFA World Cup final",
}


@pytest.mark.parametrize("nation", ["england-and-wales", "scotland", "northern-ireland"])
def test_the_holidays_package_agrees_with_govuk_published_bank_holidays(nation):
    """Cross-check (libraries.md): our calendar against the GOV.UK bank-holiday data shipped with
    govuk-bank-holidays, for every year that data covers in full."""
    from govuk_bank_holidays.bank_holidays import BankHolidays

    published = BankHolidays(use_cached_holidays=True).get_holidays(division=nation)
    years = sorted({h["date"].year for h in published})
    full_years = years[1:-1]  # the first and last years of the file may be partial
    assert len(full_years) >= 5
    for year in full_years:
        govuk = {h["date"] for h in published if h["date"].year == year and h["date"].weekday() < 5}
        ours = {day for day in bank_holidays(nation, year) if day.weekday() < 5}
        ours -= {day for (n, day) in KNOWN_DIFFERENCES if n == nation}
        assert ours == govuk, (
            f"{nation} {year}: only ours {sorted(ours - govuk)}, only GOV.UK {sorted(govuk - ours)}"
        )
