from datetime import date

import pytest

from waymark.core import clock
from waymark.core.forms import GovUKDateField, GovUKForm


class _DateForm(GovUKForm):
    born = GovUKDateField(label="Date of birth", allow_future=False)


def _errors(day="", month="", year=""):
    form = _DateForm(data={"born_0": day, "born_1": month, "born_2": year})
    form.is_valid()
    return form.errors.get("born", [])


def test_all_boxes_empty_says_enter_the_label():
    assert _errors() == ["Enter date of birth"]


def test_a_missing_part_is_named():
    assert _errors(day="3", year="1990") == ["Date of birth must include a month"]


def test_an_impossible_date_is_not_a_real_date():
    assert _errors("31", "2", "1990") == ["Date of birth must be a real date"]


def test_a_two_digit_year_is_refused():
    assert _errors("3", "2", "90") == ["Year must include 4 numbers"]


@pytest.mark.parametrize("offset_days, ok", [(0, True), (1, False)])
def test_future_dates_refused_when_not_allowed(offset_days, ok):
    with clock.frozen(clock.now().replace(year=2026, month=11, day=23)):
        day = date(2026, 11, 23 + offset_days)
        form = _DateForm(data={"born_0": day.day, "born_1": day.month, "born_2": day.year})
        assert form.is_valid() is ok
        if ok:
            assert form.cleaned_data["born"] == day
        else:
            assert form.errors["born"] == ["Date of birth must be today or in the past"]
