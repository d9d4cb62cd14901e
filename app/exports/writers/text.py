"""Text safety shared by the writers: formula injection and what formats cannot hold."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes Excel, LibreOffice and Google Sheets read a cell as a formula (OWASP)."""


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def guard_formula(text: str) -> str:
    """CSV: a leading apostrophe, which spreadsheets show as text and never evaluate."""
    return "'" + text if is_formula_like(text) else text


def without_nul(text: str) -> str:
    """SPSS, Stata and XML cannot carry NUL; it is dropped (Parquet keeps it)."""
    return text.replace("\x00", "") if "\x00" in text else text


def truncate_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def fixed_timestamp(value: dt.datetime | None) -> dt.datetime:
    """The timestamp written into file headers: the data's own time, never "now".

    Same data, same bytes: the export is stamped with the last change to the
    exported responses, in Dutch local time (1980-01-01 for an empty export,
    ZIP's earliest date).
    """
    earliest = dt.datetime(1980, 1, 1)
    if value is None:
        return earliest
    if value.tzinfo is not None:
        value = value.astimezone(AMSTERDAM)
    return max(value.replace(tzinfo=None, microsecond=0), earliest)
