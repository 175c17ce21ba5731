"""What a page prints carries no inspection-report paragraph references (issue 16, problem 11)."""

from __future__ import annotations

from markupsafe import Markup

from waymark.core.jinja2 import number, page_text, plain


def test_report_references_are_removed_and_the_rest_is_kept():
    assert plain("Strap tamper first (000 §5.14)") == "Strap tamper first"
    assert plain("Out of contact (000 §5.14\u20135.15, §5.60) today") == "Out of contact today"
    assert plain("Battery (device ran out of charge)") == "Battery (device ran out of charge)"


def test_safe_markup_stays_safe_and_other_values_pass_through():
    cleaned = page_text(Markup("<strong>Due</strong> (001 §7.6)"))
    assert isinstance(cleaned, Markup) and cleaned == Markup("<strong>Due</strong>")
    assert page_text(1347) == 1347 and page_text(None) is None


def test_counts_are_written_with_thousands_separators():
    assert number(1347) == "1,347" and number(7591.5) == "7,591.5"
    assert number(True) is True and number("12") == "12"


def test_one_time_format_everywhere():
    from datetime import time

    from waymark.core.jinja2 import govuk_clock

    assert [govuk_clock(time(h, m)) for h, m in ((9, 0), (9, 30), (12, 0), (0, 0), (23, 59))] == [
        "9am",
        "9:30am",
        "midday",
        "midnight",
        "11:59pm",
    ]
