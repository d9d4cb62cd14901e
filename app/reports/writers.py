"""Report tables to files: one CSV per table (long form) and one XLSX (one sheet per table).

Pure: tables in, bytes out. CSV is long ("tidy") so analysts can filter and
pivot it: one line per cell with the weighted percentage, the count shown
instead of it for small bases, the unweighted n, the significance mark and
whether it is suppressed. The XLSX sheet is laid out as the report prints the
table, with numbers as numbers (percentages formatted, marks in the number
format so the value stays a number) and every text written as text, never as
a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from app.exports.writers.text import guard_formula
from app.reports.model import Cell, Mark, ReportTable

CSV_HEADER = [
    "tabel",
    "nummer",
    "rij",
    "rijlabel",
    "kolom",
    "kolomlabel",
    "uitsplitsing",
    "editie",
    "percentage",
    "aantal",
    "n",
    "significant",
    "onderdrukt",
]
MARK_WORDS = {"hoger": "significant hoger", "lager": "significant lager"}


def _text(value: object) -> str:
    return guard_formula(str(value).replace("\x00", ""))


def table_csv(table: ReportTable) -> bytes:
    """UTF-8 with BOM (Excel opens it with the right characters), comma separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in table.rows:
        for column, cell in zip(table.columns, row.cells, strict=True):
            writer.writerow(
                [
                    _text(table.id),
                    _text(table.number),
                    _text(row.key),
                    _text(row.label),
                    _text(column.key),
                    _text(column.label),
                    _text(column.breakdown or ""),
                    "" if column.edition is None else column.edition,
                    "" if cell.percent is None else f"{cell.percent:.4f}",
                    "" if cell.count is None else cell.count,
                    cell.n,
                    cell.mark or "",
                    "ja" if cell.suppressed else "",
                ]
            )
    writer.writerow([])
    writer.writerow(["# " + _text(table.base_label)])
    for note in table.footnotes:
        writer.writerow(["# " + _text(note)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sheet_name(table: ReportTable, taken: set[str]) -> str:
    """Excel: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = "".join(c for c in table.id if c not in "[]:*?/\\")[:31] or "tabel"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"_{n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def tables_xlsx(tables: Sequence[ReportTable], *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties({"title": title or "Rapporttabellen", "author": "veldwerk"})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    formats: dict[Mark | None, Format] = {
        None: book.add_format({"num_format": "0%"}),
        "hoger": book.add_format({"num_format": '0%" ▲ hoger"', "bold": True}),
        "lager": book.add_format({"num_format": '0%" ▼ lager"', "bold": True}),
    }
    count_format = book.add_format({"num_format": '"aantal: "0', "italic": True})
    n_format = book.add_format({"num_format": '"n="#,##0', "italic": True})
    taken: set[str] = set()
    for table in tables:
        sheet = book.add_worksheet(sheet_name(table, taken))
        sheet.write_string(0, 0, f"{table.number} – {table.title}", bold)
        sheet.write_string(1, 0, table.base_label)
        sheet.write_string(3, 0, "")
        for c, column in enumerate(table.columns, start=1):
            sheet.write_string(3, c, column.label, bold)
            if column.n is not None:
                sheet.write_number(4, c, column.n, n_format)
        sheet.write_string(4, 0, "Ongewogen n")
        for r, row in enumerate(table.rows, start=5):
            sheet.write_string(r, 0, row.label, wrap)
            for c, cell in enumerate(row.cells, start=1):
                _write_cell(sheet, r, c, cell, formats, count_format)
        last = 5 + len(table.rows) + 1
        for i, note in enumerate(table.footnotes):
            sheet.write_string(last + i, 0, note)
        sheet.set_column(0, 0, 60)
        sheet.set_column(1, max(1, len(table.columns)), 16)
    book.close()
    return buffer.getvalue()


def _write_cell(
    sheet: Worksheet,
    r: int,
    c: int,
    cell: Cell,
    formats: Mapping[Mark | None, Format],
    count_format: Format,
) -> None:
    if cell.suppressed:
        sheet.write_string(r, c, "onderdrukt")
    elif cell.percent is not None:
        sheet.write_number(r, c, cell.percent / 100, formats[cell.mark])
    elif cell.count is not None:
        sheet.write_number(r, c, cell.count, count_format)
    else:
        sheet.write_string(r, c, "-")


def write_directory(
    tables: Sequence[ReportTable], out: Path, *, title: str = ""
) -> list[str]:
    """``<id>.csv`` per table and ``tabellen.xlsx`` into ``out``; returns the file names."""
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for table in tables:
        (out / f"{table.id}.csv").write_bytes(table_csv(table))
        names.append(f"{table.id}.csv")
    (out / "tabellen.xlsx").write_bytes(tables_xlsx(tables, title=title))
    names.append("tabellen.xlsx")
    return names
