"""Reference counts of an earlier edition: the CSV format and its checks.

Pure. A file has a header row and one row per cell of the earlier edition's
response overview; ``;`` or ``,`` separated, UTF-8 (with or without BOM);
lines starting with ``#`` are comments. Columns (Dutch or English names):

    bestuurslaag | tier        gemeente, provincie, waterschap (or empty: all)
    functie      | function    a function code or its name (or empty: the tier)
    uitgenodigd  | invited     optional (empty when the edition does not say)
    respons      | responses   required
    opmerking    | note        optional, e.g. "in 2022 alle raadsleden benaderd"

Every problem is reported with its line number and nothing is loaded when
there is any, so a reference edition is never half-replaced.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from app.errors import InvalidInput
from app.samples import catalogue

SHIPPED_DIR = Path(__file__).resolve().parent / "reference"
EDITION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z ._-]{0,31}$")
HEADERS = {
    "bestuurslaag": "tier",
    "tier": "tier",
    "functie": "function",
    "function": "function",
    "uitgenodigd": "invited",
    "invited": "invited",
    "totaal uitgenodigd": "invited",
    "respons": "responses",
    "responses": "responses",
    "response": "responses",
    "opmerking": "note",
    "note": "note",
}
TIER_NAMES = {
    **{code: code for code in catalogue.TIERS},
    **{label.lower(): code for code, label in catalogue.TIERS.items()},
    "gemeenten": "gemeente",
    "provincies": "provincie",
    "waterschappen": "waterschap",
}
PLURALS = {f.plural.lower(): code for code, f in catalogue.FUNCTIONS.items()}


@dataclass(frozen=True)
class ShippedReference:
    name: str
    questionnaire: str
    edition: str
    title: str

    @property
    def path(self) -> Path:
        return SHIPPED_DIR / f"{self.name}.csv"


SHIPPED: dict[str, ShippedReference] = {
    s.name: s
    for s in (
        ShippedReference(
            "table_4_3_2022",
            "officials",
            "2022",
            "Tabel 4.3, kolom 2022 (ambtsdragers)",
        ),
        ShippedReference(
            "table_1_3_2022",
            "employees",
            "2022",
            "Tabel 1.3, respons 2022 (Flitspanel)",
        ),
    )
}


@dataclass(frozen=True)
class ReferenceRow:
    line: int
    tier: str
    function: str
    invited: int | None
    responses: int
    note: str = ""


class ReferenceFileError(InvalidInput):
    """A reference file or form with problems; ``problems`` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20])
        more = f" (en nog {len(problems) - 20})" if len(problems) > 20 else ""
        super().__init__(f"Niets geladen. {shown}{more}", code="REFERENCE_INVALID")


def check_edition(edition: str) -> str:
    edition = edition.strip()
    if not EDITION_PATTERN.match(edition):
        raise InvalidInput(
            "Geef de editie een korte naam van letters en cijfers, bijvoorbeeld 2022.",
            code="REFERENCE_EDITION",
        )
    return edition


def parse_count(text: str) -> int | None:
    """'2.136', '2 136' or '2136' → 2136; '' → None. Raises ValueError otherwise."""
    cleaned = text.strip().replace("\u202f", "").replace(" ", "").replace(".", "")
    if cleaned in ("", "-", "–"):
        return None
    if not cleaned.isdigit():
        raise ValueError(text)
    return int(cleaned)


def _suggestion(given: str) -> str:
    names = [*catalogue.FUNCTION_ALIASES, *PLURALS]
    close = difflib.get_close_matches(given.strip().lower(), names, n=1)
    return f"; bedoelt u '{close[0]}'?" if close else ""


def _tier(text: str) -> str | None:
    key = " ".join(text.strip().lower().split())
    return "" if key == "" else TIER_NAMES.get(key)


def _function(text: str) -> str | None:
    key = " ".join(text.strip().lower().split())
    if key == "":
        return ""
    return catalogue.normalise_function(key) or PLURALS.get(key)


def parse_reference_csv(content: str) -> list[ReferenceRow]:
    """Rows of a reference file, or ``ReferenceFileError`` with every problem."""
    content = content.lstrip("\ufeff")
    lines = [(n, line) for n, line in enumerate(content.splitlines(), start=1)]
    data = [
        (n, line)
        for n, line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not data:
        raise ReferenceFileError(["het bestand bevat geen gegevens"])
    delimiter = ";" if data[0][1].count(";") >= data[0][1].count(",") else ","
    reader = csv.reader(
        io.StringIO("\n".join(line for _, line in data)), delimiter=delimiter
    )
    parsed = list(reader)
    header = [HEADERS.get(h.strip().lower()) for h in parsed[0]]
    problems = []
    if "responses" not in header:
        problems.append(f"regel {data[0][0]}: kolom 'respons' ontbreekt in de kopregel")
    if "tier" not in header and "function" not in header:
        problems.append(
            f"regel {data[0][0]}: kolom 'bestuurslaag' of 'functie' ontbreekt"
        )
    if problems:
        raise ReferenceFileError(problems)
    rows = []
    for (number, _), values in zip(data[1:], parsed[1:], strict=True):
        record = {key: v for key, v in zip(header, values, strict=False) if key}
        try:
            rows.append(_row(number, record))
        except ValueError as exc:
            problems.append(str(exc))
    try:
        check_rows(rows, allow_empty=bool(problems))
    except ReferenceFileError as exc:
        problems += exc.problems
    if problems:
        raise ReferenceFileError(sorted(problems, key=_line_number))
    return rows


def _line_number(problem: str) -> int:
    match = re.match(r"regel (\d+)", problem)
    return int(match.group(1)) if match else 0


def _row(number: int, record: dict[str, str]) -> ReferenceRow:
    where = f"regel {number}"
    tier, function = (
        _tier(record.get("tier", "")),
        _function(record.get("function", "")),
    )
    if tier is None:
        raise ValueError(f"{where}: onbekende bestuurslaag '{record.get('tier', '')}'")
    if function is None:
        given = record.get("function", "")
        raise ValueError(f"{where}: onbekende functie '{given}'{_suggestion(given)}")
    if function and not tier:
        tier = catalogue.FUNCTIONS[function].tier
    try:
        invited = parse_count(record.get("invited", ""))
        responses = parse_count(record.get("responses", ""))
    except ValueError as exc:
        raise ValueError(f"{where}: '{exc}' is geen aantal") from None
    if responses is None:
        raise ValueError(f"{where}: het aantal respondenten ontbreekt")
    return ReferenceRow(
        number, tier, function, invited, responses, record.get("note", "").strip()[:200]
    )


def check_rows(
    rows: list[ReferenceRow], *, allow_empty: bool = False
) -> list[ReferenceRow]:
    """Checks that hold for a file and a form alike; raises with every problem."""
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        where = f"regel {row.line}"
        if row.function and catalogue.FUNCTIONS[row.function].tier != row.tier:
            problems.append(
                f"{where}: functie '{row.function}' hoort niet bij '{row.tier}'"
            )
        if row.invited is not None and row.responses > row.invited:
            problems.append(
                f"{where}: meer respondenten ({row.responses}) dan uitgenodigden ({row.invited})"
            )
        key = (row.tier, row.function)
        if key in seen:
            problems.append(f"{where}: dezelfde cel staat ook op regel {seen[key]}")
        seen.setdefault(key, row.line)
    if not rows and not allow_empty:
        problems.append("er zijn geen aantallen ingevuld")
    if problems:
        raise ReferenceFileError(problems)
    return rows
