"""The monitor's tables as shown: columns, cells and their Dutch formatting.

One ``Table`` is built per table on the page and is rendered twice, by the
template and by the CSV writer, so a download always has the rows and columns
the manager sees. Each cell knows the counts it is based on, so a download
can suppress cells based on fewer than ``disclosure_k`` people.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.monitoring.chart import CurveChart
from app.monitoring.states import Disposition, Tally
from app.monitoring.tables import (
    CompositionTable,
    MainRow,
    SplitTable,
)

COUNT, RATE, POINTS, RATIO, PVALUE, TEXT = "count", "rate", "pp", "ratio", "p", "text"


@dataclass(frozen=True)
class Cell:
    value: int | float | str | None
    kind: str
    basis: tuple[int, ...] = ()
    """The counts this cell derives from (numerator, denominator, ...)."""

    def suppressed(self, min_cell: int) -> bool:
        return any(0 < b < min_cell for b in self.basis)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str
    group: str = ""
    """Header of the column group above this column (e.g. "2022", "AAPOR")."""
    explain: str = ""
    """The definition or formula, shown as the header's tooltip."""
    short: str = ""
    """Header on the page when narrower than ``header`` (may hold soft hyphens)."""

    @property
    def page_header(self) -> str:
        return self.short or self.header


@dataclass(frozen=True)
class Line:
    label: str
    kind: str
    """heading | detail | subtotal | total"""
    depth: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    label_header: str
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]

    def column_groups(self) -> list[tuple[str, int]]:
        """(group header, span) runs, for a two-row table header."""
        runs: list[tuple[str, int]] = []
        for column in self.columns:
            if runs and runs[-1][0] == column.group:
                runs[-1] = (column.group, runs[-1][1] + 1)
            else:
                runs.append((column.group, 1))
        return runs


def count(value: int) -> Cell:
    return Cell(value, COUNT, (value,))


def rate(numerator: int, denominator: int | None, value: float | None) -> Cell:
    return Cell(value, RATE, (numerator, denominator or 0))


# --- main table (Table 4.3) ------------------------------------------------------

RR_DENOMINATOR = "(I+P) + (R+NC+O) + (UH+UO)"
AAPOR_COLUMNS = (
    Column("RR1", RATE, "AAPOR", f"RR1 = I / ({RR_DENOMINATOR})"),
    Column("RR2", RATE, "AAPOR", f"RR2 = (I+P) / ({RR_DENOMINATOR})"),
    Column("COOP1", RATE, "AAPOR", "COOP1 = I / ((I+P) + R + O)"),
    Column("COOP2", RATE, "AAPOR", "COOP2 = (I+P) / ((I+P) + R + O)"),
)
SHY = "\u00ad"  # soft hyphen: long Dutch headers may break in narrow columns
FIELDWORK_COLUMNS = (
    Column("Uitgenodigd", COUNT, "Veldwerk", short=f"Uitge{SHY}nodigd"),
    Column("Gemaild", COUNT, "Veldwerk", "Minstens één mail verstuurd"),
    Column(
        "Onbestelbaar",
        COUNT,
        "Veldwerk",
        "Mail kwam onbestelbaar terug",
        f"Onbe{SHY}stelbaar",
    ),
    Column("Afgemeld", COUNT, "Veldwerk", "Heeft zich afgemeld", f"Afge{SHY}meld"),
    Column(
        "Niet in aanmerking",
        COUNT,
        "Veldwerk",
        "Bv. niet meer in functie",
        f"Niet in aan{SHY}merking",
    ),
    Column("Gestart", COUNT, "Veldwerk", "Heeft de vragenlijst geopend"),
    Column("Respons", COUNT, "Veldwerk", "Kwam tot en met vraag 5"),
    Column("Volledig", COUNT, "Veldwerk", "Rondde de vragenlijst af", f"Vol{SHY}ledig"),
    Column("Respons %", RATE, "Veldwerk", "Respons / uitgenodigd"),
    Column(
        "Voltooiing %", RATE, "Veldwerk", "Volledig / respons", f"Voltooi{SHY}ing %"
    ),
)


def _aapor_cells(t: Tally) -> tuple[Cell, ...]:
    cooperating = t.i + t.p + t.r + t.o
    return (
        rate(t.i, t.rr_denominator, t.rr1),
        rate(t.i + t.p, t.rr_denominator, t.rr2),
        rate(t.i, cooperating, t.coop1),
        rate(t.i + t.p, cooperating, t.coop2),
    )


def _fieldwork_cells(t: Tally) -> tuple[Cell, ...]:
    return (
        count(t.invited),
        count(t.mailed),
        count(t.undeliverable),
        count(t.opted_out),
        count(t.ineligible),
        count(t.started),
        count(t.response),
        count(t.complete),
        rate(t.response, t.invited, t.response_rate),
        rate(t.complete, t.response, t.completion_rate),
    )


def main_view(rows: Sequence[MainRow], *, edition: str | None) -> Table:
    columns = list(FIELDWORK_COLUMNS)
    if edition:
        columns += [
            Column("Uitgenodigd", COUNT, edition, short=f"Uitge{SHY}nodigd"),
            Column("Respons", COUNT, edition),
            Column("Respons %", RATE, edition),
            Column(
                "Verschil (procentpunten)",
                POINTS,
                edition,
                f"Respons % nu min respons % in {edition}",
                "Verschil (pp)",
            ),
        ]
    lines = []
    for row in rows:
        if row.spec.kind == "heading":
            lines.append(Line(row.spec.label, "heading", row.spec.depth, ()))
            continue
        cells = list(_fieldwork_cells(row.tally))
        if edition:
            cells += _reference_cells(row)
        lines.append(Line(row.spec.label, row.spec.kind, row.spec.depth, tuple(cells)))
    return Table(
        "main", "Respons per bestuurslaag en functie", "", tuple(columns), tuple(lines)
    )


def _reference_cells(row: MainRow) -> list[Cell]:
    ref = row.reference
    if ref is None:
        return [
            Cell(None, COUNT),
            Cell(None, COUNT),
            Cell(None, RATE),
            Cell(None, POINTS),
        ]
    t = row.tally
    return [
        Cell(ref.invited, COUNT),
        Cell(ref.responses, COUNT),
        Cell(ref.rate, RATE),
        Cell(row.difference_pp, POINTS, (t.response, t.invited)),
    ]


def dispositions_view(rows: Sequence[MainRow]) -> Table:
    """Dispositions per row, and the AAPOR rates beside the monitor's own rate."""
    columns = (
        *(
            Column(f"{d.category} {d.code}", COUNT, "Eindcode (AAPOR)", d.label)
            for d in Disposition
        ),
        *AAPOR_COLUMNS,
        Column("Respons %", RATE, "Monitor", "Vraag 5 bereikt / uitgenodigd"),
    )
    lines = []
    for row in rows:
        if row.spec.kind == "heading":
            lines.append(Line(row.spec.label, "heading", row.spec.depth, ()))
            continue
        t = row.tally
        counts = t.disposition_counts()
        cells = (
            *(count(counts[d]) for d in Disposition),
            *_aapor_cells(t),
            rate(t.response, t.invited, t.response_rate),
        )
        lines.append(Line(row.spec.label, row.spec.kind, row.spec.depth, cells))
    return Table(
        "dispositions",
        "Eindcodes en responspercentages (AAPOR)",
        "",
        columns,
        tuple(lines),
    )


# --- split table (Table 4.4, Table 1.3) -----------------------------------------


def split_view(table: SplitTable) -> Table:
    columns: list[Column] = [
        Column("Uitgenodigd", COUNT, "Totaal"),
        Column("Respons", COUNT, "Totaal"),
    ]
    for label in table.labels:
        columns += [
            Column("Uitgenodigd", COUNT, label),
            Column(
                "% van uitgenodigden",
                RATE,
                label,
                f"Aandeel {label.lower()} in de uitgenodigden",
            ),
            Column("Respons", COUNT, label),
            Column(
                "% van respons", RATE, label, f"Aandeel {label.lower()} in de respons"
            ),
            Column("Respons %", RATE, label, "Respons / uitgenodigd"),
        ]
    lines = []
    for row in table.rows:
        if row.spec.kind == "heading":
            lines.append(Line(row.spec.label, "heading", row.spec.depth, ()))
            continue
        cells = [count(row.total.invited), count(row.total.response)]
        for cell, inv_share, resp_share in zip(
            row.cells, row.invited_shares(), row.response_shares(), strict=True
        ):
            cells += [
                count(cell.invited),
                rate(cell.invited, row.total.invited, inv_share),
                count(cell.response),
                rate(cell.response, row.total.response, resp_share),
                rate(cell.response, cell.invited, cell.response_rate),
            ]
        lines.append(Line(row.spec.label, row.spec.kind, row.spec.depth, tuple(cells)))
    return Table("split", table.split.title, "", tuple(columns), tuple(lines))


# --- composition ------------------------------------------------------------------

FLAGS = {"onder": "ondervertegenwoordigd", "over": "oververtegenwoordigd", "": ""}


def composition_view(tables: Sequence[CompositionTable]) -> Table:
    columns = (
        Column("Steekproef", COUNT, "", "Uitgenodigd en in aanmerking"),
        Column("% van steekproef", RATE),
        Column("Respons", COUNT, "", "AAPOR I + P"),
        Column("% van respons", RATE),
        Column("Verhouding", RATIO, "", "% van respons / % van steekproef"),
        Column("p", PVALUE, "", "Toets: responspercentage van de groep tegen de rest"),
        Column("Signaal", TEXT),
    )
    lines = []
    for table in tables:
        lines.append(Line(table.dimension.label, "heading", 0, ()))
        n_total, r_total = table.totals
        for row in table.rows:
            cells = (
                count(row.sample),
                rate(row.sample, n_total, row.sample_share),
                count(row.responses),
                rate(row.responses, r_total, row.response_share),
                Cell(row.ratio, RATIO, (row.sample, row.responses)),
                Cell(row.p_value, PVALUE, (row.sample, row.responses)),
                Cell(FLAGS[row.flag], TEXT),
            )
            lines.append(Line(row.label, "detail", 1, cells))
        if table.unknown_sample:
            unknown = (
                count(table.unknown_sample),
                Cell(None, RATE),
                count(table.unknown_responses),
                Cell(None, RATE),
                Cell(None, RATIO),
                Cell(None, PVALUE),
                Cell("niet meegeteld", TEXT),
            )
            lines.append(Line("Onbekend", "detail", 1, unknown))
    return Table(
        "composition", "Samenstelling van de respons", "Kenmerk", columns, tuple(lines)
    )


# --- formatting -----------------------------------------------------------------------

MINUS = "\u2212"
DASH = "–"


def _number(value: float, decimals: int) -> str:
    text = f"{abs(value):,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return (MINUS if value < 0 and round(abs(value), decimals) else "") + text


def display(cell: Cell) -> str:
    """How a cell reads on the page (Dutch numbers, "–" for nothing to show)."""
    value = cell.value
    if value is None:
        return DASH
    if cell.kind == TEXT:
        return str(value)
    assert isinstance(value, int | float)
    formats: dict[str, Callable[[float], str]] = {
        COUNT: lambda v: _number(v, 0),
        # whole percentages as in the report; small shares keep one decimal
        RATE: lambda v: _number(v * 100, 1 if 0 < abs(v) < 0.01 else 0) + "%",
        POINTS: lambda v: ("+" if round(v) > 0 else "") + _number(v, 0),
        RATIO: lambda v: _number(v, 2),
        PVALUE: lambda v: "<0,001" if v < 0.001 else _number(v, 3),
    }
    return formats[cell.kind](value)


def csv_value(cell: Cell, *, decimal_comma: bool) -> Any:
    """A cell for a spreadsheet: plain numbers (percentages with one decimal)."""
    value = cell.value
    if value is None:
        return ""
    if cell.kind in (TEXT, COUNT):
        return value
    assert isinstance(value, int | float)
    number = {
        RATE: f"{value * 100:.1f}",
        POINTS: f"{value:.1f}",
        RATIO: f"{value:.2f}",
        PVALUE: f"{value:.4f}",
    }[cell.kind]
    return number.replace(".", ",") if decimal_comma else number


# --- the curve's data table -------------------------------------------------------


def curve_view(chart: CurveChart) -> Table:
    """The daily curve as a table: the chart's text alternative and its CSV."""
    columns: list[Column] = []
    for label in chart.series_labels:
        columns += [
            Column("Respons", COUNT, label, "Cumulatief, tot en met deze dag"),
            Column("Respons %", RATE, label, "Cumulatief, van de uitgenodigden"),
        ]
    lines = []
    for row in chart.table:
        cells: list[Cell] = []
        for (cumulative, share), invited in zip(
            row.cells, chart.series_invited, strict=True
        ):
            cells += [count(cumulative), rate(cumulative, invited, share)]
        lines.append(Line(row.label, "detail", 0, tuple(cells)))
    return Table("curve", chart.title, "Dag", tuple(columns), tuple(lines))


def show_rate(value: float | None) -> str:
    return display(Cell(value, RATE))


TEMPLATE_HELPERS = {"display": display, "show_rate": show_rate, "count_cell": count}
"""Passed into the monitor templates, which format cells only through these."""
