"""Excel workbook: a data sheet and a codebook sheet, written in constant memory.

XlsxWriter's ``constant_memory`` mode flushes each row to a temporary file, so
memory stays flat whatever the number of rows. String conversion is off
(``strings_to_formulas``/``_urls``/``_numbers``): text is always a text cell.
Text that a spreadsheet would read as a formula when a user edits the cell is
stored with Excel's ``quotePrefix`` attribute: the same thing Excel does when
someone types an apostrophe before it, so the cell shows the exact answer and
stays text.

Every sheet's rows are written by ``SheetRows`` (``sheet_rows.py``), which
appends the row XML that XlsxWriter would write, at a fraction of the cost of
its per-cell API, and escapes text XlsxWriter would copy in as markup.
Style indices are assigned in a fixed order before any cell is written, so
``styles.xml`` is the same whatever the data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from app.exports.layout import Layout
from app.exports.writers.sheet_rows import SheetRows, xf_index
from app.exports.writers.text import fixed_timestamp

MAX_ROWS = 1_048_575
"""Excel's limit minus the header row."""


class XlsxWriter:
    def __init__(
        self,
        layout: Layout,
        path: Path,
        *,
        stamp: dt.datetime | None,
        tmpdir: str | None = None,
        notice: Sequence[str] = (),
    ) -> None:
        self.layout = layout
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": tmpdir,
            },
        )
        created = fixed_timestamp(stamp)
        self.workbook.set_properties({"created": created, "title": "veldwerk export"})
        self.bold = self.workbook.add_format({"bold": True})
        self.quoted = self.workbook.add_format({"quote_prefix": True})
        self.date = self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for cell_format in (self.bold, self.date, self.quoted):
            xf_index(cell_format)  # style numbers in this order, always
        if notice:
            # The first sheet says what kind of file this is (working file that
            # can identify people, or shareable with disclosure control).
            first = SheetRows(
                self.workbook.add_worksheet("privacy"),
                ["text"],
                quoted=self.quoted,
                date=self.date,
            )
            first.write([[line] for line in notice])
        self.sheet = self.workbook.add_worksheet("data")
        self.sheet.freeze_panes(1, 1)
        self.rows = SheetRows(
            self.sheet,
            [v.kind for v in layout.variables],
            quoted=self.quoted,
            date=self.date,
        )
        self.rows.header([v.name for v in layout.variables], self.bold)

    @property
    def truncated(self) -> int:
        return self.rows.truncated

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self.rows.write(rows)

    def close(self, codebook: dict[str, Any]) -> None:
        """The codebook and toelichting sheets, written like the data (the same
        escaping, quoting and cut), then the workbook."""
        sheet = SheetRows(
            self.workbook.add_worksheet("codebook"),
            ["text"] * 9 + ["number"] * 3 + ["text"],
            quoted=self.quoted,
            date=self.date,
        )
        sheet.header(CODEBOOK_HEADER, self.bold)
        sheet.write([_codebook_row(v) for v in codebook["variables"]])
        lines = [
            codebook["title"],
            f"Rijen: {codebook['dataset']['rows']}",
            codebook["missing_values"]["csv_parquet_xlsx"],
            f"Weging: {codebook['weighting'].get('title', '')}. {codebook['weighting'].get('description', '')}",
            *codebook["weighting"].get("warnings", []),
            codebook["formula_injection"],
            *(
                [
                    "Ingekorte teksten (Excel: max. 32.767 tekens): "
                    + str(self.truncated)
                ]
                if self.truncated
                else []
            ),
            "Volledig codeboek (JSON):",
            json.dumps(codebook["weighting"], ensure_ascii=False),
        ]
        info = SheetRows(
            self.workbook.add_worksheet("toelichting"),
            ["text"],
            quoted=self.quoted,
            date=self.date,
        )
        info.write([[str(line)] for line in lines])
        self.workbook.close()


CODEBOOK_HEADER = [
    "variable",
    "label",
    "type",
    "vraag",
    "tekst",
    "versies",
    "gevraagd aan",
    "waarden",
    "ontbrekend",
    "gevraagd",
    "beantwoord",
    "weet niet",
    "opmerkingen",
]


def _codebook_row(variable: dict[str, Any]) -> list[Any]:
    counts = variable.get("counts") or {}
    return [
        variable["name"],
        variable["label"],
        variable["type"],
        variable["question_id"] or "",
        variable["text"],
        ", ".join(variable["versions"]),
        " | ".join(f"{x['version']}: {x['words']}" for x in variable["routing"]),
        "; ".join(f"{v['code']} = {v['label']}" for v in variable["values"]),
        "; ".join(f"{m['code']} = {m['label']}" for m in variable["missing"]),
        counts.get("asked"),
        counts.get("answered"),
        counts.get("dont_know"),
        " ".join(variable["notes"]),
    ]
