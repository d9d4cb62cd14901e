"""The data sheet's own row writer against XlsxWriter's public API and openpyxl.

``SheetRows`` writes the row XML that XlsxWriter writes for the same cells; the
first test pins that byte for byte, so an XlsxWriter upgrade that changes its
cell XML (or the internals ``SheetRows`` relies on) fails here, not in a
researcher's spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from app.exports.layout import Layout
from app.exports.variables import Variable
from app.exports.writers.sheet_rows import MAX_CELL, SheetRows, fit_cell, xml_text
from app.exports.writers.text import is_formula_like
from app.exports.writers.xlsx import XlsxWriter
from tests.fixtures.exports import HOSTILE

KINDS = ["number", "coded", "float", "datetime", "text", "text", "number"]
NAMES = ["respondent_id", "q_code", "weight", "started_at", "q_story", "q_other", "n"]

TEXTS = [
    *HOSTILE,
    "",
    "\x00",
    "\x00=SUM(A1)",  # a formula once the NUL is gone
    "".join(chr(c) for c in range(1, 32)),
    "_x0041_ looks like an escape, _x00e9_ too, _x12_ does not",
    "non-characters \ufffe and \uffff",
    "  leading and trailing  ",
    " ",
    "\n",
    "line\n",
    "\u00a0no-break space\u00a0",
    "a & b < c > d \"quoted\" 'single'",
    "\x7f DEL and \x85 NEL and \u2028 separator",
    "ẞ ﬁ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏳️‍🌈 e\u0301",
    "y" * MAX_CELL,
    "z" * (MAX_CELL + 1),
    "x" * 40_000,
    "🙂" * 20_000,  # 40,000 UTF-16 units, 20,000 characters
    "a" + "🙂" * 16_383,  # 32,767 units exactly: kept whole
    "a" * 32_766 + "🙂",  # would end in half an emoji: the emoji goes
    "=" + "1+" * 20_000,
]
NUMBERS = [
    0,
    1,
    -1,
    -9,
    2**40,
    2**53 - 1,
    2**53,
    2**53 + 1,
    10**16 - 1,
    10**16,
    -(10**17),
    123456789012345678901234567890,
    True,
    False,
    0.0,
    -0.0,
    1.5,
    0.1 + 0.2,
    1e-7,
    1e22,
    -2.5e-300,
    12345.678901234567,
    2 / 3,
]
TIMES = [
    dt.datetime(2024, 4, 16, 10, 0),
    dt.datetime(2024, 10, 27, 2, 30, 15, 500_000),
    dt.datetime(1900, 1, 1, 6, 0),
    dt.datetime(1900, 2, 28, 23, 59, 59),
    dt.datetime(1900, 3, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59),
]


def sample_rows() -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i in range(max(len(TEXTS), len(NUMBERS), len(TIMES)) + 3):
        rows.append(
            [
                i + 1,
                NUMBERS[i % len(NUMBERS)],
                NUMBERS[(i * 7) % len(NUMBERS)] if i % 5 else None,
                TIMES[i % len(TIMES)] if i % 4 else None,
                TEXTS[i % len(TEXTS)],
                TEXTS[(i * 3) % len(TEXTS)] if i % 2 else "",
                -3 if i % 3 else 7,
            ]
        )
    rows.append([None, None, None, None, "", "", None])  # no cells: no row
    rows.append([len(rows) + 1, 1, 1.0, TIMES[0], "", "", 0])
    return rows


def _workbook(path: Path) -> tuple[Any, Any, Any, Any]:
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(path.parent),
        },
    )
    workbook.set_properties({"created": dt.datetime(2024, 5, 1, 12, 0)})
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    date = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for cell_format in (bold, date, quoted):
        cell_format._get_xf_index()
    return workbook, bold, quoted, date


def write_fast(path: Path, rows: list[list[Any]]) -> SheetRows:
    workbook, bold, quoted, date = _workbook(path)
    sheet = workbook.add_worksheet("data")
    sheet.freeze_panes(1, 1)
    writer = SheetRows(sheet, KINDS, quoted=quoted, date=date)
    writer.header(NAMES, bold)
    writer.write(rows[:7])
    writer.write([])
    writer.write(rows[7:])
    workbook.add_worksheet("codebook").write_string(0, 0, "after")
    workbook.close()
    return writer


def write_public(path: Path, rows: list[list[Any]]) -> None:
    """What XlsxWriter's own API writes (the writer before ``SheetRows``)."""
    workbook, bold, quoted, date = _workbook(path)
    sheet = workbook.add_worksheet("data")
    sheet.freeze_panes(1, 1)
    for column, name in enumerate(NAMES):
        sheet.write_string(0, column, name, bold)
    for r, row in enumerate(rows, start=1):
        for column, (kind, value) in enumerate(zip(KINDS, row, strict=True)):
            if value is None or value == "":
                continue
            if kind == "text":
                text = value.replace("\x00", "")[:MAX_CELL]
                sheet.write_string(
                    r, column, text, quoted if is_formula_like(text) else None
                )
            elif kind == "datetime":
                sheet.write_datetime(r, column, value, date)
            else:
                sheet.write_number(r, column, value)
    workbook.add_worksheet("codebook").write_string(0, 0, "after")
    workbook.close()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


class TestSameXmlAsXlsxWriter:
    def test_every_part_byte_for_byte(self, tmp_path: Path) -> None:
        rows = sample_rows()
        write_fast(tmp_path / "fast.xlsx", rows)
        write_public(tmp_path / "public.xlsx", rows)
        fast, public = (
            members(tmp_path / "fast.xlsx"),
            members(tmp_path / "public.xlsx"),
        )
        assert list(fast) == list(public)
        for name in public:
            assert fast[name] == public[name], name
        assert (tmp_path / "fast.xlsx").read_bytes() == (
            tmp_path / "public.xlsx"
        ).read_bytes()

    def test_same_rows_same_bytes(self, tmp_path: Path) -> None:
        write_fast(tmp_path / "a.xlsx", sample_rows())
        write_fast(tmp_path / "b.xlsx", sample_rows())
        assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()

    def test_temporary_row_file_removed(self, tmp_path: Path) -> None:
        write_fast(tmp_path / "a.xlsx", sample_rows())
        assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


class TestReadBack:
    def test_values_as_openpyxl_reads_them(self, tmp_path: Path) -> None:
        rows = sample_rows()
        writer = write_fast(tmp_path / "x.xlsx", rows)
        sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["data"]
        got = list(sheet.iter_rows(values_only=True))
        assert got[0] == tuple(NAMES)
        assert len(got) - 1 == len(rows)  # an empty row in between reads as Nones
        for want, row in zip(rows, got[1:], strict=True):
            for kind, value, cell in zip(KINDS, want, row, strict=True):
                if value is None or value == "":
                    assert cell is None
                elif kind == "text":
                    assert ooxml_unescape(cell) == fit_cell(value)[0]
                elif kind == "datetime" and value < dt.datetime(1900, 3, 1):
                    pass  # Excel's fictional 1900-02-29 era: pinned by the byte test
                elif kind == "datetime":
                    assert abs(cell - value) < dt.timedelta(milliseconds=1)
                else:
                    assert cell == value or math.isclose(cell, value, rel_tol=1e-15)
        cut = sum(
            1 for r in rows for v in r[4:6] if isinstance(v, str) and fit_cell(v)[1]
        )
        assert writer.truncated == cut > 0

    def test_formula_like_text_is_a_quoted_text_cell(self, tmp_path: Path) -> None:
        write_fast(tmp_path / "x.xlsx", sample_rows())
        sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["data"]
        seen = 0
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells[4:6]:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    text = ooxml_unescape(cell.value)
                    assert bool(cell.quotePrefix) == is_formula_like(text), text[:20]
                    seen += bool(cell.quotePrefix)
        assert seen >= 5
        xml = members(tmp_path / "x.xlsx")["xl/worksheets/sheet1.xml"]
        assert b"<f>" not in xml

    def test_cells_cut_to_the_excel_limit(self, tmp_path: Path) -> None:
        rows = [
            [1, 1, 1.0, None, "🙂" * 20_000, "a" * 32_766 + "🙂", 0],
            [2, 1, 1.0, None, "x" * 40_000, "a" + "🙂" * 16_383, 0],
        ]
        writer = write_fast(tmp_path / "x.xlsx", rows)
        got = list(
            openpyxl.load_workbook(tmp_path / "x.xlsx")["data"].iter_rows(
                min_row=2, values_only=True
            )
        )
        assert got[0][4] == "🙂" * 16_383
        assert got[0][5] == "a" * 32_766
        assert got[1][4] == "x" * MAX_CELL
        assert got[1][5] == "a" + "🙂" * 16_383
        assert writer.truncated == 3


class TestMarkupIsText:
    """XlsxWriter would copy ``<r>…</r>`` into the sheet as markup."""

    INJECTION = (
        '<r><t>x</t></r></is></c><c r="Z9"><f>WEBSERVICE("http://evil.example")</f>'
        '</c><c r="Z10" t="inlineStr"><is><r><t>y</t></r>'
    )

    def test_rich_string_lookalike_is_escaped(self, tmp_path: Path) -> None:
        rows = [[1, 1, 1.0, None, self.INJECTION, "<r><t>plain</t></r>", 0]]
        write_fast(tmp_path / "x.xlsx", rows)
        xml = members(tmp_path / "x.xlsx")["xl/worksheets/sheet1.xml"]
        assert b"<f>" not in xml and b'<c r="Z9"' not in xml
        sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["data"]
        assert [c.value for c in sheet[2]] == [
            1,
            1,
            1,
            None,
            self.INJECTION,
            "<r><t>plain</t></r>",
            0,
        ]
        assert sheet.max_column == len(NAMES)


class TestRefusals:
    def test_nan_and_infinity_refused_as_xlsxwriter_does(self, tmp_path: Path) -> None:
        for bad in (math.nan, math.inf, -math.inf):
            workbook, bold, quoted, date = _workbook(tmp_path / "x.xlsx")
            writer = SheetRows(
                workbook.add_worksheet("data"), KINDS, quoted=quoted, date=date
            )
            writer.header(NAMES, bold)
            with pytest.raises(TypeError):
                writer.write([[1, 1, bad, None, "", "", 0]])
            workbook.close()

    def test_row_of_the_wrong_width(self, tmp_path: Path) -> None:
        workbook, bold, quoted, date = _workbook(tmp_path / "x.xlsx")
        writer = SheetRows(
            workbook.add_worksheet("data"), KINDS, quoted=quoted, date=date
        )
        writer.header(NAMES, bold)
        with pytest.raises(ValueError, match="row has 3 values"):
            writer.write([[1, 2, 3]])
        workbook.close()

    def test_only_a_new_constant_memory_sheet(self, tmp_path: Path) -> None:
        workbook = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
        fmt = workbook.add_format()
        with pytest.raises(RuntimeError):
            SheetRows(workbook.add_worksheet(), KINDS, quoted=fmt, date=fmt)
        workbook.close()
        workbook, _, quoted, date = _workbook(tmp_path / "y.xlsx")
        sheet = workbook.add_worksheet()
        sheet.write_string(0, 0, "already written")
        with pytest.raises(RuntimeError):
            SheetRows(sheet, KINDS, quoted=quoted, date=date)
        workbook.close()

    def test_rows_past_excel_limit_left_out(self, tmp_path: Path) -> None:
        workbook, bold, quoted, date = _workbook(tmp_path / "x.xlsx")
        writer = SheetRows(
            workbook.add_worksheet("data"), KINDS, quoted=quoted, date=date
        )
        writer.max_rows = 3  # Excel's is 1,048,576; the export refuses more first
        writer.header(NAMES, bold)
        writer.write(sample_rows()[:5])
        workbook.close()
        sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["data"]
        assert sheet.max_row == 3


class TestXmlText:
    @pytest.mark.parametrize(
        ("text", "xml", "preserve"),
        [
            ("plain", "plain", False),
            ("a & <b>", "a &amp; &lt;b&gt;", False),
            ("\rCR", "_x000D_CR", False),
            ("\tTAB", "\tTAB", True),
            ("end\n", "end\n", True),
            ("_x0041_", "_x005F_x0041_", False),
            ("\x01\x1f", "_x0001__x001F_", False),
            ("\ufffe", "_xFFFE_", False),
            ('"q"', '"q"', False),
        ],
    )
    def test_escapes(self, text: str, xml: str, preserve: bool) -> None:
        assert xml_text(text) == (xml, preserve)


def ooxml_unescape(text: str) -> str:
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


class TestWorkbook:
    def test_data_sheet_through_the_export_writer(self, tmp_path: Path) -> None:
        variables = tuple(
            Variable(name, name, "answer", kind, "nominal")
            for name, kind in zip(NAMES, KINDS, strict=True)
        )
        layout = Layout(variables, (), (), ())
        writer = XlsxWriter(layout, tmp_path / "x.xlsx", stamp=None)
        writer.write(sample_rows())
        label = "<r><t>x</t></r>"
        book = {
            "variables": [
                {
                    "name": "q_story",
                    "label": label,
                    "type": "text",
                    "question_id": None,
                    "text": "=1+1",
                    "versions": ["2024"],
                    "routing": [],
                    "values": [{"code": 1, "label": "Ja"}],
                    "missing": [],
                    "counts": {"asked": 12, "answered": 0},
                    "notes": [],
                }
            ],
            "title": "t",
            "dataset": {"rows": 1},
            "missing_values": {"csv_parquet_xlsx": "m"},
            "weighting": {"title": "w", "description": "d", "warnings": []},
            "formula_injection": "f",
        }
        writer.close(book)
        workbook = openpyxl.load_workbook(tmp_path / "x.xlsx")
        assert workbook.sheetnames == ["data", "codebook", "toelichting"]
        assert next(workbook["data"].iter_rows(values_only=True)) == tuple(NAMES)
        codebook = list(workbook["codebook"].iter_rows())
        assert [c.value for c in codebook[1]] == [
            "q_story",
            label,
            "text",
            None,
            "=1+1",
            "2024",
            None,
            "1 = Ja",
            None,
            12,
            0,
            None,
            None,
        ]
        assert codebook[1][4].quotePrefix and codebook[1][4].data_type == "s"
        assert codebook[0][0].font.b
        notes = [r[0] for r in workbook["toelichting"].iter_rows(values_only=True)]
        assert f"Ingekorte teksten (Excel: max. 32.767 tekens): {writer.truncated}" in (
            notes
        )
