"""Cells, columns, legend and footnotes as the report prints them (Dutch, no colour-only marks)."""

from __future__ import annotations

import pytest

from app.reports.charts import chart_for
from app.reports.numbers import nl_int, nl_percent
from app.reports.views import SMALL_CELL_NOTE, SUPPRESSED_NOTE, pivot_editions, present
from tests.reports.tables import breakdown_table, forms_table, ways_table


def test_dutch_numbers() -> None:
    assert nl_int(1076) == "1.076"
    assert nl_percent(46.5) == "47%"  # half up, as printed
    assert nl_percent(12.25, 1) == "12,3%"
    assert nl_percent(None) == "–"


def test_breakdown_cells_marks_counts_and_suppression() -> None:
    shown = present(breakdown_table())
    total, men, women, small, hidden = shown.rows[0].cells
    assert (total.text, total.symbol, total.kind) == ("45%", "", "percent")
    assert (men.text, men.symbol, men.spoken) == ("37%", "▼", "significant lager")
    assert (women.text, women.symbol, women.spoken) == ("55%", "▲", "significant hoger")
    assert (small.text, small.kind) == ("7 van 12", "count")
    assert (hidden.text, hidden.kind, hidden.spoken) == (
        "–",
        "suppressed",
        "niet getoond",
    )
    assert shown.columns[0].n_text == "n=1.076"
    assert shown.legend == (
        "▲ significant hoger aandeel dan de andere groep(en)",
        "▼ significant lager aandeel dan de andere groep(en)",
    )
    assert SMALL_CELL_NOTE in shown.footnotes
    assert SUPPRESSED_NOTE in shown.footnotes
    assert shown.dom_id == "tabel-tabel-2-2"
    assert shown.groups == (("", 1), ("geslacht", 2), ("functie", 2))
    named = present(breakdown_table(), {"geslacht": "Geslacht"})
    assert named.groups == (("", 1), ("Geslacht", 2), ("functie", 2))


def test_trend_marks_are_against_the_previous_edition() -> None:
    shown = present(forms_table())
    assert shown.legend == ("▼ significant lager aandeel dan de vorige meting",)
    assert SMALL_CELL_NOTE not in shown.footnotes


def test_trend_chart_breaks_the_line_where_an_edition_has_no_percentage() -> None:
    chart = chart_for(forms_table())
    assert chart is not None and chart.kind == "trend"
    physical = chart.lines[3]
    assert len(physical.points) == 5  # 2014 missing
    assert len(physical.segments) == 1
    assert all(line.dash != chart.lines[0].dash for line in chart.lines[1:])
    assert "Totaal agressie" in chart.desc and "2024 47% ▼" in chart.desc
    labels = [t.lines[0] for t in chart.texts if t.cls == "val"]
    assert "47% ▼" in labels


def test_bar_chart_lengths_are_proportional_and_small_cells_have_no_bar() -> None:
    chart = chart_for(ways_table())
    assert chart is not None
    widths = [b.width for b in chart.bars]
    assert widths[0] / widths[1] == pytest.approx(62.4 / 40.2, rel=0.01)
    grouped = chart_for(
        breakdown_table(),
        breakdown_labels={"geslacht": "Geslacht", "functie": "Functie"},
    )
    assert grouped is not None
    assert (
        len(grouped.bars) == 6
    )  # 2 rows × 3 percentage cells; counts and "–" get none
    # a breakdown: one panel per row, groups named on the axis under their breakdown
    assert grouped.legend == ()
    categories = [t.lines[0] for t in grouped.texts if t.cls == "cat"]
    assert categories[:3] == ["Totaal", "Mannen", "Vrouwen"]
    assert [t.lines[0] for t in grouped.texts if t.cls == "sub"][:2] == [
        "Geslacht",
        "Functie",
    ]
    assert [t.lines[0] for t in grouped.texts if t.cls == "head"] == [
        "Totaal",
        "Verbale agressie",
    ]
    assert {b.fill for b in grouped.bars[1:3]} == {"#0072b2"}
    assert "7 van 12" in [t.lines[0] for t in grouped.texts]


def test_groups_by_edition_pivot_into_one_line_per_group() -> None:
    from tests.reports.tables import tiers_table

    table = pivot_editions(tiers_table())
    assert [r.key for r in table.rows] == ["gemeente", "provincie", "waterschap"]
    assert [r.label for r in table.rows] == ["Gemeenten", "Provincies", "Waterschappen"]
    assert [c.edition for c in table.columns] == [2014, 2016, 2018, 2020, 2022, 2024]
    assert [c.percent for c in table.rows[1].cells] == [25, 36, 37, 49, 59, 47]
    assert table.rows[2].cells[-1].n == 146
    chart = chart_for(table)
    assert chart is not None and len(chart.lines) == 3
    assert pivot_editions(breakdown_table()) == breakdown_table()  # no editions: as is


def test_a_trend_of_one_edition_is_drawn_as_bars() -> None:
    from dataclasses import replace

    table = forms_table()
    one = replace(
        table,
        columns=table.columns[-1:],
        rows=tuple(replace(r, cells=r.cells[-1:]) for r in table.rows),
    )
    chart = chart_for(one)
    assert chart is not None and chart.kind == "trend" and not chart.lines
    assert len(chart.bars) == 4
