"""CSV downloads of the monitor tables, for Excel (Dutch or not).

Pure: a ``views.Table`` in, text out. UTF-8 with a byte-order mark so Excel
reads the accents; ``;`` with decimal commas for Dutch Excel, ``,`` with
decimal points otherwise. Text cells that a spreadsheet would run as a formula
are defused with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from app.monitoring.views import COUNT, TEXT, Table, csv_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def table_csv(
    table: Table, *, delimiter: str = ";", min_cell: int | None = None
) -> str:
    """The table as CSV. With ``min_cell``, cells based on 1 to ``min_cell - 1``
    people read ``<min_cell`` (counts) or ``x`` (rates and other derived cells)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    header = [table.label_header or "Groep"]
    header += [
        f"{c.group} - {c.header}" if c.group else c.header for c in table.columns
    ]
    writer.writerow([safe_text(h) for h in header])
    decimal_comma = delimiter == ";"
    for line in table.lines:
        row: list[object] = [safe_text(line.label)]
        for cell in line.cells:
            if min_cell and cell.suppressed(min_cell):
                row.append(f"<{min_cell}" if cell.kind == COUNT else "x")
            elif cell.kind == TEXT and isinstance(cell.value, str):
                row.append(safe_text(cell.value))
            else:
                row.append(csv_value(cell, decimal_comma=decimal_comma))
        row += [""] * (len(table.columns) - len(line.cells))
        writer.writerow(row)
    return buffer.getvalue()
