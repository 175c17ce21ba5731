from datetime import date, datetime

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


class _Everything(GovUKForm):
    from django import forms as _f

    family_name = _f.CharField(label="Family name", max_length=5)
    pnc = _f.CharField(label="PNC ID", required=True)
    officers = _f.IntegerField(label="Number of officers", min_value=1, max_value=9)
    kind = _f.ChoiceField(label="Type of visit", choices=[("a", "A")])
    note = _f.CharField(label="Note (optional)", required=False, max_length=10)
    own = _f.CharField(label="Reason", error_messages={"required": "Say why"})


def test_django_s_default_messages_become_gov_uk_messages_from_the_label():
    form = _Everything({"family_name": "abcdefgh", "officers": "x", "kind": "zz", "note": "y" * 11})
    assert not form.is_valid()
    assert form.errors == {
        "family_name": ["Family name must be 5 characters or fewer"],
        "pnc": ["Enter PNC ID"],
        "officers": ["Number of officers must be a whole number"],
        "kind": ["Select type of visit from the list"],
        "note": ["Note must be 10 characters or fewer"],
        "own": ["Say why"],  # a message the form chose is kept
    }
    form = _Everything({"officers": "12", "family_name": "ok"})
    form.is_valid()
    assert form.errors["officers"] == ["Number of officers must be 9 or less"]
    assert form.errors["kind"] == ["Select type of visit"]


def test_a_long_text_box_counts_its_characters_and_a_date_hint_fits_the_date():
    from django import forms as f

    from waymark.core.forms import form_fields

    class Visit(GovUKForm):
        summary = f.CharField(label="Summary", max_length=2000, widget=f.Textarea)
        visit_on = GovUKDateField(label="Date of visit")
        born_on = GovUKDateField(label="Date of birth", allow_future=False)

    with clock.frozen(datetime(2026, 12, 2, 9, 0, tzinfo=clock.LONDON)):
        specs = {spec["name"]: spec for spec in form_fields(Visit())}
    assert specs["summary"]["max_length"] == 2000
    assert specs["visit_on"]["hint"] == "For example, 16 12 2026"  # two weeks ahead
    assert specs["born_on"]["hint"] == "For example, 27 3 1985"
