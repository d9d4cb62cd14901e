"""Earlier editions' published figures, loaded as reference editions of the tables.

The report prints the 2014–2022 series in its trend figures and tables; these
files keep every printed value with the seed line it comes from, so a trend
table spans 2014–2024 and the test against the previous edition uses the
published base (``n``). A value without a published base is shown, never tested.
Pure: a CSV in, a lookup out; any bad line refuses the whole file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
SOURCE = re.compile(r"^[RF]:\d+(\+[RF]:\d+)*$")
HEADER = [
    "table",
    "row",
    "column",
    "edition",
    "percent",
    "n",
    "source",
    "n_source",
    "note",
]


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    percent: float
    n: int | None
    source: str
    n_source: str
    note: str


@dataclass(frozen=True)
class Reference:
    name: str
    values: dict[tuple[str, str, str, int], ReferenceValue]

    def get(
        self, table: str, row: str, column: str, edition: int
    ) -> ReferenceValue | None:
        return self.values.get((table, row, column, edition))


def parse(text: str, name: str) -> Reference:
    lines = [
        (i + 1, line)
        for i, line in enumerate(text.splitlines())
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        raise ValueError(f"{name}: empty reference file")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    rows = list(reader)
    if rows[0] != HEADER:
        raise ValueError(f"{name}:{lines[0][0]}: header must be {','.join(HEADER)}")
    values: dict[tuple[str, str, str, int], ReferenceValue] = {}
    errors: list[str] = []
    for (number, _), row in zip(lines[1:], rows[1:], strict=True):
        try:
            table, key, column, edition, percent, n, source, n_source, note = row
            p = float(percent)
            if not 0 <= p <= 100:
                raise ValueError(f"percentage {percent} outside 0-100")
            base = int(n) if n else None
            if base is not None and base <= 0:
                raise ValueError(f"n {n} must be positive")
            if not SOURCE.match(source) or (n_source and not SOURCE.match(n_source)):
                raise ValueError("source must be R:<line> or F:<line>")
            if base is not None and not n_source:
                raise ValueError("a base n needs its n_source")
            cell = (table, key, column, int(edition))
            if cell in values:
                raise ValueError("the same cell twice")
            values[cell] = ReferenceValue(p, base, source, n_source, note)
        except ValueError as exc:
            errors.append(f"{name}:{number}: {exc}")
    if errors:
        raise ValueError("; ".join(errors))
    return Reference(name, values)


@cache
def load(name: str) -> Reference:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"not a reference name: {name!r}")
    path = REFERENCE_DIR / f"{name}.csv"
    return parse(path.read_text(encoding="utf-8"), f"app/reports/reference/{name}.csv")
