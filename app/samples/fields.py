"""What the columns of an address file mean, and the checks on one row.

Pure: headers in, a column layout out; cells in, a normalised ``FrameRow`` or
located problems out. Dutch and English header names are recognised whatever
their case, spacing or punctuation ("E-mailadres", "e_mail", "EMAIL"); values
go through the catalogue's aliases ("Lid AB", "Gemeenten", "V"). Columns that
are not one of the frame's fields are kept as extra attributes, available to
routing and exports, except columns that look like contact data (phone,
street address, notes), which stay on the contact and go with the purge.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.samples import catalogue
from app.samples.tables import column_letter


class FrameKind(enum.StrEnum):
    officials = "officials"
    employees = "employees"
    organisations = "organisations"

    @property
    def label(self) -> str:
        return {
            "officials": "Politieke ambtsdragers",
            "employees": "Medewerkers (panelleden)",
            "organisations": "Organisaties (secretarissen)",
        }[self.value]


FIELD_LABELS: dict[str, str] = {
    "name": "naam",
    "first_name": "voornaam",
    "infix": "tussenvoegsel",
    "last_name": "achternaam",
    "email": "e-mailadres",
    "tier": "bestuurslaag",
    "organisation": "organisatie",
    "organisation_code": "organisatiecode",
    "function": "functie",
    "email_kind": "soort adres (persoonlijk/algemeen)",
    "gender": "geslacht",
    "panel": "panel",
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "naam",
        "name",
        "volledigenaam",
        "fullname",
        "contactpersoon",
        "naamambtsdrager",
        "naamcontactpersoon",
        "naamsecretaris",
    ),
    "first_name": ("voornaam", "firstname", "roepnaam", "voorletters", "givenname"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "infix"),
    "last_name": ("achternaam", "lastname", "surname", "familienaam", "familyname"),
    "email": (
        "email",
        "emailadres",
        "emailaddress",
        "mail",
        "mailadres",
        "eadres",
        "emailadressen",
        "emailaddresses",
        "mailaddress",
    ),
    "tier": (
        "bestuurslaag",
        "tier",
        "overheidslaag",
        "laag",
        "soortoverheid",
        "typeoverheid",
        "governmenttier",
        "level",
    ),
    "organisation": (
        "organisatie",
        "organisation",
        "organization",
        "organisatienaam",
        "naamorganisatie",
        "overheid",
        "overheidsorganisatie",
        "organisationname",
        "organizationname",
    ),
    "organisation_code": (
        "organisatiecode",
        "organisationcode",
        "organizationcode",
        "code",
        "cbscode",
        "gemeentecode",
        "orgcode",
        "codeorganisatie",
    ),
    "function": ("functie", "function", "ambt", "functienaam", "position", "role"),
    "email_kind": (
        "soortadres",
        "soortemailadres",
        "soortemail",
        "soortmailadres",
        "persoonlijkalgemeen",
        "algemeenpersoonlijk",
        "adressoort",
        "typeadres",
        "typeemail",
        "emailkind",
        "emailtype",
        "addresstype",
        "personalgeneral",
    ),
    "gender": ("geslacht", "gender", "sekse", "sex"),
    "panel": ("panel", "panelnaam", "panelname"),
}
HEADER_FIELDS: dict[str, str] = {
    synonym: name for name, synonyms in _SYNONYMS.items() for synonym in synonyms
}

REQUIRED: dict[FrameKind, tuple[str, ...]] = {
    FrameKind.officials: ("email", "organisation", "function"),
    FrameKind.employees: ("email", "tier"),
    FrameKind.organisations: ("email", "tier", "organisation", "organisation_code"),
}
# Political functions mean nothing for staff or organisations: there a
# "Functie" column is an ordinary extra attribute.
NOT_FIELDS: dict[FrameKind, frozenset[str]] = {
    FrameKind.officials: frozenset(),
    FrameKind.employees: frozenset({"function"}),
    FrameKind.organisations: frozenset({"function", "gender"}),
}
MAX_LENGTH = {
    "name": 300,
    "organisation": 200,
    "organisation_code": 32,
    "panel": 64,
}
MAX_ATTRIBUTE_LENGTH = 500

# Extra columns that are contact data: kept on the contact only (purged with
# it), never copied onto invitations, routing or exports.
CONTACT_ONLY_ATTRIBUTES = frozenset(
    {
        "telefoon",
        "telefoonnummer",
        "tel",
        "phone",
        "mobiel",
        "mobile",
        "gsm",
        "adres",
        "address",
        "straat",
        "straatnaam",
        "huisnummer",
        "postcode",
        "woonplaats",
        "postadres",
        "bezoekadres",
        "geboortedatum",
        "bsn",
        "aanhef",
        "salutation",
        "titel",
        "opmerking",
        "opmerkingen",
        "notitie",
        "notities",
        "notes",
        "toelichting",
        "linkedin",
        "twitter",
        "website",
        "bron",
        "source",
        "url",
    }
)


class ProblemCode(enum.StrEnum):
    FILE_EMPTY = "FILE_EMPTY"
    FILE_FORMAT = "FILE_FORMAT"
    FILE_ENCODING = "FILE_ENCODING"
    FILE_MALFORMED = "FILE_MALFORMED"
    FILE_NO_ROWS = "FILE_NO_ROWS"
    FILE_TOO_BIG = "FILE_TOO_BIG"
    HEADER_MISSING = "HEADER_MISSING"
    HEADER_DUPLICATE = "HEADER_DUPLICATE"
    VALUE_MISSING = "VALUE_MISSING"
    VALUE_TOO_LONG = "VALUE_TOO_LONG"
    VALUE_GARBLED = "VALUE_GARBLED"
    VALUE_WITHOUT_HEADER = "VALUE_WITHOUT_HEADER"
    EMAIL_INVALID = "EMAIL_INVALID"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    DUPLICATE_IN_WAVE = "DUPLICATE_IN_WAVE"
    TIER_UNKNOWN = "TIER_UNKNOWN"
    FUNCTION_UNKNOWN = "FUNCTION_UNKNOWN"
    FUNCTION_TIER_MISMATCH = "FUNCTION_TIER_MISMATCH"
    EMAIL_KIND_UNKNOWN = "EMAIL_KIND_UNKNOWN"
    GENDER_UNKNOWN = "GENDER_UNKNOWN"
    FILE_ALREADY_IMPORTED = "FILE_ALREADY_IMPORTED"
    FILE_CHANGED = "FILE_CHANGED"


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to reject the file, located as a spreadsheet shows it."""

    line: int
    column: str | None
    header: str | None
    code: ProblemCode
    message: str

    def text(self) -> str:
        where = f"regel {self.line}"
        if self.column:
            where += f", kolom {self.column}"
            if self.header:
                where += f" ({self.header})"
        return f"{where}: {self.message} [{self.code.value}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "header": self.header,
            "code": self.code.value,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    header: str
    field: str | None
    attribute: str | None

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass(frozen=True)
class Layout:
    """How the file's columns are read (stored with the frame as documentation)."""

    header_line: int
    columns: tuple[Column, ...]
    by_field: dict[str, Column] = field(default_factory=dict)
    index: dict[str, int] = field(init=False)
    """Field → column index (rows are read a million times; keep it cheap)."""
    blank: tuple[int, ...] = field(init=False)
    """Columns without a header: a value there is a mistake."""
    attributes: tuple[Column, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "index", {k: c.index for k, c in self.by_field.items()}
        )
        object.__setattr__(
            self,
            "blank",
            tuple(c.index for c in self.columns if not c.field and not c.attribute),
        )
        object.__setattr__(
            self,
            "attributes",
            tuple(c for c in self.columns if c.attribute is not None),
        )

    def describe(self) -> list[dict[str, str | None]]:
        return [
            {
                "column": c.letter,
                "header": c.header,
                "field": c.field,
                "attribute": c.attribute,
            }
            for c in self.columns
        ]


@dataclass(slots=True)  # not frozen: built a million times, frozen init is slower
class FrameRow:
    """One validated, normalised row of an address file."""

    line: int
    email: str
    name: str | None = None
    tier: str | None = None
    organisation: str | None = None
    organisation_code: str | None = None
    function: str | None = None
    email_kind: str | None = None
    gender: str | None = None
    panel: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)

    def duplicate_key(self, kind: FrameKind) -> str:
        """Two rows with the same key are the same person (or organisation).

        An organisations file has one row per organisation code. Otherwise a
        personal address identifies a person; a general (secretariat) address
        is shared by several officials of one organisation, so there the name,
        function and organisation tell people apart.
        """
        if kind is FrameKind.organisations:
            return f"o\x1f{self.organisation_code or ''}"
        if self.email_kind == "algemeen":
            who = " ".join((self.name or "").lower().split())
            org = self.organisation_code or (self.organisation or "").lower()
            return f"g\x1f{self.email}\x1f{who}\x1f{self.function or ''}\x1f{org}"
        return f"p\x1f{self.email}"


def header_key(text: str) -> str:
    return re.sub(r"[^0-9a-z&]", "", text.replace("\ufeff", "").lower())


def attribute_key(text: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", text.replace("\ufeff", "").lower()).strip("_")
    return slug[:64]


def header_score(cells: list[str]) -> int:
    """How many cells are known field names (to pick the CSV separator)."""
    return sum(1 for cell in cells if header_key(cell) in HEADER_FIELDS)


def map_header(
    line: int, cells: Sequence[str], kind: FrameKind, defaults: dict[str, str]
) -> tuple[Layout, list[Problem]]:
    problems: list[Problem] = []
    columns: list[Column] = []
    by_field: dict[str, Column] = {}
    attributes: dict[str, Column] = {}
    for index, raw in enumerate(cells):
        header = raw.strip()
        if not header:
            columns.append(Column(index, "", None, None))
            continue
        name = HEADER_FIELDS.get(header_key(header))
        if name in NOT_FIELDS[kind]:
            name = None
        attribute = (
            None if name else attribute_key(header) or f"kolom_{column_letter(index)}"
        )
        column = Column(index, header, name, attribute)
        clash = by_field.get(name) if name else attributes.get(attribute or "")
        if clash is not None:
            problems.append(
                Problem(
                    line,
                    column.letter,
                    header,
                    ProblemCode.HEADER_DUPLICATE,
                    f"kolom '{header}' betekent hetzelfde als kolom {clash.letter} "
                    f"('{clash.header}'); laat er één staan",
                )
            )
        elif name:
            by_field[name] = column
        else:
            attributes[attribute or ""] = column
        columns.append(column)
    for required in REQUIRED[kind]:
        if required in by_field or required in defaults:
            continue
        if required == "tier" and kind is FrameKind.officials:
            continue
        hint = _closest_header(required, attributes)
        problems.append(
            Problem(
                line,
                None,
                None,
                ProblemCode.HEADER_MISSING,
                f"kolom '{FIELD_LABELS[required]}' ontbreekt"
                + (f"; bedoelt u kolom '{hint}'?" if hint else ""),
            )
        )
    return Layout(line, tuple(columns), by_field), problems


def _closest_header(required: str, attributes: dict[str, Column]) -> str | None:
    names = {header_key(c.header): c.header for c in attributes.values()}
    choices = {s: s for s in _SYNONYMS[required]}
    for key, header in names.items():
        if catalogue.suggest(key, choices):
            return header
    return None
