"""Hostile and broken XLSX files, built by hand with zipfile (no spreadsheet
library would write them): a sheet is just XML in a zip."""

from __future__ import annotations

import io
import zipfile

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets>
</workbook>"""
ONE_SHEET = '<sheet name="Blad1" sheetId="1" r:id="rId1"/>'
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "{doctype}"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{dimension}<sheetData>"
)
SHEET_TAIL = "</sheetData></worksheet>"


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


HEADER_ROW = row(
    1,
    inline("A1", "Naam"),
    inline("B1", "E-mailadres"),
    inline("C1", "Functie"),
    inline("D1", "Organisatie"),
)


def person_row(number: int) -> str:
    return row(
        number,
        inline(f"A{number}", f"Persoon {number}"),
        inline(f"B{number}", f"persoon{number}@gemeente-x.test"),
        inline(f"C{number}", "wethouder"),
        inline(f"D{number}", "Gemeente X"),
    )


def sheet_xml(body: str, *, doctype: str = "", dimension: str = "") -> str:
    return SHEET_HEAD.format(doctype=doctype, dimension=dimension) + body + SHEET_TAIL


def workbook_zip(
    sheet: str | bytes | None,
    *,
    sheets: str = ONE_SHEET,
    extra: dict[str, str | bytes] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK.format(sheets=sheets))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if sheet is not None:
            zf.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return buffer.getvalue()


def good() -> bytes:
    return workbook_zip(sheet_xml(HEADER_ROW + person_row(2) + person_row(3)))


def far_row(number: int = 99_999_999) -> bytes:
    """A tiny file with one cell very far down (a gap-filling reader makes
    every row above it)."""
    return workbook_zip(sheet_xml(HEADER_ROW + row(number, inline(f"A{number}", "x"))))


def far_column() -> bytes:
    return workbook_zip(sheet_xml(HEADER_ROW + row(2, inline("XFD2", "x"))))


def empty_rows(count: int, cells_per_row: int = 0, *, refs: bool = False) -> bytes:
    """Rows with nothing in them, optionally full of empty cells. Without cell
    references (which the format allows) it packs a thousand times smaller
    than it unpacks."""
    letters = [chr(65 + i % 26) * (1 + i // 26) for i in range(cells_per_row)]
    body = "".join(
        (f'<row r="{n}" ht="15" customHeight="1">' if refs else "<row>")
        + "".join(
            f'<c r="{letter}{n}" s="0"/>' if refs else "<c/>" for letter in letters
        )
        + "</row>"
        for n in range(2, count + 2)
    )
    return workbook_zip(sheet_xml(HEADER_ROW + body))


def lying_dimension() -> bytes:
    return workbook_zip(
        sheet_xml(
            HEADER_ROW + person_row(2), dimension='<dimension ref="A1:XFD1048576"/>'
        )
    )


def no_sheets() -> bytes:
    return workbook_zip(None, sheets="")


def broken_xml() -> bytes:
    return workbook_zip(sheet_xml(HEADER_ROW + person_row(2))[:-40])


def broken_workbook_xml() -> bytes:
    buffer = io.BytesIO(workbook_zip(sheet_xml(HEADER_ROW)))
    with zipfile.ZipFile(buffer, "a") as zf:
        zf.writestr("xl/workbook.xml.bak", "")
    data = buffer.getvalue()
    return data.replace(b"PK\x05\x06", b"PK\x05\x07")  # a broken directory


BOMB_DOCTYPE = (
    '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    + "]>"
)


def entity_bomb() -> bytes:
    return workbook_zip(
        sheet_xml(HEADER_ROW + row(2, inline("A2", "&j;")), doctype=BOMB_DOCTYPE)
    )


def external_entity(path: str) -> bytes:
    doctype = f'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file://{path}">]>'
    return workbook_zip(
        sheet_xml(
            HEADER_ROW
            + row(
                2,
                inline("A2", "&secret;"),
                inline("B2", "a@gemeente-x.test"),
                inline("C2", "wethouder"),
                inline("D2", "Gemeente X"),
            ),
            doctype=doctype,
        )
    )


def shared_strings_bomb() -> bytes:
    strings = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + BOMB_DOCTYPE.replace("worksheet", "sst")
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' count="1" uniqueCount="1"><si><t>&j;</t></si></sst>'
    )
    types = CONTENT_TYPES.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK.format(sheets=ONE_SHEET))
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr("xl/sharedStrings.xml", strings)
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            sheet_xml(HEADER_ROW + row(2, '<c r="A2" t="s"><v>0</v></c>')),
        )
    return buffer.getvalue()
