"""The data sheet's rows as XML, appended straight to XlsxWriter's row file.

Why not ``write_number``/``write_string``: in ``constant_memory`` mode every
public call goes through an argument decorator, bounds and dimension checks
and a cell tuple, and the row is then flushed with generic, per-attribute XML
escaping: about 3 µs a cell, a minute for 100,000 responses of 200 columns.
All XlsxWriter does with a finished row in that mode is append its ``<row>``
element to a temporary file (``Worksheet.row_data_fh``), which it copies into
``<sheetData>`` when the workbook closes. ``SheetRows`` appends the same
elements itself, about 0.1 µs a cell, with the cell kinds decided once per
column; the package, styles, the other sheets and the ZIP stay XlsxWriter's.

The XML is what XlsxWriter writes for the same cells, byte for byte (pinned
against the public API by ``tests/exports/test_sheet_rows.py``), with one
deliberate difference: XlsxWriter copies a string of the form ``<r>…</r>``
into the sheet unescaped, taking it for one of its own rich strings, so a
respondent could inject cells (formulas included). An answer is never markup;
here it is escaped like any other text.

XlsxWriter internals relied on (checked in ``SheetRows.__init__``, and by the
tests on every upgrade): ``constant_memory`` with ``row_data_fh`` as the row
file, ``_check_dimensions`` for the ``<dimension>`` element,
``Format._get_xf_index`` for style indices, and rows written without height,
spans or row format (Excel 2007 mode, default row height).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import IO, Any

from xlsxwriter.format import Format
from xlsxwriter.utility import _datetime_to_excel_datetime, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from app.exports.writers.text import is_formula_like

MAX_CELL = 32_767
"""Excel's limit on one cell, in UTF-16 code units (an emoji counts twice)."""

_NUMBER, _TEXT, _DATETIME = "number", "text", "datetime"
_INT_EXACT = 2**53
"""Below this, ``str(int)`` is what XlsxWriter's ``{:.16G}`` gives (larger
integers go through a float, as XlsxWriter writes them)."""

# The escapes of XlsxWriter's inline strings (xmlwriter.py, utility.py):
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
"""Text that looks like an escape gets its underscore escaped (``_x005F``)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
"""Characters XML 1.0 cannot hold (tab and newline can): ``_xHHHH_``."""
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LEADING_SPACE = re.compile(r"^\s")
_TRAILING_SPACE = re.compile(r"\s$")


def xf_index(cell_format: Format) -> int:
    """The style number XlsxWriter gives ``cell_format`` (assigned on first use)."""
    index: int = cell_format._get_xf_index()  # type: ignore[no-untyped-call]  # private, unannotated in XlsxWriter
    return index


def _control_escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def xml_text(text: str) -> tuple[str, bool]:
    """Text as XML character data of an inline string, and whether it needs
    ``xml:space="preserve"`` (leading or trailing white space)."""
    if _SPECIAL.search(text) is not None:
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(_control_escape, text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        preserve = bool(_LEADING_SPACE.search(text) or _TRAILING_SPACE.search(text))
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text, preserve
    return text, bool(_LEADING_SPACE.search(text) or _TRAILING_SPACE.search(text))


def fit_cell(text: str) -> tuple[str, bool]:
    """NUL dropped (XML cannot carry it), cut to Excel's 32,767 UTF-16 units
    without splitting a character; and whether it was cut."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if len(text) <= MAX_CELL // 2:
        return text, False
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units <= MAX_CELL:
        return text, False
    if units == len(text):  # nothing above U+FFFF: one unit a character
        return text[:MAX_CELL], True
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_CELL:
            return text[:index], True
    return text, False


def number_text(value: Any) -> str:
    """A number as XlsxWriter writes it (``{:.16G}``); NaN and infinity refused."""
    if value.__class__ is int and -_INT_EXACT < value < _INT_EXACT:
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"NaN or infinity cannot be written to Excel: {value!r}")
    return f"{value:.16G}"


class SheetRows:
    """Appends rows to one constant-memory worksheet of XlsxWriter.

    Writes every row itself, the header included (the sheet's own ``write_*``
    must not be used on it), cells left to right, empty values (None, "")
    left out. ``kinds`` are the layout's variable kinds: ``text``,
    ``datetime``, anything else a number. The sheet's ``<dimension>`` takes
    its columns from the header, which spans them all (a one-column sheet
    needs none).
    """

    def __init__(
        self,
        sheet: Worksheet,
        kinds: Sequence[str],
        *,
        quoted: Format,
        date: Format,
    ) -> None:
        # XlsxWriter's inferred types say None for both files (it opens them later)
        fh: IO[str] | None = getattr(sheet, "row_data_fh", None)
        sheet_fh: IO[str] | None = getattr(sheet, "fh", None)
        if not (
            sheet.constant_memory
            and fh is not None
            and fh is sheet_fh
            and sheet.excel_version == 2007
            and sheet.default_row_height == sheet.original_row_height
            and sheet.dim_rowmax is None
            and not sheet.table
        ):
            raise RuntimeError(
                "SheetRows needs a new, empty constant_memory worksheet of the "
                "XlsxWriter version it was written for (see its module docstring)"
            )
        self.sheet = sheet
        self.fh = fh
        self.kinds = [
            _TEXT if k == "text" else _DATETIME if k == "datetime" else _NUMBER
            for k in kinds
        ]
        self.columns = [xl_col_to_name(c) for c in range(len(self.kinds))]
        self.quoted = xf_index(quoted)
        self.date = xf_index(date)
        self.date_1904 = sheet.date_1904
        self.next_row = 0
        self.max_rows = sheet.xls_rowmax
        self.truncated = 0
        """Texts cut to Excel's cell limit."""

    def header(self, names: Sequence[str], cell_format: Format) -> None:
        """The first row: one text cell per column, in ``cell_format``."""
        if self.next_row != 0 or len(names) != len(self.kinds):
            raise ValueError("the header is the first row, one name per column")
        style = xf_index(cell_format)
        cells = []
        for ref, name in zip(self.columns, names, strict=True):
            text, preserve = xml_text(name)
            cells.append(_text_cell(f"{ref}1", style, text, preserve))
        self.fh.write(f'<row r="1">{"".join(cells)}</row>')
        self.sheet._check_dimensions(0, 0)
        self.sheet._check_dimensions(0, len(names) - 1)
        self.next_row = 1

    def write(self, rows: Sequence[Sequence[Any]]) -> None:  # noqa: C901 -- hot loop, inlined
        """The next rows; rows past Excel's last row are left out, as
        XlsxWriter does (the export refuses more rows before it starts)."""
        if self.next_row == 0 and len(self.kinds) > 1:
            raise ValueError("write the header first")
        rows = rows[: max(0, self.max_rows - self.next_row)]
        width = len(self.kinds)
        columns, kinds = self.columns, self.kinds
        out: list[str] = []
        append = out.append
        row_index = self.next_row
        first = last = None
        for row in rows:
            if len(row) != width:
                raise ValueError(f"row has {len(row)} values, the sheet {width}")
            n = str(row_index + 1)
            start = len(out)
            append(f'<row r="{n}">')
            for ref, kind, value in zip(columns, kinds, row, strict=True):
                if value is None:
                    continue
                if kind is _NUMBER:
                    if value.__class__ is int and -_INT_EXACT < value < _INT_EXACT:
                        append(f'<c r="{ref}{n}"><v>{value}</v></c>')
                    elif value != "":
                        append(f'<c r="{ref}{n}"><v>{number_text(value)}</v></c>')
                elif kind is _TEXT:
                    if value != "":
                        append(self._text(ref + n, value))
                elif value != "":
                    number = _datetime_to_excel_datetime(value, self.date_1904, False)
                    append(f'<c r="{ref}{n}" s="{self.date}"><v>{number:.16G}</v></c>')
            if len(out) - start == 1:
                del out[start:]  # no cells: XlsxWriter writes no row either
            else:
                append("</row>")
                if first is None:
                    first = row_index
                last = row_index
            row_index += 1
        if out:
            self.fh.write("".join(out))
        if first is not None and last is not None:
            self.sheet._check_dimensions(first, 0)
            self.sheet._check_dimensions(last, 0)
        self.next_row = row_index

    def _text(self, ref: str, value: str) -> str:
        text, cut = fit_cell(value)
        self.truncated += cut
        style = self.quoted if is_formula_like(text) else None
        escaped, preserve = xml_text(text)
        return _text_cell(ref, style, escaped, preserve)


def _text_cell(ref: str, style: int | None, text: str, preserve: bool) -> str:
    s = "" if style is None else f' s="{style}"'
    space = ' xml:space="preserve"' if preserve else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
