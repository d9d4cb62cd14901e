"""CSV for R, Python and Excel: UTF-8 with BOM, streamed chunk by chunk.

Two dialects: ``,`` with decimal point (R's ``read.csv``, pandas) and ``;`` with
decimal comma (Dutch Excel, R's ``read.csv2``). Codes stay numbers; free text
that a spreadsheet would run as a formula gets a leading apostrophe.

``ZipStream`` wraps the CSV and the codebook (JSON + HTML) in one ZIP that is
written as it streams: the CSV entry first, the codebook last, once the counts
are known. Entry timestamps come from the data, so the same data gives the same
bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

from app.exports.layout import Layout
from app.exports.writers.text import fixed_timestamp, guard_formula

BOM = "\ufeff"


class CsvEncoder:
    def __init__(self, layout: Layout, *, separator: str = ",") -> None:
        if separator not in (",", ";"):
            raise ValueError("separator must be ',' or ';'")
        self.separator = separator
        self.decimal_comma = separator == ";"
        self.header = [v.name for v in layout.variables]
        converters: dict[str, Callable[[Any], str]] = {
            "text": _text,
            "datetime": _time,
        }
        if self.decimal_comma:
            converters["float"] = _decimal_comma
        self.convert = [
            (i, converters[v.kind])
            for i, v in enumerate(layout.variables)
            if v.kind in converters
        ]

    def _writer(self, buffer: io.StringIO) -> Any:
        return csv.writer(buffer, delimiter=self.separator, lineterminator="\r\n")

    def start(self) -> bytes:
        buffer = io.StringIO()
        buffer.write(BOM)
        self._writer(buffer).writerow(self.header)
        return buffer.getvalue().encode("utf-8")

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        buffer = io.StringIO()
        writer = self._writer(buffer)
        # Codes and counts are ints, which the csv module writes itself; only
        # text, decimals and times need converting.
        convert = self.convert
        for row in rows:
            out = list(row)
            for index, fn in convert:
                value = out[index]
                if value is not None and value != "":
                    out[index] = fn(value)
            writer.writerow(out)
        return buffer.getvalue().encode("utf-8")


def _text(value: str) -> str:
    return guard_formula(value.replace("\x00", ""))


def _time(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _decimal_comma(value: Any) -> str:
    return repr(float(value)).replace(".", ",")


class _Collector(io.RawIOBase):
    """A write-only, unseekable sink: ``zipfile`` then streams with data descriptors."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


class ZipStream:
    """``data.csv`` + ``codebook.json`` + ``codebook.html`` as one streamed ZIP."""

    def __init__(
        self,
        encoder: CsvEncoder,
        *,
        stamp: dt.datetime | None,
        csv_name: str = "data.csv",
    ) -> None:
        self.encoder = encoder
        self.sink = _Collector()
        self.zip = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED)
        self.date_time = fixed_timestamp(stamp).timetuple()[:6]
        self.entry = self.zip.open(self._info(csv_name), "w", force_zip64=True)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def start(self) -> bytes:
        self.entry.write(self.encoder.start())
        return self.sink.drain()

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        self.entry.write(self.encoder.rows(rows))
        return self.sink.drain()

    def finish(self, files: dict[str, bytes]) -> bytes:
        self.entry.close()
        for name, data in files.items():
            self.zip.writestr(self._info(name), data)
        self.zip.close()
        return self.sink.drain()
