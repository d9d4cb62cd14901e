"""CSV downloads of monitor tables (pure)."""

from __future__ import annotations

import csv
import io

from app.monitoring.downloads import table_csv
from app.monitoring.views import (
    COUNT,
    POINTS,
    RATE,
    TEXT,
    Cell,
    Column,
    Line,
    Table,
    count,
    display,
    rate,
)

TABLE = Table(
    key="main",
    title="t",
    label_header="",
    columns=(
        Column("Uitgenodigd", COUNT, "Veldwerk"),
        Column("Respons", COUNT, "Veldwerk"),
        Column("Respons %", RATE, "Veldwerk"),
        Column("Verschil", POINTS, "2022"),
        Column("Signaal", TEXT),
    ),
    lines=(
        Line("Gemeente", "heading", 0, ()),
        Line(
            "Burgemeesters",
            "detail",
            1,
            (
                count(342),
                count(78),
                rate(78, 342, 78 / 342),
                Cell(-19.2, POINTS, (78, 342)),
                Cell("", TEXT),
            ),
        ),
        Line(
            "CvK",
            "detail",
            1,
            (
                count(12),
                count(3),
                rate(3, 12, 0.25),
                Cell(None, POINTS),
                Cell("", TEXT),
            ),
        ),
        Line(
            '=HYPERLINK("http://x")',
            "detail",
            1,
            (
                count(0),
                count(0),
                rate(0, 0, None),
                Cell(None, POINTS),
                Cell("-oops", TEXT),
            ),
        ),
    ),
)


def parse(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


class TestTableCsv:
    def test_dutch_excel_semicolons_and_decimal_commas(self) -> None:
        rows = parse(table_csv(TABLE, delimiter=";"), ";")
        assert rows[0] == [
            "Groep",
            "Veldwerk - Uitgenodigd",
            "Veldwerk - Respons",
            "Veldwerk - Respons %",
            "2022 - Verschil",
            "Signaal",
        ]
        assert rows[1] == ["Gemeente", "", "", "", "", ""]
        assert rows[2] == ["Burgemeesters", "342", "78", "22,8", "-19,2", ""]

    def test_commas_and_decimal_points(self) -> None:
        rows = parse(table_csv(TABLE, delimiter=","), ",")
        assert rows[2] == ["Burgemeesters", "342", "78", "22.8", "-19.2", ""]
        assert rows[3][3] == "25.0" and rows[3][4] == ""

    def test_same_lines_and_columns_as_the_table(self) -> None:
        rows = parse(table_csv(TABLE), ";")
        assert [r[0] for r in rows[1:]][:3] == ["Gemeente", "Burgemeesters", "CvK"]
        assert all(len(r) == len(TABLE.columns) + 1 for r in rows)

    def test_suppression_of_small_cells(self) -> None:
        rows = parse(table_csv(TABLE, min_cell=5), ";")
        # 3 respondents among 12: the count and the rate built on it go
        assert rows[3][1:4] == ["12", "<5", "x"]
        assert rows[2][1:5] == ["342", "78", "22,8", "-19,2"]
        assert rows[4][1:3] == ["0", "0"]  # zero is not a small cell

    def test_formulas_are_defused(self) -> None:
        rows = parse(table_csv(TABLE), ";")
        assert rows[4][0] == '\'=HYPERLINK("http://x")'
        assert rows[4][5] == "'-oops"
        assert rows[2][4] == "-19,2"  # a negative number stays a number


class TestDisplay:
    def test_dutch_formatting(self) -> None:
        assert display(count(10167)) == "10\u202f167"
        assert display(rate(78, 342, 78 / 342)) == "23%"
        assert display(rate(1, 600, 1 / 600)) == "0,2%"
        assert display(rate(0, 0, None)) == "–"
        assert display(Cell(-19.4, POINTS)) == "\u221219"
        assert display(Cell(2.6, POINTS)) == "+3"
        assert display(Cell(0.2, POINTS)) == "0"
