"""The daily response curve as plain geometry, for a server-rendered SVG.

``curve_chart`` is pure: series of responses per local day, the days to show
and the mailing markers in, coordinates and labels out. The template
(``monitoring/_curve.html``) only writes them into SVG elements, escaped like
any other text, so no markup is ever built from data in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MONTHS = (
    "jan",
    "feb",
    "mrt",
    "apr",
    "mei",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
)
SERIES_CLASSES = 8
"""app.css has colours ``series-0`` … ``series-7`` (Okabe–Ito, colour-blind safe)."""


@dataclass(frozen=True)
class Marker:
    """A moment on the time axis, such as a mailing being sent."""

    at: dt.datetime
    label: str


@dataclass(frozen=True)
class Series:
    label: str
    invited: int
    per_day: Mapping[dt.date, int]
    """Invitations that reached the response threshold, per local day."""


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class ChartLine:
    label: str
    css_class: str
    points: str
    final_count: int
    final_rate: float | None
    end_x: float
    end_y: float


@dataclass(frozen=True)
class MarkerLine:
    x: float
    label: str
    title: str


@dataclass(frozen=True)
class TableRow:
    day: dt.date
    label: str
    cells: tuple[tuple[int, float | None], ...]


@dataclass(frozen=True)
class CurveChart:
    title: str
    desc: str
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[ChartLine, ...]
    markers: tuple[MarkerLine, ...]
    table: tuple[TableRow, ...]
    series_labels: tuple[str, ...]
    series_invited: tuple[int, ...]


def day_label(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def day_range(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        start, end = end, start
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _y_scale(top_rate: float) -> tuple[float, float]:
    for limit, step in ((0.1, 0.02), (0.2, 0.05), (0.4, 0.1), (0.6, 0.1), (1.0, 0.2)):
        if top_rate <= limit:
            return limit, step
    return 1.0, 0.2


def curve_chart(
    series: Sequence[Series],
    *,
    days: Sequence[dt.date],
    markers: Sequence[Marker] = (),
    timezone: ZoneInfo,
    title: str,
    width: int = 760,
    height: int = 340,
) -> CurveChart:
    """Cumulative response rate per series, one point at the end of each day.

    Responses dated outside ``days`` count on the nearest shown day, so the
    last point always equals the live total. Markers outside the range are
    left out; the rest sit at their exact time within their day.
    """
    assert days, "a curve needs at least one day"
    left, right, top, bottom = 52, 16, 46, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    first, n_days = days[0], len(days)

    def x_at(t: float) -> float:
        return round(left + plot_w * t / n_days, 1)

    cumulative = [_cumulative(s, days) for s in series]
    rates = [
        [c / s.invited for c in cum] if s.invited else []
        for s, cum in zip(series, cumulative, strict=True)
    ]
    top_rate = max((r[-1] for r in rates if r), default=0.0)
    y_max, y_step = _y_scale(top_rate)

    def y_at(rate: float) -> float:
        return round(top + plot_h * (1 - rate / y_max), 1)

    lines = []
    for index, (s, cum, rate) in enumerate(zip(series, cumulative, rates, strict=True)):
        points = [(x_at(0), y_at(0))] + [
            (x_at(i + 1), y_at(r)) for i, r in enumerate(rate)
        ]
        lines.append(
            ChartLine(
                label=s.label,
                css_class=f"series-{index % SERIES_CLASSES}",
                points=" ".join(f"{x},{y}" for x, y in points) if rate else "",
                final_count=cum[-1],
                final_rate=rate[-1] if rate else None,
                end_x=points[-1][0],
                end_y=points[-1][1],
            )
        )
    every = max(1, -(-n_days // 12))
    x_ticks = tuple(
        Tick(x_at(i), day_label(day) if i % every == 0 else "")
        for i, day in enumerate(days)
    )
    y_ticks = tuple(
        Tick(y_at(k * y_step), f"{round(k * y_step * 100)}%")
        for k in range(round(y_max / y_step) + 1)
    )
    marker_lines = _marker_lines(markers, first, n_days, timezone, x_at)
    table = tuple(
        TableRow(
            day,
            day_label(day),
            tuple(
                (cum[i], rate[i] if rate else None)
                for cum, rate in zip(cumulative, rates, strict=True)
            ),
        )
        for i, day in enumerate(days)
    )
    return CurveChart(
        title=title,
        desc=_describe(series, lines, days, marker_lines),
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        lines=tuple(lines),
        markers=marker_lines,
        table=table,
        series_labels=tuple(s.label for s in series),
        series_invited=tuple(s.invited for s in series),
    )


def _cumulative(series: Series, days: Sequence[dt.date]) -> list[int]:
    first, last = days[0], days[-1]
    per_day: dict[dt.date, int] = {}
    for day, n in series.per_day.items():
        shown = min(max(day, first), last)
        per_day[shown] = per_day.get(shown, 0) + n
    total, out = 0, []
    for day in days:
        total += per_day.get(day, 0)
        out.append(total)
    return out


def _marker_lines(
    markers: Sequence[Marker],
    first: dt.date,
    n_days: int,
    timezone: ZoneInfo,
    x_at: Callable[[float], float],
) -> tuple[MarkerLine, ...]:
    origin = dt.datetime.combine(first, dt.time(), tzinfo=timezone)
    lines = []
    for marker in sorted(markers, key=lambda m: m.at):
        local = marker.at.astimezone(timezone)
        t = (
            local.replace(tzinfo=None) - origin.replace(tzinfo=None)
        ).total_seconds() / 86400
        if 0 <= t <= n_days:
            when = f"{day_label(local.date())} {local:%H:%M}"
            lines.append(MarkerLine(x_at(t), marker.label, f"{marker.label}, {when}"))
    return tuple(lines)


def _describe(
    series: Sequence[Series],
    lines: Sequence[ChartLine],
    days: Sequence[dt.date],
    markers: Sequence[MarkerLine],
) -> str:
    parts = [
        f"Cumulatieve respons per dag, van {day_label(days[0])} tot en met "
        f"{day_label(days[-1])}, als percentage van de uitgenodigden."
    ]
    if lines:
        ends = "; ".join(
            f"{line.label}: {_pct(line.final_rate)} ({line.final_count} van {s.invited})"
            for line, s in zip(lines, series, strict=True)
        )
        parts.append(f"Stand op de laatste dag: {ends}.")
    if markers:
        parts.append("Verzendingen: " + "; ".join(m.title for m in markers) + ".")
    else:
        parts.append("Er zijn nog geen verzendingen verstuurd.")
    return " ".join(parts)


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"
