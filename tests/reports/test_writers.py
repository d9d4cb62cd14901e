"""CSV and XLSX of report tables: numbers stay numbers, text never becomes a formula."""

from __future__ import annotations

import csv
import io

import openpyxl

from app.reports import writers
from app.reports.model import Cell, Column, ReportTable, Row

HOSTILE = '=HYPERLINK("http://evil.example","klik")'


def table(label: str = "Gemeenten") -> ReportTable:
    return ReportTable(
        id="tabel_x",
        number="Tabel X",
        title="Titel",
        base_label="Basis: politieke ambtsdragers (n=1.076)",
        chart="bar",
        columns=(
            Column("totaal", "Totaal", None, None, 1076),
            Column("gemeente", label, "tier", None, 787),
            Column("provincie", "Provincies", "tier", None, 40),
            Column("waterschap", "Waterschappen", "tier", None, 3),
        ),
        rows=(
            Row(
                "victim",
                "+31 slachtoffer",
                (
                    Cell(45.25, None, 1076),
                    Cell(47.0, None, 787, "hoger"),
                    Cell(None, 12, 40),
                    Cell(None, None, 3, None, True),
                ),
            ),
        ),
        footnotes=("Meerdere antwoorden mogelijk.", "-2+3 voetnoot"),
        n_total=1076,
    )


def test_csv_is_long_with_numbers_and_guarded_text() -> None:
    data = writers.table_csv(table(HOSTILE)).decode("utf-8")
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    assert rows[0] == writers.CSV_HEADER
    body = rows[1:5]
    assert [r[4] for r in body] == ["totaal", "gemeente", "provincie", "waterschap"]
    assert body[0][8] == "45.2500" and body[0][10] == "1076"
    assert body[1][5] == "'" + HOSTILE and body[1][11] == "hoger"
    assert body[2][8] == "" and body[2][9] == "12"
    assert body[3][12] == "ja" and body[3][8] == "" and body[3][9] == ""
    assert body[0][3] == "'+31 slachtoffer"
    assert ["# '-2+3 voetnoot"] in rows


def test_xlsx_one_sheet_per_table_numbers_as_numbers_no_formulas() -> None:
    data = writers.tables_xlsx([table(HOSTILE), table()])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["tabel_x", "tabel_x_2"]
    sheet = book["tabel_x"]
    assert sheet["A2"].value == "Basis: politieke ambtsdragers (n=1.076)"
    assert sheet.cell(4, 3).value == HOSTILE and sheet.cell(4, 3).data_type == "s"
    assert sheet.cell(6, 1).value == "+31 slachtoffer"
    assert sheet.cell(6, 2).value == 0.4525 and sheet.cell(6, 2).number_format == "0%"
    assert sheet.cell(6, 3).value == 0.47 and "hoger" in sheet.cell(6, 3).number_format
    assert sheet.cell(6, 4).value == 12 and "aantal" in sheet.cell(6, 4).number_format
    assert sheet.cell(6, 5).value == "onderdrukt"
    assert sheet.cell(5, 2).value == 1076
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
