"""Address files in, validated rows and located problems out: the pure core of imports.

No session, no request: a binary stream in. Two passes over the file, both
streaming:

1. ``validate`` checks every row and keeps only compact state: an 8-byte hash
   and a line number per row for duplicate detection (about 12 bytes a row,
   whatever the row holds). It returns every problem with line, column and
   reason, or none.
2. ``read_rows`` (only after a clean validation) reads the file again and
   yields normalised ``FrameRow``s for the caller to insert in batches.

The caller decides what "already in the wave" means by passing the hashes of
existing rows (``existing_keys``), computed with ``duplicate_hash``.
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from app.samples.fields import (
    FrameKind,
    FrameRow,
    Layout,
    Problem,
    ProblemCode,
    header_score,
    map_header,
)
from app.samples.rowcheck import parse_row
from app.samples.tables import (
    FileProblem,
    TableFormat,
    TableLimits,
    inspect,
    iter_records,
)

__all__ = [
    "FrameKind",
    "FrameRow",
    "Problem",
    "ProblemCode",
    "TableLimits",
    "ValidationReport",
    "duplicate_hash",
    "read_rows",
    "validate",
]


def duplicate_hash(key: str) -> int:
    """64-bit hash of a duplicate key (a false match needs ~4e9 rows to be likely)."""
    return int.from_bytes(
        hashlib.blake2b(key.encode(), digest_size=8).digest(), "little"
    )


@dataclass
class ValidationReport:
    format: TableFormat | None = None
    layout: Layout | None = None
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and self.format is not None


class _Problems:
    """Counts every problem, keeps the first ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(problem)


def validate(
    source: IO[bytes],
    *,
    kind: FrameKind,
    existing_keys: Iterable[int] = (),
    defaults: dict[str, str] | None = None,
    max_problems: int = 5000,
    limits: TableLimits | None = None,
) -> ValidationReport:
    """Check a whole file; nothing in the result depends on a database."""
    defaults = defaults or {}
    report = ValidationReport()
    problems = _Problems(max_problems)
    keys: array[int] = array("Q")
    lines: array[int] = array("L")
    try:
        report.format = inspect(source, header_score=header_score)
        first, records = _header(iter_records(source, report.format, limits))
        if first is None:
            raise FileProblem(
                "FILE_EMPTY", "Het bestand bevat geen kopregel en geen rijen."
            )
        layout, header_problems = map_header(first[0], first[1], kind, defaults)
        report.layout = layout
        for problem in header_problems:
            problems.add(problem)
        for line, cells in records:
            report.rows += 1
            row, row_problems = parse_row(line, cells, layout, kind, defaults)
            for problem in row_problems:
                problems.add(problem)
            if row is not None:  # even with problems: report its duplicates too
                keys.append(duplicate_hash(row.duplicate_key(kind)))
                lines.append(line)
    except FileProblem as exc:
        problems.add(Problem(exc.line, None, None, ProblemCode(exc.code), exc.message))
    if report.layout is not None and report.rows == 0 and problems.count == 0:
        problems.add(
            Problem(
                report.layout.header_line + 1,
                None,
                None,
                ProblemCode.FILE_NO_ROWS,
                "het bestand heeft een kopregel maar geen rijen",
            )
        )
    if report.layout is not None:
        for problem in _duplicates(keys, lines, existing_keys, report.layout, kind):
            problems.add(problem)
    report.problems = sorted(problems.kept, key=lambda p: (p.line, p.column or ""))
    report.problem_count = problems.count
    return report


def read_rows(
    source: IO[bytes],
    report: ValidationReport,
    *,
    kind: FrameKind,
    defaults: dict[str, str] | None = None,
    limits: TableLimits | None = None,
) -> Iterator[FrameRow]:
    """The rows of a file that ``validate`` passed, normalised, in file order."""
    if not report.ok or report.format is None or report.layout is None:
        raise ValueError("read_rows needs a file that passed validation")
    records = iter_records(source, report.format, limits)
    for line, _ in records:  # up to and including the header
        if line == report.layout.header_line:
            break
    for line, cells in records:
        row, problems = parse_row(line, cells, report.layout, kind, defaults or {})
        if row is None or problems:
            raise FileProblem(
                "FILE_CHANGED", "Het bestand veranderde tijdens het inlezen.", line=line
            )
        yield row


HEADER_SEARCH = 10


def _header(
    records: Iterator[tuple[int, list[str]]],
) -> tuple[tuple[int, list[str]] | None, Iterator[tuple[int, list[str]]]]:
    """The header and the records after it.

    The header is the first record naming at least two known fields within the
    first few (a title line above it is skipped); failing that, the first
    record, so the report can say which columns are missing.
    """
    seen: list[tuple[int, list[str]]] = []
    for record in itertools.islice(records, HEADER_SEARCH):
        seen.append(record)
        if header_score(record[1]) >= 2:
            return record, records
    if not seen:
        return None, records
    return seen[0], itertools.chain(seen[1:], records)


def _duplicates(
    keys: array[int],
    lines: array[int],
    existing_keys: Iterable[int],
    layout: Layout,
    kind: FrameKind,
) -> Iterator[Problem]:
    if not keys:
        return
    column = layout.by_field.get(
        "organisation_code" if kind is FrameKind.organisations else "email"
    )
    letter, header = (column.letter, column.header) if column else (None, None)
    what = (
        "organisatiecode"
        if kind is FrameKind.organisations
        else "persoon (e-mailadres)"
    )
    values = np.frombuffer(keys, dtype=np.uint64)
    at = np.frombuffer(lines, dtype=np.uint32 if lines.itemsize == 4 else np.uint64)
    # The common case (no duplicates) needs only a sorted copy; the argsort
    # that finds which lines repeat is paid for only when there are some.
    ordered = np.sort(values)
    if (ordered[1:] == ordered[:-1]).any():
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        repeats = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(ordered.size), 0))
        for position in repeats:
            yield Problem(
                int(at[order[position]]),
                letter,
                header,
                ProblemCode.DUPLICATE_IN_FILE,
                f"dezelfde {what} staat al op regel {int(at[order[first[position]]])}",
            )
    del ordered
    existing = (
        np.frombuffer(existing_keys, dtype=np.uint64)
        if isinstance(existing_keys, array) and existing_keys.typecode == "Q"
        else np.fromiter(existing_keys, dtype=np.uint64)
    )
    if existing.size:
        for index in np.flatnonzero(np.isin(values, existing)):
            yield Problem(
                int(at[index]),
                letter,
                header,
                ProblemCode.DUPLICATE_IN_WAVE,
                f"deze {what} staat al in een eerder ingelezen adresbestand van deze wave",
            )
