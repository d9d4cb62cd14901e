"""CSV files the samples domain hands out: problem reports and panel links.

Written for Dutch Excel (``;``, UTF-8 with BOM) and safe against formula
injection: a cell that a spreadsheet would run as a formula gets a leading
apostrophe (OWASP's advice), since problem reports quote values from uploaded
files verbatim.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
PROBLEM_HEADER = ["regel", "kolom", "kopnaam", "code", "melding"]


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_line(cells: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(
        [safe_cell(c) for c in cells]
    )
    return buffer.getvalue()


def problem_rows(problems: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    yield PROBLEM_HEADER
    for p in problems:
        yield [
            p.get("line"),
            p.get("column"),
            p.get("header"),
            p.get("code"),
            p.get("message"),
        ]


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """A whole (small) CSV file, BOM first so Excel reads it as UTF-8."""
    return "\ufeff" + "".join(csv_line(row) for row in rows)
