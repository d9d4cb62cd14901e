"""Reading tabular files as they arrive: CSV (any common separator and encoding) and XLSX.

Pure and streaming: a binary stream in, ``(line, cells)`` records out, one at a
time, so a file of any length is read in constant memory. ``inspect`` reads the
file once in binary to fix what the text passes need: its SHA-256, whether it
is UTF-8 (with or without BOM) or Windows-1252 (what Dutch Excel writes), and
the separator. Line numbers are the ones a spreadsheet shows, so a report can
say "line 418, column C".
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from app.config import SamplesSettings

CHUNK = 1 << 20
DELIMITERS = (";", ",", "\t", "|")
_SEP_LINE = re.compile(r"\ufeff?sep=(.)\s*\Z", re.IGNORECASE)


class FileProblem(Exception):
    """The file as a whole cannot be read (format, encoding, broken quoting)."""

    def __init__(self, code: str, message: str, *, line: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


@dataclass(frozen=True)
class TableLimits:
    """How much of a file the importer will read (see ``SamplesSettings``)."""

    max_rows: int = 1_000_000
    max_columns: int = 200
    max_cells: int = 5_000_000
    max_unpacked_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 100
    """Largest unpacked/packed ratio of one zip member above 1 MB unpacked
    (spreadsheet XML packs about 5-30 times; a bomb packs a thousand times)."""
    max_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: SamplesSettings) -> TableLimits:
        return cls(
            max_rows=settings.max_rows,
            max_columns=settings.max_columns,
            max_cells=settings.max_xlsx_cells,
            max_unpacked_bytes=settings.max_xlsx_unpacked_mb * 1024 * 1024,
            max_seconds=settings.max_read_seconds,
        )


@dataclass(frozen=True)
class TableFormat:
    kind: Literal["csv", "xlsx"]
    encoding: str | None
    delimiter: str | None
    skip_lines: int
    sha256: str
    size: int


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: what a spreadsheet calls the column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inspect(
    source: IO[bytes], *, header_score: Callable[[list[str]], int]
) -> TableFormat:
    """Decide how to read ``source``; ``header_score`` rates a candidate header
    split (how many columns it recognises), which settles the separator."""
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if head.startswith(b"PK\x03\x04"):
        digest, size, _ = _scan(source, check_text=False)
        return TableFormat("xlsx", None, None, 0, digest, size)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "FILE_FORMAT",
            "Dit is een oud Excel-bestand (.xls). Sla het op als Excel-werkmap "
            "(.xlsx) of als CSV en lees het opnieuw in.",
        )
    digest, size, encoding = _scan(source, check_text=True)
    if size == 0:
        raise FileProblem("FILE_EMPTY", "Het bestand is leeg.")
    assert encoding is not None
    delimiter, skip = _sniff_delimiter(source, encoding, header_score)
    return TableFormat("csv", encoding, delimiter, skip, digest, size)


def _scan(source: IO[bytes], *, check_text: bool) -> tuple[str, int, str | None]:
    """One binary pass: hash, size and (for text) the encoding that decodes it all.

    UTF-16 only with its BOM (Excel's "Unicode text"); otherwise UTF-8 (with
    or without BOM), else Windows-1252.
    """
    sha = hashlib.sha256()
    size = 0
    source.seek(0)
    head = source.read(4)
    source.seek(0)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    names = ["utf-16"] if utf16 else ["utf-8", "cp1252"]
    decoders = (
        {n: codecs.getincrementaldecoder(n)() for n in names} if check_text else {}
    )
    lines = 1
    bad_line = 0
    while chunk := source.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        text = None
        for name in list(decoders):
            try:
                decoded = decoders[name].decode(chunk)
            except UnicodeDecodeError as exc:
                del decoders[name]
                bad_line = bad_line or lines + chunk.count(b"\n", 0, exc.start)
                continue
            text = decoded if text is None else text
        if text is not None:
            if "\x00" in text:
                # PostgreSQL cannot store NUL in text; a NUL means a binary file.
                raise FileProblem(
                    "FILE_MALFORMED",
                    "Deze regel bevat een NUL-teken; is dit wel een tekstbestand?",
                    line=lines + text.count("\n", 0, text.index("\x00")),
                )
            lines += text.count("\n")
    if not check_text:
        return sha.hexdigest(), size, None
    for name in list(decoders):
        try:
            decoders[name].decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[name]
    source.seek(0)
    if "utf-16" in decoders:
        return sha.hexdigest(), size, "utf-16"
    if "utf-8" in decoders:
        bom = head.startswith(codecs.BOM_UTF8)
        return sha.hexdigest(), size, "utf-8-sig" if bom else "utf-8"
    if "cp1252" in decoders:
        _refuse_mixed_encodings(source)
        return sha.hexdigest(), size, "cp1252"
    raise FileProblem(
        "FILE_ENCODING",
        "De tekens in het bestand zijn niet te lezen (geen UTF-8 en geen "
        "Windows-1252). Sla het op als 'CSV UTF-8' en lees het opnieuw in.",
        line=bad_line or 1,
    )


def _refuse_mixed_encodings(source: IO[bytes]) -> None:
    """A file that is not UTF-8 as a whole but has lines that are.

    Pasting rows from a UTF-8 export into a Windows-1252 file (or the other way
    round) gives such a file; read as Windows-1252 its UTF-8 lines would turn
    "María" into "MarÃ­a" without any error. Refused, naming the lines of
    each kind, rather than guessed per line.
    """
    utf8: list[int] = []
    other: list[int] = []
    source.seek(0)
    for number, raw in enumerate(source, start=1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8.append(number)
    source.seek(0)
    if utf8 and other:
        raise FileProblem(
            "FILE_ENCODING",
            "Het bestand mengt twee tekencoderingen: "
            f"{_some_lines(utf8)} in UTF-8 en {_some_lines(other)} in "
            "Windows-1252. Ingelezen zouden namen verminkt raken (zoals 'MarÃ­a' "
            "voor 'María'). Sla het bestand op als 'CSV UTF-8' en controleer "
            "die regels, of lees het in als Excel-werkmap (.xlsx).",
            line=min(utf8[0], other[0]),
        )


def _some_lines(numbers: list[int], shown: int = 8) -> str:
    text = ", ".join(str(n) for n in numbers[:shown])
    if len(numbers) > shown:
        text += f" en {len(numbers) - shown} andere"
    return ("regel " if len(numbers) == 1 else "regels ") + text


_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_GARBLED = re.compile(
    f"[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}"
)
"""UTF-8 bytes of an accented letter read as Windows-1252 ("Ã­" for "í")."""


def ungarbled(text: str) -> str | None:
    """The text as meant, if it holds UTF-8 read as Windows-1252; else None."""
    if text.isascii() or not _GARBLED.search(text):
        return None
    fixed = text
    for match in reversed(list(_GARBLED.finditer(text))):
        try:
            meant = match.group().encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
        fixed = fixed[: match.start()] + meant + fixed[match.end() :]
    return fixed if fixed != text else None


def _sniff_delimiter(
    source: IO[bytes], encoding: str, header_score: Callable[[list[str]], int]
) -> tuple[str, int]:
    source.seek(0)
    head = source.read(64 * 1024).decode(encoding, errors="replace")
    source.seek(0)
    lines = head.splitlines()[:50]
    if lines:
        match = _SEP_LINE.match(lines[0])
        if match:
            return match.group(1), 1
    header = next((line for line in lines if line.strip(" ;,\t|")), "")
    best = max(
        DELIMITERS,
        key=lambda d: (
            header_score(next(csv.reader([header], delimiter=d), [])),
            header.count(d),
        ),
    )
    return best, 0


def iter_records(
    source: IO[bytes], fmt: TableFormat, limits: TableLimits | None = None
) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` for every non-blank record, header included, stripped.

    More than ``limits.max_rows`` records or ``limits.max_columns`` cells in a
    record ends in ``FileProblem``; XLSX files are bounded further (see
    ``app.samples.xlsx``).
    """
    limits = limits or TableLimits()
    source.seek(0)
    if fmt.kind == "xlsx":
        records = _xlsx_records(source, limits)
    else:
        records = _csv_records(source, fmt)
    for count, (line, cells) in enumerate(records, start=1):
        if count > limits.max_rows + HEADER_ROOM:
            raise FileProblem(
                "FILE_TOO_BIG",
                f"Het bestand heeft meer dan {limits.max_rows} rijen; splits het "
                "in kleinere bestanden.",
                line=line,
            )
        if len(cells) > limits.max_columns:
            raise FileProblem(
                "FILE_TOO_BIG",
                f"Deze rij heeft meer dan {limits.max_columns} kolommen; een "
                "adresbestand heeft zoveel kolommen niet.",
                line=line,
            )
        yield line, cells


HEADER_ROOM = 10
"""Records above the header (a title line) that do not count as rows."""


def _csv_records(
    source: IO[bytes], fmt: TableFormat
) -> Iterator[tuple[int, list[str]]]:
    assert fmt.encoding is not None and fmt.delimiter is not None
    text = io.TextIOWrapper(source, encoding=fmt.encoding, newline="")
    try:
        for _ in range(fmt.skip_lines):
            text.readline()
        reader = csv.reader(text, delimiter=fmt.delimiter)
        offset = fmt.skip_lines
        previous = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileProblem(
                    "FILE_MALFORMED",
                    f"Het bestand is op deze regel niet als CSV te lezen ({exc}); "
                    "controleer aanhalingstekens en scheidingstekens.",
                    line=offset + reader.line_num,
                ) from exc
            line = offset + previous + 1
            previous = reader.line_num
            cells = [cell.strip() for cell in cells]
            if any(cells):
                yield line, cells
    finally:
        text.detach()


def _xlsx_records(
    source: IO[bytes], limits: TableLimits
) -> Iterator[tuple[int, list[str]]]:
    from app.samples.xlsx import xlsx_records

    for number, row in xlsx_records(source, limits):
        cells = [_cell_text(value) for value in row]
        if any(cells):
            yield number, cells


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (
            value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
