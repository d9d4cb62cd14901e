"""A computed ReportTable as the page shows it: Dutch texts per cell, footnotes, chart.

Pure: ``present(table)`` reads only :mod:`app.reports.model` and returns plain
strings for the template, which escapes them like any other text. The rules the
report follows are applied here once, for the staff page and the factsheet alike:

* a percentage cell shows "47%"; a cell whose base is below the small-cell
  threshold shows the unweighted count ("7 van 23") and says so in a footnote;
* a suppressed cell shows "–" and a footnote says why;
* a significant difference is marked by a symbol (▲ hoger, ▼ lager) *and* a
  text for screen readers, never by colour alone; the legend spells it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from app.reports.charts import Chart, chart_for
from app.reports.model import Cell, Column, ReportTable, Row
from app.reports.numbers import nl_int, nl_percent

SYMBOL = {"hoger": "▲", "lager": "▼"}
SMALL_CELL_NOTE = (
    "Een getal als ‘7 van 23’: de basis is te klein voor een percentage; "
    "getoond is het ongewogen aantal respondenten."
)
SUPPRESSED_NOTE = (
    "–: niet getoond, omdat de cel zo weinig respondenten telt dat een persoon "
    "herkenbaar zou kunnen zijn."
)


@dataclass(frozen=True, slots=True)
class ShownCell:
    text: str
    """What the cell shows: "47%", "7 van 23", "–" or ""."""
    symbol: str
    """▲, ▼ or ""."""
    spoken: str
    """Extra words for screen readers: "significant hoger", "niet getoond"."""
    kind: str
    """percent, count, suppressed or empty (a CSS class)."""


@dataclass(frozen=True, slots=True)
class ShownColumn:
    label: str
    n_text: str
    """"n=1.076" or ""."""


@dataclass(frozen=True, slots=True)
class ShownRow:
    label: str
    cells: tuple[ShownCell, ...]


@dataclass(frozen=True)
class ShownTable:
    table: ReportTable
    dom_id: str
    caption: str
    columns: tuple[ShownColumn, ...]
    rows: tuple[ShownRow, ...]
    footnotes: tuple[str, ...]
    legend: tuple[str, ...]
    """Legend lines for the significance marks (empty when nothing is marked)."""
    chart: Chart | None
    groups: tuple[tuple[str, int], ...] = ()
    """Header spans over the columns, one per breakdown ("" over the total);
    empty when the table has no breakdowns."""


def cell_text(cell: Cell) -> ShownCell:
    if cell.suppressed:
        return ShownCell("–", "", "niet getoond", "suppressed")
    if cell.percent is not None:
        symbol = SYMBOL.get(cell.mark or "", "")
        spoken = f"significant {cell.mark}" if cell.mark else ""
        return ShownCell(nl_percent(cell.percent), symbol, spoken, "percent")
    if cell.count is not None:
        return ShownCell(
            f"{nl_int(cell.count)} van {nl_int(cell.n)}",
            "",
            "ongewogen aantal",
            "count",
        )
    return ShownCell("", "", "geen gegevens", "empty")


def column_text(column: Column) -> ShownColumn:
    return ShownColumn(
        column.label, f"n={nl_int(column.n)}" if column.n is not None else ""
    )


def compares_editions(table: ReportTable) -> bool:
    """Columns are editions (a trend): marks are against the previous edition."""
    return bool(table.columns) and all(c.edition is not None for c in table.columns)


def legend_lines(table: ReportTable) -> tuple[str, ...]:
    marks = {
        c.mark for r in table.rows for c in r.cells if c.mark and c.percent is not None
    }
    if not marks:
        return ()
    against = (
        "dan de vorige meting"
        if compares_editions(table)
        else "dan de andere groep(en)"
    )
    return tuple(
        f"{SYMBOL[m]} significant {m} aandeel {against}"
        for m in ("hoger", "lager")
        if m in marks
    )


def pivot_editions(table: ReportTable) -> ReportTable:
    """Groups × editions (e.g. "Provincies 2022" … "Provincies 2024" side by side)
    turned into one row per group and one column per edition, as the report's trend
    figures read; the chart then draws one line per group. Other tables as they are.
    """
    columns = table.columns
    if not (
        columns
        and all(c.edition is not None for c in columns)
        and any(c.breakdown for c in columns)
    ):
        return table
    editions = sorted({c.edition for c in columns if c.edition is not None})
    groups: dict[str, str] = {}
    where: dict[tuple[str, int], int] = {}
    for i, c in enumerate(columns):
        assert c.edition is not None
        key = c.key.removesuffix(f"_{c.edition}")
        groups.setdefault(key, c.label.removesuffix(f" {c.edition}"))
        where[(key, c.edition)] = i
    single = len(table.rows) == 1
    rows = tuple(
        Row(
            key if single else f"{row.key}_{key}",
            label if single else f"{row.label}: {label}",
            tuple(
                row.cells[where[(key, e)]] if (key, e) in where else Cell(None, None, 0)
                for e in editions
            ),
        )
        for row in table.rows
        for key, label in groups.items()
    )
    return replace(
        table,
        columns=tuple(Column(str(e), str(e), None, e, None) for e in editions),
        rows=rows,
    )


def column_groups(
    table: ReportTable, labels: Mapping[str, str]
) -> tuple[tuple[str, int], ...]:
    if not any(c.breakdown for c in table.columns):
        return ()
    spans: list[tuple[str, int]] = []
    for column in table.columns:
        name = (
            labels.get(column.breakdown, column.breakdown) if column.breakdown else ""
        )
        if spans and spans[-1][0] == name:
            spans[-1] = (name, spans[-1][1] + 1)
        else:
            spans.append((name, 1))
    return tuple(spans)


def present(
    table: ReportTable, breakdown_labels: Mapping[str, str] | None = None
) -> ShownTable:
    """``breakdown_labels``: the definition's names of the breakdowns ("tier" →
    "Overheid"), which the computed table keeps only as keys."""
    labels = breakdown_labels or {}
    table = pivot_editions(table)
    cells = [c for r in table.rows for c in r.cells]
    notes = list(table.footnotes)
    if any(
        c.count is not None and c.percent is None and not c.suppressed for c in cells
    ):
        notes.append(SMALL_CELL_NOTE)
    if any(c.suppressed for c in cells):
        notes.append(SUPPRESSED_NOTE)
    return ShownTable(
        table=table,
        dom_id=f"tabel-{table.id}".replace("_", "-"),
        caption=f"{table.number} – {table.title}" if table.number else table.title,
        columns=tuple(column_text(c) for c in table.columns),
        rows=tuple(
            ShownRow(r.label, tuple(cell_text(c) for c in r.cells)) for r in table.rows
        ),
        footnotes=tuple(notes),
        legend=legend_lines(table),
        chart=chart_for(table, breakdown_labels=labels),
        groups=column_groups(table, labels),
    )
