"""The response curve's geometry (pure)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.monitoring.chart import (
    CurveChart,
    Marker,
    Series,
    curve_chart,
    day_label,
    day_range,
)

AMS = ZoneInfo("Europe/Amsterdam")
DAYS = day_range(dt.date(2024, 4, 16), dt.date(2024, 4, 25))  # ten days


def chart(
    series: list[Series],
    markers: list[Marker] | None = None,
    days: list[dt.date] = DAYS,
) -> CurveChart:
    return curve_chart(
        series, days=days, markers=markers or [], timezone=AMS, title="Respons"
    )


def points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in text.split()]  # type: ignore[misc]


class TestLines:
    def test_cumulative_rate_at_the_end_of_each_day(self) -> None:
        series = Series(
            "Voorzitters", 100, {dt.date(2024, 4, 16): 10, dt.date(2024, 4, 18): 10}
        )
        c = chart([series])
        line = c.lines[0]
        xy = points(line.points)
        assert len(xy) == len(DAYS) + 1  # start of the first day, then every day's end
        assert xy[0][0] == c.left and xy[-1][0] == c.width - c.right
        assert line.final_count == 20 and line.final_rate == pytest.approx(0.2)
        # y axis tops at 20% (the nearest step above 20%), so the last point is at the top
        assert c.y_ticks[-1].label == "20%"
        assert xy[-1][1] == pytest.approx(c.top)
        assert xy[1][1] == xy[2][1] > xy[3][1]  # flat on the 17th, up on the 18th
        assert [cell[0] for cell in (row.cells[0] for row in c.table)][:3] == [
            10,
            10,
            20,
        ]

    def test_responses_outside_the_days_count_on_the_nearest_day(self) -> None:
        series = Series("x", 10, {dt.date(2024, 4, 1): 1, dt.date(2024, 6, 1): 2})
        c = chart([series])
        assert c.table[0].cells[0][0] == 1
        assert c.lines[0].final_count == 3

    def test_a_group_without_invitations_has_no_line(self) -> None:
        c = chart([Series("Leeg", 0, {})])
        assert c.lines[0].points == "" and c.lines[0].final_rate is None
        assert c.y_ticks[-1].label == "10%"

    def test_series_get_distinct_classes(self) -> None:
        c = chart([Series(str(i), 1, {}) for i in range(10)])
        assert [line.css_class for line in c.lines][:9] == [
            f"series-{i % 8}" for i in range(9)
        ]


class TestAxes:
    def test_day_ticks_with_sparse_labels(self) -> None:
        days = day_range(dt.date(2024, 4, 16), dt.date(2024, 5, 21))  # 36 days
        c = chart([Series("x", 1, {})], days=days)
        assert len(c.x_ticks) == 36
        labelled = [t.label for t in c.x_ticks if t.label]
        assert labelled[0] == "16 apr" and len(labelled) <= 12
        assert day_label(dt.date(2024, 5, 1)) == "1 mei"


class TestMarkers:
    def test_marker_sits_at_its_local_time_within_the_day(self) -> None:
        sent = dt.datetime(2024, 4, 23, 7, 0, tzinfo=dt.UTC)  # 09:00 in Amsterdam
        c = chart([Series("x", 1, {})], [Marker(sent, "Herinnering 1")])
        (marker,) = c.markers
        plot = c.width - c.left - c.right
        expected = c.left + plot * (7 + 9 / 24) / len(DAYS)
        assert marker.x == pytest.approx(expected, abs=0.1)
        assert marker.title == "Herinnering 1, 23 apr 09:00"
        assert "Herinnering 1, 23 apr 09:00" in c.desc

    def test_markers_outside_the_days_are_left_out(self) -> None:
        early = Marker(dt.datetime(2024, 3, 1, tzinfo=dt.UTC), "oud")
        c = chart([Series("x", 1, {})], [early])
        assert c.markers == ()
        assert "nog geen verzendingen" in c.desc


class TestDescription:
    def test_text_alternative_names_range_and_final_figures(self) -> None:
        c = chart([Series("Raadsleden", 3214, {dt.date(2024, 4, 17): 453})])
        assert c.desc.startswith(
            "Cumulatieve respons per dag, van 16 apr tot en met 25 apr"
        )
        assert "Raadsleden: 14% (453 van 3214)" in c.desc
