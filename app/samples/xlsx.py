"""Reading the first sheet of an XLSX file without trusting anything in it.

An XLSX file is a zip of XML: a few hundred kilobytes can unpack to gigabytes
of empty rows, declare a cell at row 99,999,999 (which a reader filling gaps
turns into a hundred million empty rows), carry an entity bomb or an external
entity, or simply be broken. So, in this order:

1. Before any XML is parsed, the zip's directory is checked: a bounded number
   of members, a bounded total unpacked size and no member that unpacks to
   far more than it weighs packed. ``zipfile`` stops reading a member at its
   declared size, so the declared sizes bound what parsing can see.
2. openpyxl opens the workbook in read-only mode (workbook, styles and shared
   strings; no sheet yet). defusedxml is a dependency so that openpyxl parses
   every part through it: entity declarations and external references are
   refused instead of expanded or fetched. We refuse to read XLSX at all if
   openpyxl is not using it.
3. The sheet is streamed here, not by openpyxl's row iterator: every ``<row>``
   and ``<c>`` is counted as it starts, the row number and column are checked
   against the limits, and the time is checked as it goes. Only rows that are
   in the file are yielded (no gap filling), and the declared dimension is
   never read. openpyxl's own parser turns each cell into a value (shared
   strings, dates, booleans), so the values match what Excel shows.

Any other failure of a hostile or broken file ends as ``FileProblem``: a clear
Dutch message, never a 500.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from app.samples.tables import FileProblem, TableLimits

SHEET_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW = SHEET_MAIN_NS + "row"
CELL = SHEET_MAIN_NS + "c"
SHEET_DATA = SHEET_MAIN_NS + "sheetData"
MAX_MEMBERS = 1000
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384
_CHECK_EVERY = 4096


def _refuse(message: str, *, code: str = "FILE_TOO_BIG", line: int = 1) -> FileProblem:
    return FileProblem(code, message, line=line)


def _unreadable() -> FileProblem:
    return FileProblem(
        "FILE_FORMAT",
        "Dit Excel-bestand is niet te openen. Sla het opnieuw op als "
        "Excel-werkmap (.xlsx) of als CSV.",
    )


def check_archive(source: IO[bytes], limits: TableLimits) -> None:
    """Refuse a zip whose directory promises more than we will unpack."""
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable() from exc
    finally:
        source.seek(0)
    if len(members) > MAX_MEMBERS:
        raise _refuse(
            f"Dit Excel-bestand bestaat uit meer dan {MAX_MEMBERS} onderdelen; "
            "sla het op als CSV en lees het opnieuw in."
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_unpacked_bytes:
        raise _refuse(
            f"Dit Excel-bestand is uitgepakt {total // (1024 * 1024)} MB, meer dan "
            f"de grens van {limits.max_unpacked_bytes // (1024 * 1024)} MB. "
            "Verwijder lege rijen en kolommen of sla het op als CSV."
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            raise _refuse(
                "Dit Excel-bestand pakt uit tot veel meer dan het weegt (bijvoorbeeld "
                "heel veel lege rijen of cellen). Verwijder lege rijen en kolommen "
                "of sla het op als CSV."
            )


def xlsx_records(
    source: IO[bytes], limits: TableLimits
) -> Iterator[tuple[int, list[str | Any]]]:
    """``(row number, values)`` for every row element of the first sheet."""
    from openpyxl import DEFUSEDXML, load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    if not DEFUSEDXML:  # e.g. OPENPYXL_DEFUSEDXML=False: fail closed
        raise FileProblem(
            "FILE_FORMAT",
            "Excel-bestanden kunnen hier nu niet veilig worden gelezen; "
            "sla het bestand op als CSV en lees het opnieuw in.",
        )
    deadline = time.monotonic() + limits.max_seconds
    check_archive(source, limits)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl raises anything on hostile input
        raise _unreadable() from exc
    try:
        if not workbook.worksheets:
            raise FileProblem(
                "FILE_FORMAT",
                "Dit Excel-bestand heeft geen werkblad met gegevens. Zet de adressen "
                "op het eerste werkblad.",
            )
        sheet = workbook.worksheets[0]
        if not hasattr(sheet, "_get_source"):  # a chart sheet
            raise FileProblem(
                "FILE_FORMAT",
                "Het eerste werkblad van dit Excel-bestand bevat geen tabel. Zet de "
                "adressen op het eerste werkblad.",
            )
        _check_time(deadline, limits, 1)
        try:
            # the read-only reader's own private parts, which types-openpyxl
            # leaves out of its stubs (hence the ignores)
            with sheet._get_source() as stream:
                parser = WorkSheetParser(
                    stream,
                    sheet._shared_strings,  # type: ignore[attr-defined]
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,  # type: ignore[attr-defined]
                    timedelta_formats=workbook._timedelta_formats,  # type: ignore[attr-defined]
                )
                yield from _rows(stream, parser, limits, deadline)
        except FileProblem:
            raise
        except Exception as exc:  # as above: broken XML, bad values
            raise _unreadable() from exc
    finally:
        workbook.close()


def _check_time(deadline: float, limits: TableLimits, line: int) -> None:
    if time.monotonic() > deadline:
        raise _refuse(
            f"Het lezen van dit Excel-bestand duurde langer dan "
            f"{limits.max_seconds:.0f} seconden en is afgebroken. Verwijder lege "
            "rijen en kolommen of sla het op als CSV.",
            line=line,
        )


def _rows(  # noqa: C901 -- one guarded pass over the sheet's XML events
    stream: IO[bytes], parser: Any, limits: TableLimits, deadline: float
) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.functions import iterparse  # defusedxml's, checked above

    max_row = min(limits.max_rows + 100, EXCEL_MAX_ROW)  # room for title lines
    max_column = min(limits.max_columns, EXCEL_MAX_COLUMN)
    rows = cells = 0
    row_number = 0
    row_cells = 0
    values: dict[int, Any] = {}
    sheet_data = None
    for event, element in iterparse(stream, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == CELL:
                cells += 1
                row_cells += 1
                if cells > limits.max_cells:
                    raise _refuse(
                        f"Dit Excel-bestand heeft meer dan {limits.max_cells} cellen; "
                        "verwijder lege rijen en kolommen of sla het op als CSV.",
                        line=row_number,
                    )
                if row_cells > max_column:
                    raise _too_wide(limits, row_number)
                if cells % _CHECK_EVERY == 0:
                    _check_time(deadline, limits, row_number)
            elif tag == ROW:
                rows += 1
                reference = element.get("r")
                row_number = _row_number(reference) if reference else row_number + 1
                if row_number > max_row or rows > max_row:
                    raise _refuse(
                        f"Dit Excel-bestand heeft rijen tot rij {row_number}, meer dan "
                        f"de grens van {limits.max_rows} rijen. Verwijder lege rijen "
                        "onder de tabel of sla het op als CSV.",
                        line=min(row_number, max_row),
                    )
                parser.row_counter = row_number
                parser.col_counter = 0
                row_cells = 0
                values = {}
                if rows % 256 == 0:
                    _check_time(deadline, limits, row_number)
            elif tag == SHEET_DATA:
                sheet_data = element
            continue
        if tag == CELL:
            reference = element.get("r")
            if reference:
                row, column = coordinate_to_tuple(reference)
                if row != row_number:
                    raise _unreadable()
            else:
                column = parser.col_counter + 1
            if column > max_column:
                raise _too_wide(limits, row_number)
            parser.col_counter = column
            if len(element) or element.get("t") == "inlineStr":
                parser.col_counter = column - 1  # parse_cell counts it again
                value = parser.parse_cell(element)["value"]
                if value is not None:
                    values[column] = value
            element.clear()
        elif tag == ROW:
            if values:
                width = max(values)
                yield row_number, [values.get(i) for i in range(1, width + 1)]
            element.clear()
            if sheet_data is not None:
                sheet_data.clear()  # drop the emptied row elements too


def _row_number(reference: str) -> int:
    try:
        number = int(reference)
    except ValueError:
        raise _unreadable() from None
    if number < 1:
        raise _unreadable()
    return number


def _too_wide(limits: TableLimits, line: int) -> FileProblem:
    return _refuse(
        f"Deze rij heeft cellen voorbij kolom {limits.max_columns}; een adresbestand "
        "heeft zoveel kolommen niet. Verwijder lege kolommen of sla het op als CSV.",
        line=line,
    )
