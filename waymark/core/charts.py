"""Charts drawn on the server as inline SVG (docs/decisions/0014-charts-server-side-svg.md).

Each chart function turns figures into a plain dict of shapes (lines, rectangles, paths, text) in
a 360-unit-wide ``viewBox``, which the ``core/_charts.html`` macro writes out as SVG. Nothing here
knows about a page: the views pass in the figures they already have.

- No JavaScript and no chart library: the page works without scripts, prints, and meets the CSP
  (SVG presentation attributes such as ``x`` and ``fill="url(#…)"`` only; colours come from CSS
  classes, never a ``style`` attribute).
- A chart never stands alone: the page keeps its table of figures, and every chart carries a
  one-sentence summary for people who cannot see it (the ``*_sentence`` helpers).
- Colour is never the only difference between series: bars carry textures, lines carry markers
  of different shapes, and bars are labelled with their values where the labels fit.
- The functions return ``None`` when there is nothing to draw; the macro then says so.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

Number = int | float
SeriesList = Sequence[tuple[str, Sequence[Number]]]
Chart = dict[str, Any]

WIDTH = 360  # viewBox units; at 360 px a unit is about a pixel, so text stays readable on a phone
FONT = 16  # label size in viewBox units (the CSS sets the same)
LINE = 20  # distance between lines of a label
CHAR = 8.2  # average width of a character at FONT in the system font, to fit labels
PLOT_HEIGHT = 200  # height of the plotting area of a vertical chart
BAR = 22  # thickness of a horizontal bar
MAX_SERIES = 6  # the palette in _charts.scss has six colours, textures and marker shapes
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "triangle-down")


# ------------------------------------------------------------------------------------------------
# Numbers and labels


def fmt(value: Number) -> str:
    """A figure as the tables show it: thousands separated, a fraction to one decimal place."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def month_label(value: str | date, *, short: bool = True) -> str:
    """A month as Jul 2026 (July 2026 with ``short=False``) from a date or a "2026-07" key."""
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", value)
        if not match:
            return value.capitalize()
        value = date(int(match.group(1)), int(match.group(2)), 1)
    return f"{value:%b %Y}" if short else f"{value:%B %Y}"


def month_axis_labels(keys: Sequence[str | date]) -> list[str]:
    """Months for an axis: "Jul 2026", "Aug", "Sep" ... "Jan 2027" (the year where it starts or
    changes, so narrow columns are not crowded by a year under each)."""
    out, year = [], None
    for key in keys:
        label = month_label(key)
        parts = label.split(" ")
        if len(parts) == 2 and parts[1] == year:
            label = parts[0]
        year = parts[1] if len(parts) == 2 else None
        out.append(label)
    return out


def nice_step(raw: float) -> float:
    """The smallest round step (1, 2 or 5 times a power of ten) at least ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        step = multiple * power
        if step >= raw * (1 - 1e-9):
            return step
    return 10 * power  # pragma: no cover - the loop always returns


def nice_ticks(top: Number, *, count: int = 5, integer: bool = True) -> list[Number]:
    """Round axis ticks from 0 up to at least ``top``: 0, 50, 100, 150 for 140.

    Counts never get a fractional step (0, 1, 2, 3 for 3); a top of 0 gives an axis of 0 to 1."""
    if top <= 0:
        return [0, 1]
    step = nice_step(top / count)
    if integer:
        step = max(1.0, step)
    n = math.ceil(top / step - 1e-9)
    if step.is_integer():
        return [int(i * step) for i in range(n + 1)]
    return [round(i * step, 10) for i in range(n + 1)]


def _decimals(step: float) -> int:
    return 0 if float(step).is_integer() else max(0, -math.floor(math.log10(step)))


def tick_label(value: Number, step: Number, suffix: str = "") -> str:
    """A tick as "1,500" (or "0.5", "40%"): as many decimals as the step needs."""
    places = _decimals(float(step))
    return f"{value:,.{places}f}{suffix}"


def wrap(text: str, width: int) -> list[str]:
    """Split a label into lines of at most ``width`` characters where it can: between words, or
    after a hyphen ("Radio-" / "frequency"); a word longer than the width stays whole."""
    words = re.findall(r"[^\s-]+-?|-", text)
    lines: list[str] = []
    line = ""
    for word in words:
        joined = f"{line}{word}" if line.endswith("-") else f"{line} {word}" if line else word
        if line and len(joined) > width:
            lines.append(line)
            line = word
        else:
            line = joined
    if line:
        lines.append(line)
    return lines or [""]


def text_width(text: str) -> float:
    return len(text) * CHAR


def _r(value: float) -> float:
    return round(value, 1)


def _slug(title: str) -> str:
    return "chart-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "figures")


# ------------------------------------------------------------------------------------------------
# Summary sentences: one sentence that says what the chart shows, for the page and the SVG's desc


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def trend_sentence(
    noun: str,
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    period_word: str = "month",
    then: str = "",
) -> str:
    """For example, "Breach notifications rose from 120 in July 2026 to 310 in November 2026; the
    highest month was September 2026, with 340". ``then`` adds a clause before the full stop."""
    extra = f"; {then}" if then else ""
    if not values:
        return f"There are no {noun} to show{extra}."
    if not any(values):
        span = f"in {labels[0]}" if len(labels) == 1 else f"from {labels[0]} to {labels[-1]}"
        return f"There were no {noun} {span}{extra}."
    if len(values) == 1:
        return f"There were {fmt(values[0])} {noun} in {labels[0]}{extra}."
    first, last = values[0], values[-1]
    peak = max(range(len(values)), key=lambda i: (values[i], -i))
    if last == first:
        text = f"{_capital(noun)} were {fmt(first)} in both {labels[0]} and {labels[-1]}"
    else:
        verb = "rose" if last > first else "fell"
        text = f"{_capital(noun)} {verb} from {fmt(first)} in {labels[0]} to {fmt(last)} in {labels[-1]}"
    if peak == len(values) - 1 and last > first:
        text += f", the highest {period_word}"
    elif peak == 0 and first > last:
        text += f"; {labels[0]} was the highest {period_word}"
    elif values[peak] not in (first, last):
        text += f"; the highest {period_word} was {labels[peak]}, with {fmt(values[peak])}"
    return f"{text}{extra}."


def largest_sentence(
    noun: str,
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    verb: str = "are in",
    singular: str = "",
    then: str = "",
) -> str:
    """For example, "Of 245 active tasks, the most (120) are aged 0 to 2 days; 12 are overdue"."""
    extra = f"; {then}" if then else ""
    total = sum(values)
    if not total:
        return f"There are no {noun}{extra}."
    top = max(range(len(values)), key=lambda i: (values[i], -i))
    name = singular if total == 1 and singular else noun
    return f"Of {fmt(total)} {name}, the most ({fmt(values[top])}) {verb} {labels[top]}{extra}."


def target_sentence(
    labels: Sequence[str],
    values: Sequence[Number],
    targets: Sequence[Number],
    met: Sequence[bool],
    *,
    suffix: str = "",
) -> str:
    """For example, "3 of 5 measures meet their target; the furthest from it is Briefings accepted
    (62% against a target of 100%)"."""
    if not values:
        return "No measure has a figure yet."
    count = sum(1 for m in met if m)
    missed = [i for i, m in enumerate(met) if not m]

    def against(i: int) -> str:
        return f"{fmt(values[i])}{suffix} against a target of {fmt(targets[i])}{suffix}"

    if len(values) == 1:
        if met[0]:
            return f"{labels[0]} meets its target ({against(0)})."
        return f"{labels[0]} does not meet its target ({against(0)})."
    text = f"{count} of {len(values)} measures {'meets its' if count == 1 else 'meet their'} target"
    if missed:
        worst = max(missed, key=lambda i: abs(values[i] - targets[i]) / (abs(targets[i]) or 1))
        text += f"; the furthest from it is {labels[worst]} ({against(worst)})"
    return f"{text}."


def plan_sentence(
    noun: str,
    labels: Sequence[str],
    actual: Sequence[Number],
    plan: Sequence[Number],
    *,
    singular: str = "",
) -> str:
    """For example, "312 devices in use against a plan of 400; the furthest below plan is Fitted
    GPS tag (200 against 260)"."""
    total, planned = sum(actual), sum(plan)
    name = singular if total == 1 and singular else noun
    if not planned:
        return f"{_capital(f'{fmt(total)} {name}')}; no plan is recorded."
    text = f"{fmt(total)} {name} against a plan of {fmt(planned)}"
    short = [i for i in range(len(actual)) if actual[i] < plan[i]]
    if short:
        worst = max(short, key=lambda i: plan[i] - actual[i])
        text += (
            f"; the furthest below plan is {labels[worst]} "
            f"({fmt(actual[worst])} against {fmt(plan[worst])})"
        )
    else:
        text += "; every one is at or above plan"
    return f"{text}."


# ------------------------------------------------------------------------------------------------
# Shapes


def marker_path(shape: str, x: float, y: float, size: float = 5) -> str:
    """An SVG path for a line chart's marker, centred on (x, y)."""
    s = size
    if shape == "square":
        return f"M{_r(x - s)},{_r(y - s)}h{_r(2 * s)}v{_r(2 * s)}h{_r(-2 * s)}z"
    if shape == "triangle":
        return f"M{_r(x)},{_r(y - s - 1)}L{_r(x + s + 1)},{_r(y + s)}L{_r(x - s - 1)},{_r(y + s)}z"
    if shape == "triangle-down":
        return f"M{_r(x)},{_r(y + s + 1)}L{_r(x + s + 1)},{_r(y - s)}L{_r(x - s - 1)},{_r(y - s)}z"
    if shape == "diamond":
        d = s + 1.5
        return f"M{_r(x)},{_r(y - d)}L{_r(x + d)},{_r(y)}L{_r(x)},{_r(y + d)}L{_r(x - d)},{_r(y)}z"
    if shape == "cross":
        a, b = s + 1, 2.0
        points = [
            (-b, -a), (b, -a), (b, -b), (a, -b), (a, b), (b, b),
            (b, a), (-b, a), (-b, b), (-a, b), (-a, -b), (-b, -b),
        ]  # fmt: skip
        return "M" + "L".join(f"{_r(x + dx)},{_r(y + dy)}" for dx, dy in points) + "z"
    return f"M{_r(x - s)},{_r(y)}a{s},{s} 0 1,0 {_r(2 * s)},0a{s},{s} 0 1,0 {_r(-2 * s)},0z"


def default_sentence(labels: Sequence[str], values: Sequence[Number], suffix: str = "") -> str:
    """The summary a chart gets when its page gives none: its largest figure."""
    if not any(values):
        return "Every figure is 0."
    top = max(range(len(values)), key=lambda i: (values[i], -i))
    return f"The largest is {labels[top]}, with {fmt(values[top])}{suffix}."


def _legend(names: Sequence[str], swatch: str) -> list[dict[str, Any]]:
    return [
        {
            "label": name,
            "series": i + 1,
            "swatch": swatch,
            "marker": marker_path(SHAPES[i], 14, 8, 4) if swatch == "line" else "",
        }
        for i, name in enumerate(names)
    ]


def _frame(title: str, chart_id: str | None, kind: str, summary: str) -> Chart:
    return {
        "id": chart_id or _slug(title),
        "kind": kind,
        "title": title,
        "summary": summary,
        "desc": "",  # set by _describe once the scale is known
        "width": WIDTH,
        "height": 0,
        "textures": False,
        "rules": [],
        "rects": [],
        "paths": [],
        "markers": [],
        "texts": [],
        "legend": [],
    }


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _bars_phrase(
    series: SeriesList, categories: Sequence[str], *, stacked: bool = False, x_label: str = ""
) -> str:
    names = _and([name for name, _vs in series])
    each = _and(categories) + (f" ({x_label.lower()})" if x_label else "")
    if stacked:
        return f"Stacked bar chart of {names} for each of {each}"
    if len(series) == 1:
        return f"Bar chart with a bar for each of {each}"
    return f"Bar chart with bars for {names} for each of {each}"


def _describe(chart: Chart, shape: str) -> None:
    """The SVG's description: what kind of chart it is and what it is drawn against. The summary
    under the chart says what it shows, so the description does not repeat it."""
    chart["desc"] = (
        f"{shape}. The summary under the chart says what it shows, and a table on this page gives"
        " every figure."
    )


def _text(x: float, y: float, lines: list[str] | str, cls: str, anchor: str = "middle") -> dict:
    return {
        "x": _r(x),
        "y": _r(y),
        "lines": [lines] if isinstance(lines, str) else lines,
        "cls": cls,
        "anchor": anchor,
    }


def _rule(x1: float, y1: float, x2: float, y2: float, cls: str) -> dict:
    return {"x1": _r(x1), "y1": _r(y1), "x2": _r(x2), "y2": _r(y2), "cls": cls}


def _check(categories: Sequence[str], series: SeriesList) -> bool:
    """False when there is nothing to draw; a ValueError for figures that do not line up."""
    if not categories or not series:
        return False
    if len(series) > MAX_SERIES:
        raise ValueError(f"A chart has at most {MAX_SERIES} series; group the rest")
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"{name}: {len(values)} values for {len(categories)} categories")
        if any(v < 0 for v in values):
            raise ValueError(f"{name}: negative figures are not charted")
    return True


def _all_integers(values: Sequence[Number]) -> bool:
    return all(isinstance(v, int) or float(v).is_integer() for v in values)


# ------------------------------------------------------------------------------------------------
# Vertical charts: columns, stacked columns, lines and histograms share one frame


def _vertical(
    chart: Chart,
    labels: Sequence[str],
    top_value: Number,
    *,
    y_label: str,
    integer: bool,
    suffix: str = "",
    edges: Sequence[Number] | None = None,
    x_label: str = "",
) -> dict[str, Any]:
    """Axes, gridlines and category labels; returns the scale for the marks."""
    ticks = nice_ticks(top_value, integer=integer)
    step = ticks[1] - ticks[0]
    tick_texts = [tick_label(t, step, suffix) for t in ticks]
    if edges is not None:
        edge_step = min((b - a for a, b in itertools.pairwise(edges)), default=1)
        x_texts = [tick_label(e, edge_step) for e in edges]
    else:
        x_texts = list(labels)
    left = max(text_width(t) for t in tick_texts) + 10
    right = 10 + (text_width(x_texts[-1]) / 2 if edges is not None else 0)
    top = (LINE + 10 if y_label else 0) + LINE
    plot_w = WIDTH - left - right
    band = plot_w / len(labels)

    # Category labels: wrapped to the band, and only every k-th one when they still do not fit.
    if edges is not None:
        lines = [[t] for t in x_texts]
        positions = [left + i * band for i in range(len(x_texts))]
    else:
        per_line = max(3, int((band - 8) / CHAR))  # a gap of 8 between neighbours
        lines = [wrap(t, per_line) for t in x_texts]
        positions = [left + (i + 0.5) * band for i in range(len(x_texts))]
    widest = max(text_width(line) for group in lines for line in group)
    every = max(1, math.ceil((widest + 8) / band))
    depth = max(len(group) for group in lines)
    bottom = 8 + depth * LINE + (LINE + 6 if x_label else 0)
    height = top + PLOT_HEIGHT + bottom
    axis_max = ticks[-1]
    base = top + PLOT_HEIGHT

    def y(value: Number) -> float:
        return base - (value / axis_max) * PLOT_HEIGHT

    if y_label:
        chart["texts"].append(_text(0, FONT, y_label, "wm-chart__axis-title", "start"))
    for i, (tick, text) in enumerate(zip(ticks, tick_texts, strict=True)):
        cls = "wm-chart__axis" if i == 0 else "wm-chart__grid"
        chart["rules"].append(_rule(left, y(tick), WIDTH - right, y(tick), cls))
        chart["texts"].append(_text(left - 6, y(tick) + 5, text, "wm-chart__tick", "end"))
    cls = "wm-chart__tick" if edges is not None else "wm-chart__category"
    for i, (group, x) in enumerate(zip(lines, positions, strict=True)):
        if i % every == 0:
            chart["texts"].append(_text(x, base + LINE, group, cls))
    if x_label:
        chart["texts"].append(
            _text(left + plot_w / 2, base + LINE * (depth + 1) + 6, x_label, "wm-chart__axis-title")
        )
    chart["height"] = _r(height)
    return {"left": left, "band": band, "y": y, "base": base, "scale": f"0 to {tick_texts[-1]}"}


def _value_labels_fit(values: Sequence[Number], room: float, suffix: str) -> bool:
    return all(text_width(fmt(v) + suffix) <= room for v in values)


def bar_chart(
    categories: Sequence[str],
    series: SeriesList,
    *,
    title: str,
    stacked: bool = False,
    y_label: str = "",
    x_label: str = "",
    horizontal: bool = False,
    targets: Sequence[Number | None] | None = None,
    target_label: str = "Target",
    suffix: str = "",
    axis_max: Number | None = None,
    summary: str | None = None,
    chart_id: str | None = None,
) -> Chart | None:
    """Columns for each category, one per series side by side (or ``stacked``), labelled with
    their values where the labels fit. ``horizontal`` draws bars across the page with each
    category's label above its bars, which suits long labels on a phone, and may carry a
    ``targets`` line per category (a bullet chart: figure against target or plan).

    ``y_label`` names the figures (over the scale), ``x_label`` the categories (under them)."""
    if not _check(categories, series):
        return None
    if horizontal:
        return _horizontal(
            categories,
            series,
            title=title,
            y_label=y_label,
            targets=targets,
            target_label=target_label,
            suffix=suffix,
            axis_max=axis_max,
            summary=summary,
            chart_id=chart_id,
        )
    if targets:
        raise ValueError("Targets are drawn on horizontal bar charts only")
    values = [v for _name, vs in series for v in vs]
    totals = [sum(vs[i] for _n, vs in series) for i in range(len(categories))]
    if summary is None:
        summary = default_sentence(categories, totals, suffix)
    chart = _frame(title, chart_id, "bar", summary)
    top_value = max([*(totals if stacked else values), axis_max or 0])
    scale = _vertical(
        chart,
        categories,
        top_value,
        y_label=y_label,
        integer=_all_integers(values),
        suffix=suffix,
        x_label=x_label,
    )
    band, y, base = scale["band"], scale["y"], scale["base"]
    chart["textures"] = len(series) > 1
    _describe(
        chart,
        f"{_bars_phrase(series, categories, stacked=stacked, x_label=x_label)}, on a scale of "
        f"{scale['scale']}",
    )
    if stacked:
        width = band * 0.6
        show = _value_labels_fit(totals, band - 2, suffix)
        for i, total in enumerate(totals):
            x = scale["left"] + i * band + (band - width) / 2
            level: Number = 0
            for j, (_name, vs) in enumerate(series):
                if vs[i] > 0:
                    chart["rects"].append(
                        _bar(x, y(level + vs[i]), width, y(level) - y(level + vs[i]), j)
                    )
                level += vs[i]
            if show:
                chart["texts"].append(
                    _text(x + width / 2, y(total) - 6, fmt(total) + suffix, "wm-chart__value")
                )
    else:
        group = band * (0.6 if len(series) == 1 else 0.84)
        width = group / len(series)
        show = _value_labels_fit(values, width + (band - group) / len(series), suffix)
        for i in range(len(categories)):
            start = scale["left"] + i * band + (band - group) / 2
            for j, (_name, vs) in enumerate(series):
                x = start + j * width
                gap = 1 if len(series) > 1 else 0
                if vs[i] > 0:
                    chart["rects"].append(
                        _bar(x + gap, y(vs[i]), width - 2 * gap, base - y(vs[i]), j)
                    )
                if show:
                    chart["texts"].append(
                        _text(x + width / 2, y(vs[i]) - 6, fmt(vs[i]) + suffix, "wm-chart__value")
                    )
    if len(series) > 1:
        chart["legend"] = _legend([name for name, _vs in series], "bar")
    return chart


def _bar(x: float, y: float, width: float, height: float, index: int) -> dict[str, Any]:
    return {"x": _r(x), "y": _r(y), "width": _r(width), "height": _r(height), "series": index + 1}


def _horizontal(
    categories: Sequence[str],
    series: SeriesList,
    *,
    title: str,
    y_label: str,
    targets: Sequence[Number | None] | None,
    target_label: str,
    suffix: str,
    axis_max: Number | None,
    summary: str | None,
    chart_id: str | None,
) -> Chart:
    """Bars across the page: each category's label on its own line(s), its bars under it with
    their values at the end, an optional target line through them, the scale at the foot."""
    if targets is not None and len(targets) != len(categories):
        raise ValueError(f"{len(targets)} targets for {len(categories)} categories")
    values = [v for _name, vs in series for v in vs]
    marks = [t for t in (targets or []) if t is not None]
    totals = [sum(vs[i] for _n, vs in series) for i in range(len(categories))]
    if summary is None:
        summary = default_sentence(categories, totals, suffix)
    chart = _frame(title, chart_id, "bar", summary)
    ticks = nice_ticks(max([*values, *marks, axis_max or 0]), integer=_all_integers(values + marks))
    step = ticks[1] - ticks[0]
    tick_texts = [tick_label(t, step, suffix) for t in ticks]
    left = max(4.0, text_width(tick_texts[0]) / 2)
    right = max(text_width(fmt(v) + suffix) for v in values) + 14
    right = max(right, text_width(tick_texts[-1]) / 2 + 4)
    plot_w = WIDTH - left - right
    axis_top = ticks[-1]

    def x(value: Number) -> float:
        return left + (value / axis_top) * plot_w

    y = 0.0
    if y_label:
        chart["texts"].append(_text(0, FONT, y_label, "wm-chart__axis-title", "start"))
        y = LINE + 10
    per_line = int((WIDTH - left) / CHAR)
    for i, category in enumerate(categories):
        lines = wrap(category, per_line)
        chart["texts"].append(_text(left, y + FONT, lines, "wm-chart__label", "start"))
        y += len(lines) * LINE + 4
        block = y
        target = targets[i] if targets is not None else None
        for j, (_name, vs) in enumerate(series):
            if vs[i] > 0:
                chart["rects"].append(_bar(left, y, x(vs[i]) - left, BAR, j))
            label = fmt(vs[i]) + suffix
            at = x(vs[i]) + 6
            if target is not None and x(vs[i]) - 4 <= x(target) <= at + text_width(label) + 2:
                at = x(target) + 8  # past the target line, not through it
            chart["texts"].append(_text(at, y + BAR / 2 + 6, label, "wm-chart__value", "start"))
            y += BAR + 4
        chart["rules"].append(_rule(left, block - 2, left, y - 2, "wm-chart__axis"))
        if target is not None:
            chart["rules"].append(_rule(x(target), block - 5, x(target), y + 1, "wm-chart__target"))
        y += 12
    chart["rules"].append(_rule(left, y, WIDTH - right, y, "wm-chart__axis"))
    for tick, text in zip(ticks, tick_texts, strict=True):
        chart["rules"].append(_rule(x(tick), y, x(tick), y + 5, "wm-chart__axis"))
        chart["texts"].append(_text(x(tick), y + 5 + FONT, text, "wm-chart__tick"))
    chart["height"] = _r(y + 5 + LINE + 6)
    chart["textures"] = len(series) > 1
    marked = f"; a line across a bar marks its {target_label.lower()}" if marks else ""
    _describe(
        chart,
        f"{_bars_phrase(series, categories)}, on a scale of 0 to {tick_texts[-1]}{marked}",
    )
    legend = _legend([name for name, _vs in series], "bar") if len(series) > 1 or marks else []
    if marks:
        legend.append({"label": target_label, "series": 0, "swatch": "target", "marker": ""})
    chart["legend"] = legend
    return chart


def line_chart(
    x_labels: Sequence[str],
    series: SeriesList,
    *,
    title: str,
    y_label: str = "",
    summary: str | None = None,
    chart_id: str | None = None,
) -> Chart | None:
    """A line per series over ``x_labels`` (months, say), each with markers of its own shape."""
    if not _check(x_labels, series):
        return None
    values = [v for _name, vs in series for v in vs]
    if summary is None:
        totals = [sum(vs[i] for _n, vs in series) for i in range(len(x_labels))]
        summary = default_sentence(x_labels, totals)
    chart = _frame(title, chart_id, "line", summary)
    scale = _vertical(chart, x_labels, max(values), y_label=y_label, integer=_all_integers(values))
    band, y = scale["band"], scale["y"]
    _describe(
        chart,
        f"Line chart with a line for each of {_and([name for name, _vs in series])}, from "
        f"{x_labels[0]} to {x_labels[-1]}, on a scale of {scale['scale']}",
    )
    for j, (_name, vs) in enumerate(series):
        points = [(scale["left"] + (i + 0.5) * band, y(v)) for i, v in enumerate(vs)]
        chart["paths"].append(
            {"series": j + 1, "points": " ".join(f"{_r(px)},{_r(py)}" for px, py in points)}
        )
        for px, py in points:
            chart["markers"].append({"series": j + 1, "d": marker_path(SHAPES[j], px, py)})
    if len(series) > 1:
        chart["legend"] = _legend([name for name, _vs in series], "line")
    return chart


def bin_values(
    values: Sequence[Number], *, count: int = 10
) -> tuple[list[tuple[str, int]], list[float]]:
    """Equal bins of a round width over ``values``: ([("2 to under 4", n), ...], edges)."""
    low, high = min(values), max(values)
    step = nice_step((high - low) / count) if high > low else 1.0
    start = math.floor(low / step) * step
    n = max(1, math.floor((high - start) / step) + 1)
    edges = [round(start + i * step, 10) for i in range(n + 1)]
    counts = [0] * n
    for v in values:
        counts[min(n - 1, int((v - start) // step))] += 1
    labels = [
        f"{tick_label(a, step)} to under {tick_label(b, step)}"
        for a, b in itertools.pairwise(edges)
    ]
    return list(zip(labels, counts, strict=True)), edges


def histogram(
    values_or_bins: Sequence[Number] | Sequence[tuple[str, int]],
    *,
    title: str,
    y_label: str = "",
    x_label: str = "",
    edges: Sequence[Number] | None = None,
    bins: int = 10,
    summary: str | None = None,
    chart_id: str | None = None,
) -> Chart | None:
    """Adjoining columns: counted bins ``[(label, count)]`` (with ``edges`` to label the bin
    boundaries on the axis), or raw values binned here in ``bins`` equal, round-width bins."""
    if not values_or_bins:
        return None
    first = values_or_bins[0]
    if isinstance(first, tuple):
        counted = [(str(label), n) for label, n in values_or_bins]  # type: ignore[misc]
    else:
        counted, edges = bin_values(values_or_bins, count=bins)  # type: ignore[arg-type]
    if edges is not None and len(edges) != len(counted) + 1:
        raise ValueError(f"{len(edges)} edges for {len(counted)} bins")
    labels = [label for label, _n in counted]
    counts = [n for _label, n in counted]
    if any(n < 0 for n in counts):
        raise ValueError("negative counts are not charted")
    if summary is None:
        summary = default_sentence(labels, counts)
    chart = _frame(title, chart_id, "histogram", summary)
    scale = _vertical(
        chart, labels, max(counts), y_label=y_label, integer=True, edges=edges, x_label=x_label
    )
    band, y, base = scale["band"], scale["y"], scale["base"]
    across = ""
    if edges is not None:
        across = f" of {x_label.lower() or 'the figure'} from {fmt(edges[0])} to {fmt(edges[-1])}"
    _describe(
        chart,
        f"Histogram of {y_label.lower() or 'counts'} in {len(counts)} bins{across}, on a scale"
        f" of {scale['scale']}",
    )
    show = _value_labels_fit(counts, band - 2, "")
    for i, n in enumerate(counts):
        x = scale["left"] + i * band
        if n > 0:
            chart["rects"].append(_bar(x + 0.5, y(n), band - 1, base - y(n), 0))
        if show:
            chart["texts"].append(_text(x + band / 2, y(n) - 6, fmt(n), "wm-chart__value"))
    return chart
