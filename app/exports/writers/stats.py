"""SPSS (.sav) and Stata (.dta) through pyreadstat, with every label and missing code.

pyreadstat writes a whole DataFrame at once, so the rows are gathered column by
column into compact numpy arrays (codes as int32) and the frame is built at the
end. Both formats are deterministic: ReadStat stamps the file header with the
current time (``readstat_writer_set_file_timestamp`` is not exposed by
pyreadstat), so the writer overwrites that stamp with the data's own time
(the last change to the exported responses). The offsets are fixed by the
formats: SPSS keeps ``dd mmm yy`` + ``hh:mm:ss`` at bytes 92-108 of the file
header; Stata 118/119 keeps ``<timestamp>`` + a length byte + ``dd Mon yyyy hh:mm``.

SPSS: numeric variables declare ``-9 thru -1`` missing; strings are cut at
32,767 bytes (SPSS's limit), variable labels at 256 and value labels at 120
bytes (cut on a character boundary; the codebook keeps the full text).
Stata: negative codes become extended missing values ``.a``-``.i`` with labels;
long text becomes strL; variable labels are cut at 80 characters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat
from pyreadstat.pyclasses import MissingRange

from app.exports.layout import Layout
from app.exports.missing import SPSS_RANGE, stata_letter
from app.exports.variables import Variable
from app.exports.writers.text import fixed_timestamp, truncate_bytes

SPSS_MAX_STRING = 32_767
MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
"""English month abbreviations, as both headers expect (never the locale's)."""
_DTYPES = {"coded": np.int32, "number": np.float64, "float": np.float64}
_LETTERS = np.array([""] + [stata_letter(-k) for k in range(1, 10)], dtype=object)


class ColumnStore:
    """Rows in, column arrays out; numbers as numpy, text and times as lists."""

    def __init__(self, layout: Layout) -> None:
        self.variables = layout.variables
        self.parts: list[list[Any]] = [[] for _ in layout.variables]
        self.rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        columns = list(zip(*rows, strict=True))
        for index, variable in enumerate(self.variables):
            values = columns[index]
            dtype = _DTYPES.get(variable.kind)
            if dtype is None:
                self.parts[index].extend(values)
            elif variable.kind == "float":
                self.parts[index].append(
                    np.array([np.nan if v is None else v for v in values], dtype=dtype)
                )
            else:
                self.parts[index].append(np.asarray(values, dtype=dtype))

    def column(self, index: int) -> Any:
        variable = self.variables[index]
        parts = self.parts[index]
        if variable.kind in _DTYPES:
            dtype = _DTYPES[variable.kind]
            return np.concatenate(parts) if parts else np.array([], dtype=dtype)
        if variable.kind == "datetime":
            return pd.to_datetime(pd.Series(parts, dtype=object)).astype(
                "datetime64[ms]"
            )
        return [v.replace("\x00", "") for v in parts]


def _frame(store: ColumnStore, convert: Any) -> pd.DataFrame:
    data = {}
    for index, variable in enumerate(store.variables):
        data[variable.name] = convert(variable, store.column(index))
        store.parts[index] = []  # free as we go
    return pd.DataFrame(data)


def write_sav(
    layout: Layout,
    store: ColumnStore,
    path: Path,
    *,
    title: str,
    notes: Sequence[str],
    stamp: dt.datetime | None,
) -> None:
    def convert(variable: Variable, column: Any) -> Any:
        if variable.kind == "text":
            return pd.Series(
                [truncate_bytes(v, SPSS_MAX_STRING) for v in column], dtype=object
            )
        return column

    frame = _frame(store, convert)
    numeric = [v for v in layout.variables if v.is_numeric]
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=truncate_bytes(title, 64),
        column_labels={v.name: truncate_bytes(v.label, 256) for v in layout.variables},
        note=[truncate_bytes(line, 80) for note in notes for line in _lines(note)],
        variable_value_labels={
            v.name: {
                int(k): truncate_bytes(t, 120) for k, t in v.value_labels().items()
            }
            for v in numeric
            if v.value_labels()
        },
        missing_ranges={
            v.name: [MissingRange(lo=SPSS_RANGE["lo"], hi=SPSS_RANGE["hi"])]
            for v in numeric
            if v.missing
        },
        variable_measure={v.name: v.measure for v in layout.variables},
        variable_display_width={v.name: _width(v) for v in layout.variables},
        variable_format={v.name: _spss_format(v) for v in numeric}
        | {v.name: "DATETIME20" for v in layout.variables if v.kind == "datetime"},
    )
    _stamp_sav(path, fixed_timestamp(stamp))


def write_dta(
    layout: Layout,
    store: ColumnStore,
    path: Path,
    *,
    title: str,
    stamp: dt.datetime | None,
) -> None:
    """Stata 15 format (119), with value labels and extended missing values.

    pyreadstat names each value-label set after its variable plus a counter, so
    a 31- or 32-character variable name gives a label name over Stata's 32 and
    the write fails. The frame is therefore written with short stand-in names
    (``v0_``, ``v1_``, ...) and the real names are put into the file's
    fixed-width ``<varnames>`` slots afterwards; label-set names are internal
    to the file and stay short.
    """

    def convert(variable: Variable, column: Any) -> Any:
        if variable.is_numeric and variable.missing:
            array = np.asarray(column)
            negative = array < 0
            if negative.any():
                values = array.astype(object)
                values[negative] = _LETTERS[(-array[negative]).astype(int)]
                return pd.Series(values, dtype=object)
        return column

    frame = _frame(store, convert)
    stand_in = {v.name: f"v{i}_" for i, v in enumerate(layout.variables)}
    frame.columns = [stand_in[name] for name in frame.columns]
    labels: dict[str, dict[Any, str]] = {}
    missing: dict[str, list[str]] = {}
    for v in layout.variables:
        if not v.is_numeric:
            continue
        value_labels: dict[Any, str] = dict(v.values)
        value_labels.update(
            {
                stata_letter(code): text
                for code, text in v.value_labels().items()
                if code < 0
            }
        )
        if value_labels:
            labels[stand_in[v.name]] = value_labels
        if v.missing:
            missing[stand_in[v.name]] = sorted(stata_letter(code) for code in v.missing)
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label=title[:80],
        column_labels={stand_in[v.name]: v.label[:80] for v in layout.variables},
        version=15,
        variable_value_labels=labels,
        missing_user_values=missing,
    )
    _name_dta_variables(path, [v.name for v in layout.variables])
    _stamp_dta(path, fixed_timestamp(stamp))


DTA_NAME_SLOT = 129
"""Bytes per variable name in Stata 118/119 files (32 characters of UTF-8 + NUL)."""


def _name_dta_variables(path: Path, names: Sequence[str]) -> None:
    with path.open("r+b") as handle:
        header = handle.read(8192)
        if (
            b"<release>119</release>" not in header
            and b"<release>118</release>" not in header
        ):
            raise ValueError("unexpected Stata release")
        at = header.find(b"<varnames>")
        if at < 0:
            raise ValueError("no <varnames> in the Stata header")
        handle.seek(at + len(b"<varnames>"))
        for name in names:
            encoded = name.encode("utf-8")
            if len(encoded) >= DTA_NAME_SLOT or len(name) > 32:
                raise ValueError(f"variable name too long for Stata: {name}")
            handle.write(encoded.ljust(DTA_NAME_SLOT, b"\x00"))


def _lines(note: str, width: int = 80) -> list[str]:
    # SPSS counts bytes: "één" or "–" make a line of 80 characters too long.
    words, lines, line = note.split(), [], ""
    for word in words:
        if line and len(f"{line} {word}".encode()) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def _width(variable: Variable) -> int:
    return {"text": 40, "datetime": 20, "float": 10}.get(variable.kind, 8)


def _spss_format(variable: Variable) -> str:
    if variable.kind == "float":
        return "F10.4" if variable.role == "weight" else "F10.2"
    if variable.kind == "number":
        return "F10.0"
    return "F5.0"


def _stamp_sav(path: Path, stamp: dt.datetime) -> None:
    text = f"{stamp.day:02d} {MONTHS[stamp.month - 1]} {stamp.year % 100:02d}{stamp:%H:%M:%S}"
    with path.open("r+b") as handle:
        header = handle.read(109)
        if header[:4] not in (b"$FL2", b"$FL3"):
            raise ValueError("not an SPSS system file")
        handle.seek(92)
        handle.write(text.encode("ascii"))


def _stamp_dta(path: Path, stamp: dt.datetime) -> None:
    text = (
        f"{stamp.day:02d} {MONTHS[stamp.month - 1]} {stamp.year} {stamp:%H:%M}".encode(
            "ascii"
        )
    )
    with path.open("r+b") as handle:
        header = handle.read(1024)
        at = header.find(b"<timestamp>")
        if at < 0 or header[at + 11] != len(text):
            raise ValueError("unexpected Stata header")
        handle.seek(at + 12)
        handle.write(text)
