"""A date typed with a year far past any calendar is an error message, not a 500: Python's
``date()`` raises ``OverflowError`` (not ``ValueError``) for a year of 20 digits."""

from __future__ import annotations

from waymark.core.forms import GovUKDateField, GovUKForm


class _DateForm(GovUKForm):
    when = GovUKDateField(label="Visit date", allow_future=True)


def test_a_twenty_digit_year_is_not_a_real_date():
    form = _DateForm(data={"when_0": "1", "when_1": "1", "when_2": "9" * 20})
    assert not form.is_valid()
    assert form.errors["when"] == ["Visit date must be a real date"]


def test_a_twenty_digit_day_is_not_a_real_date():
    form = _DateForm(data={"when_0": "9" * 20, "when_1": "1", "when_2": "2026"})
    assert not form.is_valid()
    assert form.errors["when"] == ["Visit date must be a real date"]
