"""Charts drawn on the server (decision 0014): the geometry, the summary sentences, and the SVG the
macro writes (an image with a title and a description, and never a style attribute)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.template import engines

from waymark.core import charts


def render(chart, **options) -> str:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    template = env.from_string('{% from "core/_charts.html" import chart %}{{ chart(c, **o) }}')
    return template.render(c=chart, o=options)


# ------------------------------------------------------------------------------------------------
# Numbers and labels


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (140, [0, 50, 100, 150]),
        (310, [0, 100, 200, 300, 400]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (100, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
        (1, [0, 1]),
        (0, [0, 1]),
    ],
)
def test_ticks_are_round_and_reach_the_largest_figure(top, ticks):
    assert charts.nice_ticks(top) == ticks


def test_fractional_ticks_only_where_the_figures_are_fractions():
    assert charts.nice_ticks(0.9, integer=False) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.nice_ticks(0.9) == [0, 1]
    assert charts.tick_label(0.4, 0.2) == "0.4" and charts.tick_label(1500, 500) == "1,500"
    assert charts.tick_label(40, 20, "%") == "40%"


def test_figures_and_months_are_written_as_the_tables_write_them():
    assert charts.fmt(1234567) == "1,234,567" and charts.fmt(62.0) == "62"
    assert charts.fmt(1234.56) == "1,234.6"
    assert charts.month_label("2026-07") == "Jul 2026"
    assert charts.month_label(date(2026, 11, 1), short=False) == "November 2026"
    assert charts.month_label("unknown") == "Unknown"
    assert charts.month_axis_labels(["2026-11", "2026-12", "2027-01", "2027-02"]) == [
        "Nov 2026",
        "Dec",
        "Jan 2027",
        "Feb",
    ]


def test_labels_wrap_between_words_and_after_hyphens():
    assert charts.wrap("21 days or more", 7) == ["21 days", "or more"]
    assert charts.wrap("Radio-frequency tag", 10) == ["Radio-", "frequency", "tag"]
    assert charts.wrap("Supercalifragilistic", 5) == ["Supercalifragilistic"]


# ------------------------------------------------------------------------------------------------
# Geometry


def _heights(chart) -> list[float]:
    return [r["height"] for r in chart["rects"]]


def _texts(chart, cls: str) -> list[str]:
    return [" ".join(t["lines"]) for t in chart["texts"] if t["cls"] == cls]


def test_nothing_to_draw_is_none_and_the_macro_says_so():
    assert charts.bar_chart([], [("A", [])], title="Empty") is None
    assert charts.bar_chart(["A"], [], title="Empty") is None
    assert charts.line_chart([], [], title="Empty") is None
    assert charts.histogram([], title="Empty") is None
    html = render(None)
    assert "No figures to chart yet." in html and "<svg" not in html
    assert "Nothing yet" in render(None, empty="Nothing yet")


def test_bars_are_scaled_to_the_axis_and_labelled_with_thousands_separators():
    chart = charts.bar_chart(
        ["North", "South"], [("Cases", [1500, 750])], title="Cases by region", y_label="Cases"
    )
    assert _texts(chart, "wm-chart__tick")[:4] == ["0", "500", "1,000", "1,500"]
    tall, short = _heights(chart)
    assert tall == charts.PLOT_HEIGHT and short == charts.PLOT_HEIGHT / 2
    assert _texts(chart, "wm-chart__value") == ["1,500", "750"]
    assert chart["legend"] == [] and not chart["textures"]  # one series: the axis title names it
    assert chart["summary"] == "The largest is North, with 1,500."


def test_stacked_bars_add_up_and_the_total_is_labelled():
    chart = charts.bar_chart(
        ["Week 1", "Week 2"],
        [("Done", [30, 10]), ("Open", [20, 0])],
        title="Work",
        stacked=True,
    )
    assert _texts(chart, "wm-chart__value") == ["50", "10"]
    week_1 = [r for r in chart["rects"] if r["x"] == chart["rects"][0]["x"]]
    assert sum(r["height"] for r in week_1) == pytest.approx(charts.PLOT_HEIGHT, abs=0.2)
    assert _texts(chart, "wm-chart__tick")[-1] == "50"
    assert len(chart["rects"]) == 3  # an empty segment draws nothing
    assert [item["label"] for item in chart["legend"]] == ["Done", "Open"]
    assert chart["textures"]  # colour is not the only difference between the series


def test_zero_only_figures_draw_an_axis_and_say_so():
    chart = charts.bar_chart(["A", "B"], [("N", [0, 0])], title="Nothing")
    assert chart["rects"] == [] and _texts(chart, "wm-chart__tick") == ["0", "1"]
    assert _texts(chart, "wm-chart__category") == ["A", "B"]
    assert chart["summary"] == "Every figure is 0."


def test_a_single_category_is_drawn():
    chart = charts.bar_chart(["Only"], [("N", [4])], title="One")
    assert len(chart["rects"]) == 1 and _texts(chart, "wm-chart__tick")[-1] == "4"


def test_figures_that_do_not_line_up_are_refused():
    with pytest.raises(ValueError, match="1 values for 2 categories"):
        charts.bar_chart(["A", "B"], [("N", [1])], title="Bad")
    with pytest.raises(ValueError, match="negative"):
        charts.bar_chart(["A"], [("N", [-1])], title="Bad")
    with pytest.raises(ValueError, match="at most 6"):
        charts.line_chart(["A"], [(str(i), [i]) for i in range(7)], title="Bad")


def test_horizontal_bars_carry_their_labels_and_a_target_line():
    chart = charts.bar_chart(
        ["Visits with a risk rating", "Briefings accepted by the officers assigned"],
        [("Figure", [88.2, 100.0])],
        title="Objectives",
        horizontal=True,
        targets=[100, 95],
        suffix="%",
        axis_max=100,
    )
    assert _texts(chart, "wm-chart__label") == [
        "Visits with a risk rating",
        "Briefings accepted by the officers assigned",
    ]
    assert _texts(chart, "wm-chart__value") == ["88.2%", "100%"]
    assert _texts(chart, "wm-chart__tick") == ["0%", "20%", "40%", "60%", "80%", "100%"]
    targets = [r for r in chart["rules"] if r["cls"] == "wm-chart__target"]
    assert len(targets) == 2 and chart["legend"][-1]["label"] == "Target"
    # The first figure's label moves past its target line rather than across it.
    first_value = next(t for t in chart["texts"] if t["cls"] == "wm-chart__value")
    assert first_value["x"] > targets[0]["x1"]


def test_line_charts_give_each_series_its_own_marker_shape():
    chart = charts.line_chart(
        ["Jul", "Aug", "Sep"], [("Battery", [120, 200, 310]), ("Curfew", [10, 12, 8])], title="B"
    )
    assert len(chart["paths"]) == 2 and len(chart["markers"]) == 6
    shapes = {m["series"]: m["d"][:1] for m in chart["markers"]}
    assert set(shapes) == {1, 2}
    assert chart["legend"][0]["marker"] != chart["legend"][1]["marker"]
    first = chart["paths"][0]["points"].split(" ")
    assert float(first[0].split(",")[1]) > float(first[-1].split(",")[1])  # rising = going up


def test_histograms_from_values_or_counted_bins():
    bins, edges = charts.bin_values([2.5, 3.1, 7.9, 12.0, 12.2], count=5)
    assert edges[0] == 2 and edges[-1] > 12.2
    assert sum(n for _label, n in bins) == 5 and bins[0][0] == "2 to under 4"
    chart = charts.histogram([2.5, 3.1, 7.9, 12.0, 12.2], title="Scores", bins=5)
    assert len(chart["rects"]) == 3  # 2 to 4, 6 to 8, 12 to 14: the empty bins draw nothing
    counted = charts.histogram(
        [("2 to under 4", 3), ("4 to under 6", 0), ("6 to under 8", 1200)],
        edges=[2, 4, 6, 8],
        title="Pairs",
    )
    assert _texts(counted, "wm-chart__tick")[-4:] == ["2", "4", "6", "8"]
    assert "1,200" in _texts(counted, "wm-chart__value")
    with pytest.raises(ValueError, match="edges"):
        charts.histogram([("a", 1)], edges=[0, 1, 2], title="Bad")


# ------------------------------------------------------------------------------------------------
# Summary sentences


def test_trend_sentences():
    months = ["July 2026", "August 2026", "September 2026", "October 2026", "November 2026"]
    assert (
        charts.trend_sentence("curfew breaches", months, [120, 150, 340, 200, 310])
        == "Curfew breaches rose from 120 in July 2026 to 310 in November 2026; the highest month"
        " was September 2026, with 340."
    )
    assert (
        charts.trend_sentence("curfew breaches", months[:2], [120, 1310])
        == "Curfew breaches rose from 120 in July 2026 to 1,310 in August 2026, the highest month."
    )
    assert (
        charts.trend_sentence(
            "notifications", months[:3], [300, 200, 100], then="most were battery"
        )
        == "Notifications fell from 300 in July 2026 to 100 in September 2026; July 2026 was the"
        " highest month; most were battery."
    )
    assert (
        charts.trend_sentence("notifications", months[:2], [0, 0])
        == "There were no notifications from July 2026 to August 2026."
    )
    assert (
        charts.trend_sentence("notifications", months[:1], [4])
        == "There were 4 notifications in July 2026."
    )


def test_largest_target_and_plan_sentences():
    assert (
        charts.largest_sentence(
            "active tasks", ["0 to 2 days", "3 to 5 days"], [120, 1125], verb="are aged"
        )
        == "Of 1,245 active tasks, the most (1,125) are aged 3 to 5 days."
    )
    assert charts.largest_sentence("active tasks", ["a"], [0]) == "There are no active tasks."
    assert (
        charts.target_sentence(
            ["Rated", "Briefed", "Closed"], [88.2, 62.0, 97.5], [100, 100, 95], [False, False, True]
        )
        == "1 of 3 measures meets its target; the furthest from it is Briefed (62 against a target"
        " of 100)."
    )
    assert (
        charts.target_sentence(["Closed"], [97.5], [95], [True], suffix="%")
        == "Closed meets its target (97.5% against a target of 95%)."
    )
    assert (
        charts.plan_sentence("devices in use", ["GPS", "RF"], [1200, 50], [1500, 40])
        == "1,250 devices in use against a plan of 1,540; the furthest below plan is GPS (1,200"
        " against 1,500)."
    )
    assert charts.plan_sentence("devices in use", ["GPS"], [3], [0]) == (
        "3 devices in use; no plan is recorded."
    )


# ------------------------------------------------------------------------------------------------
# The macro


def test_the_svg_is_an_image_with_a_title_a_description_and_no_style_attribute():
    chart = charts.bar_chart(
        ["0 to 2", "3 to 5"],
        [("Overdue", [3, 1]), ("On time", [1200, 40])],
        title="Active tasks by age",
        stacked=True,
        y_label="Active tasks",
        summary="Of 1,244 active tasks, the most (1,203) are aged 0 to 2 days.",
        chart_id="chart-test",
    )
    html = render(chart, heading="h2")
    assert 'style="' not in html and "<script" not in html
    svg = re.search(r"<svg class=\"wm-chart[^>]*>", html).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-test-title"' in svg
    assert 'aria-describedby="chart-test-desc"' in svg and 'viewBox="0 0 360 ' in svg
    assert '<title id="chart-test-title">Active tasks by age</title>' in html
    assert (
        '<desc id="chart-test-desc">Stacked bar chart of Overdue and On time for each of 0 to 2 and'
        " 3 to 5, on a scale of 0 to 1,500. The summary under the chart says what it shows, and a"
        " table on this page gives every figure.</desc>"
    ) in html
    assert '<p class="govuk-body wm-chart__summary">Of 1,244 active tasks, the most (1,203)' in html
    assert '<h2 class="govuk-heading-m wm-chart__title">Active tasks by age</h2>' in html
    # The series differ by texture as well as colour, in the chart and in the text legend.
    assert 'fill="url(#chart-test-texture-2)"' in html and 'id="chart-test-texture-2"' in html
    assert re.search(r'<li class="wm-chart__legend-item">.*?</svg>Overdue</li>', html, re.S)
    assert ">1,200<" not in html and ">1,203<" in html  # stacked: the total, thousands separated


def test_line_and_histogram_render_without_style_attributes():
    line = charts.line_chart(["Jul 2026", "Aug"], [("A", [1, 2]), ("B", [2, 1])], title="Lines")
    histogram = charts.histogram([1, 2, 2, 3], title="Spread")
    for chart in (line, histogram):
        html = render(chart)
        assert 'style="' not in html and 'role="img"' in html and "<title" in html
    assert "<polyline" in render(line) and 'class="wm-chart__marker' in render(line)
