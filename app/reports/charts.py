"""Report charts as plain geometry, for a server-rendered SVG (page and PDF alike).

``chart_for(table)`` is pure: a :class:`~app.reports.model.ReportTable` in,
coordinates and Dutch labels out. The template (``reports/_chart.html``) only
writes them into SVG elements, escaped like any text, so no markup is built from
data in Python. Colours are SVG attributes (Okabe–Ito, colour-blind safe), not
CSS, so WeasyPrint draws the same chart as the browser; lines also differ by
dash pattern and the value labels carry ▲/▼ for significant differences, so no
reading depends on colour alone.

* ``bar``/``grouped``: horizontal bars, one group per row, one bar per column;
* ``trend``: one line per row across the columns (editions), broken where an
  edition has no percentage (not asked, or a small cell).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from app.reports.model import Cell, ReportTable
from app.reports.numbers import nl_int, nl_percent

PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#b07800",
    "#56b4e9",
    "#000000",
    "#7f7f7f",
)
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 2", "1 2", "12 4", "3 6")
SYMBOL = {"hoger": " ▲", "lager": " ▼"}
FONT = 12


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    lines: tuple[str, ...]
    anchor: str = "start"
    cls: str = ""


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True, slots=True)
class Line:
    segments: tuple[str, ...]
    """SVG ``points`` strings; a gap in the data starts a new segment."""
    stroke: str
    dash: str
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Grid:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class LegendItem:
    x: float
    y: float
    label: str
    colour: str
    dash: str
    kind: str
    """"swatch" (a square, for bars) or "line" (a stroke with its dash)."""


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    desc: str
    width: int
    height: int
    grid: tuple[Grid, ...]
    texts: tuple[Text, ...]
    bars: tuple[Bar, ...]
    lines: tuple[Line, ...]
    legend: tuple[LegendItem, ...]


def _value_text(cell: Cell) -> str:
    if cell.suppressed:
        return "–"
    if cell.percent is not None:
        return nl_percent(cell.percent) + SYMBOL.get(cell.mark or "", "")
    if cell.count is not None:
        return f"{nl_int(cell.count)} van {nl_int(cell.n)}"
    return ""


def _axis_max(values: list[float]) -> int:
    top = max(values, default=0.0)
    return max(10, min(100, math.ceil(top / 10) * 10 + (10 if top % 10 > 7 else 0)))


def _wrap(label: str, width: int) -> tuple[str, ...]:
    lines = textwrap.wrap(label, width) or [""]
    if len(lines) > 2:
        lines = [
            lines[0],
            textwrap.shorten(" ".join(lines[1:]), width, placeholder="…"),
        ]
    return tuple(lines)


def _describe(table: ReportTable) -> str:
    parts = []
    for row in table.rows:
        values = ", ".join(
            f"{col.label} {_value_text(cell) or 'geen gegevens'}"
            for col, cell in zip(table.columns, row.cells, strict=False)
        )
        parts.append(f"{row.label}: {values}")
    return "; ".join(parts)


def chart_for(
    table: ReportTable,
    *,
    width: int = 640,
    breakdown_labels: Mapping[str, str] | None = None,
) -> Chart | None:
    if table.chart is None or not table.rows or not table.columns:
        return None
    # a trend of one edition is drawn as bars: a line of one point says nothing
    if table.chart == "trend" and len(table.columns) > 1:
        return _trend(table, width)
    if any(c.breakdown for c in table.columns) and not all(
        c.edition is not None for c in table.columns
    ):
        return _panels(table, width, breakdown_labels or {})
    return _bars(table, width)


def _panels(
    table: ReportTable, width: int, breakdown_labels: Mapping[str, str]
) -> Chart:
    """A breakdown table (total and groups as columns): one panel per row, one bar
    per column, the groups named on the axis under their breakdown's name, in one
    colour and the total in grey. Twenty colours in a legend would be unreadable."""
    left, right, top = 220.0, 78.0, 8.0
    bar_h, step = 13.0, 16.0
    plot_w = width - left - right
    values = [c.percent for r in table.rows for c in r.cells if c.percent is not None]
    axis = _axis_max(values)
    texts: list[Text] = []
    bars: list[Bar] = []
    y = top
    for row in table.rows:
        if len(table.rows) > 1:
            texts.append(Text(8, y + 12, (row.label,), "start", "head"))
            y += 20
        previous: str | None = None
        for column, cell in zip(table.columns, row.cells, strict=False):
            if column.breakdown and column.breakdown != previous:
                name = breakdown_labels.get(column.breakdown, column.breakdown)
                texts.append(Text(left - 8, y + 11, (name,), "end", "sub"))
                y += step
            previous = column.breakdown
            value = _value_text(cell)
            texts.append(Text(left - 8, y + bar_h - 3, (column.label,), "end", "cat"))
            x_end = left
            if cell.percent is not None:
                w = plot_w * cell.percent / axis
                x_end = left + w
                colour = PALETTE[7] if column.breakdown is None else PALETTE[0]
                bars.append(
                    Bar(
                        left,
                        y,
                        round(w, 1),
                        bar_h,
                        colour,
                        f"{row.label}, {column.label}: {value}",
                    )
                )
            if value:
                texts.append(Text(x_end + 4, y + bar_h - 3, (value,), "start", "val"))
            y += step
        y += 10
    plot_bottom = y - 6
    grid = []
    for t in range(0, axis + 1, 10 if axis <= 60 else 20):
        gx = left + plot_w * t / axis
        grid.append(Grid(gx, top, gx, plot_bottom))
        texts.append(Text(gx, plot_bottom + 14, (nl_percent(t),), "middle", "tick"))
    return Chart(
        kind="grouped",
        title=f"{table.number} – {table.title}",
        desc=_describe(table),
        width=width,
        height=math.ceil(plot_bottom + 24),
        grid=tuple(grid),
        texts=tuple(texts),
        bars=tuple(bars),
        lines=(),
        legend=(),
    )


def _legend(
    labels: list[str], *, top: float, width: int, kind: str
) -> tuple[tuple[LegendItem, ...], float]:
    items: list[LegendItem] = []
    x, y, step = 12.0, top, 18.0
    for i, label in enumerate(labels):
        span = 28 + len(label) * 6.6
        if x + span > width and x > 12:
            x, y = 12.0, y + step
        items.append(
            LegendItem(
                x, y, label, PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)], kind
            )
        )
        x += span + 14
    return tuple(items), y + step


def _bars(table: ReportTable, width: int) -> Chart:
    series = list(table.columns)
    k = len(series)
    bar_h = 16.0 if k == 1 else 12.0
    gap = 10.0
    left, right, top = 200.0, 78.0, 8.0
    plot_w = width - left - right
    values = [c.percent for r in table.rows for c in r.cells if c.percent is not None]
    axis = _axis_max(values)
    texts: list[Text] = []
    bars: list[Bar] = []
    y = top
    for row in table.rows:
        group_h = k * bar_h
        texts.append(
            Text(left - 8, y + group_h / 2 + 4, _wrap(row.label, 30), "end", "cat")
        )
        for j, (column, cell) in enumerate(zip(series, row.cells, strict=False)):
            by = y + j * bar_h
            value = _value_text(cell)
            x_end = left
            if cell.percent is not None:
                w = plot_w * cell.percent / axis
                x_end = left + w
                name = row.label if k == 1 else f"{row.label}, {column.label}"
                bars.append(
                    Bar(
                        left,
                        by + 1,
                        round(w, 1),
                        bar_h - 2,
                        PALETTE[j % len(PALETTE)],
                        f"{name}: {value}",
                    )
                )
            if value:
                texts.append(Text(x_end + 4, by + bar_h - 4, (value,), "start", "val"))
        y += group_h + gap
    plot_bottom = y - gap + 4
    grid = []
    for t in range(0, axis + 1, 10 if axis <= 60 else 20):
        gx = left + plot_w * t / axis
        grid.append(Grid(gx, top - 4, gx, plot_bottom))
        texts.append(Text(gx, plot_bottom + 14, (nl_percent(t),), "middle", "tick"))
    height = plot_bottom + 22
    legend: tuple[LegendItem, ...] = ()
    if k > 1:
        legend, height = _legend(
            [c.label for c in series], top=height + 8, width=width, kind="swatch"
        )
    return Chart(
        kind=table.chart or "bar",
        title=f"{table.number} – {table.title}",
        desc=_describe(table),
        width=width,
        height=math.ceil(height + 4),
        grid=tuple(grid),
        texts=tuple(texts),
        bars=tuple(bars),
        lines=(),
        legend=legend,
    )


def _spread(
    points: list[tuple[float, str]], gap: float = 13.0
) -> list[tuple[float, str]]:
    """Value labels of one edition kept ``gap`` apart: the highest point's label
    above it, the next ones below their point when they would overlap."""
    placed: list[tuple[float, str]] = []
    for y, text in sorted(points):
        label_y = y - 7
        if placed and label_y < placed[-1][0] + gap:
            label_y = max(y + 16, placed[-1][0] + gap)
        placed.append((label_y, text))
    return placed


def _stack(
    points: list[tuple[float, str]], gap: float = 13.0
) -> list[tuple[float, str]]:
    """Labels beside their points, pushed down just enough to keep ``gap``."""
    placed: list[tuple[float, str]] = []
    for y, text in sorted(points):
        placed.append((max(y, placed[-1][0] + gap) if placed else y, text))
    return placed


def _trend(table: ReportTable, width: int) -> Chart:
    left, right, top, plot_h = 44.0, 64.0, 18.0, 200.0
    plot_w = width - left - right
    columns = list(table.columns)
    values = [c.percent for r in table.rows for c in r.cells if c.percent is not None]
    axis = _axis_max(values)
    pad = 22.0  # keeps the first and last value labels clear of the axes
    step = (plot_w - 2 * pad) / (len(columns) - 1) if len(columns) > 1 else 0.0
    xs = [
        left + pad + i * step if len(columns) > 1 else left + plot_w / 2
        for i in range(len(columns))
    ]
    bottom = top + plot_h
    grid: list[Grid] = []
    texts: list[Text] = []
    for t in range(0, axis + 1, 10 if axis <= 60 else 20):
        gy = bottom - plot_h * t / axis
        grid.append(Grid(left, gy, width - right, gy))
        texts.append(Text(left - 6, gy + 4, (nl_percent(t),), "end", "tick"))
    for x, column in zip(xs, columns, strict=True):
        texts.append(Text(x, bottom + 16, (column.label,), "middle", "tick"))
    lines: list[Line] = []
    labels: dict[float, list[tuple[float, str]]] = {}
    for i, row in enumerate(table.rows):
        segments: list[list[str]] = [[]]
        points: list[Point] = []
        for x, column, cell in zip(xs, columns, row.cells, strict=False):
            if cell.percent is None:
                if segments[-1]:
                    segments.append([])
                continue
            y = bottom - plot_h * cell.percent / axis
            segments[-1].append(f"{x:.1f},{y:.1f}")
            text = _value_text(cell)
            points.append(
                Point(round(x, 1), round(y, 1), f"{row.label}, {column.label}: {text}")
            )
            labels.setdefault(round(x, 1), []).append((y, text))
        lines.append(
            Line(
                tuple(" ".join(s) for s in segments if s),
                PALETTE[i % len(PALETTE)],
                DASHES[i % len(DASHES)],
                tuple(points),
            )
        )
    last = round(xs[-1], 1) if xs else None
    for x, at_x in labels.items():
        if x == last and len(xs) > 1:
            # the newest edition: labels right of the points, stacked, so close
            # values stay readable
            texts.extend(
                Text(x + 8, y, (text,), "start", "val")
                for y, text in _stack([(y + 4, t) for y, t in at_x])
            )
        else:
            texts.extend(
                Text(x, y, (text,), "middle", "val") for y, text in _spread(at_x)
            )
    legend, height = _legend(
        [r.label for r in table.rows], top=bottom + 34, width=width, kind="line"
    )
    return Chart(
        kind="trend",
        title=f"{table.number} – {table.title}",
        desc=_describe(table),
        width=width,
        height=math.ceil(height + 4),
        grid=tuple(grid),
        texts=tuple(texts),
        bars=(),
        lines=tuple(lines),
        legend=legend,
    )
