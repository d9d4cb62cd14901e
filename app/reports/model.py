"""The computed report table: what every presentation (CSV, XLSX, HTML, factsheet) reads.

Kept as plain frozen dataclasses so writers and templates need nothing but this
module, and so a table can be compared value for value in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mark = Literal["hoger", "lager"]
ChartKind = Literal["bar", "trend", "grouped"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One figure of a table.

    ``percent`` is the weighted percentage 0–100; it is None when the base is
    below the small-cell threshold (then ``count`` holds the unweighted count of
    respondents with the answer) or when the cell is suppressed. ``n`` is the
    unweighted base the cell rests on. ``mark`` is set only for a difference that
    is significant at the table's stated level (against the other groups of the
    breakdown, or against the previous edition: the footnote says which).
    Cells of earlier editions hold the published percentage and the published
    base, or ``n=0`` where the report prints none; ``percent`` None with
    ``count`` None and ``n=0`` means "not available" (shown as "-").
    """

    percent: float | None
    count: int | None
    n: int
    mark: Mark | None = None
    suppressed: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """A column: the total, one group of a breakdown, or one edition.

    Keys: ``totaal`` or the group's key; in tables with editions every column
    (this edition's too) is ``<key>_<edition>`` with ``edition`` set.
    """

    key: str
    label: str
    breakdown: str | None
    edition: int | None
    n: int | None


@dataclass(frozen=True, slots=True)
class Row:
    """A row: one answer category (or item of a multiple-response question)."""

    key: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class ReportTable:
    """A table or figure as the report prints it.

    ``id`` is the definition's id ("tabel_2_2"); ``number`` the printed
    number ("Tabel 2.2", "Figuur 2.3"). ``base_label`` is built from
    ``n_total`` ("Basis: politieke ambtsdragers (n=1.076)"). ``footnotes`` name
    multiple response, the significance test and level, and suppression.
    """

    id: str
    number: str
    title: str
    base_label: str
    chart: ChartKind | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    footnotes: tuple[str, ...]
    n_total: int
