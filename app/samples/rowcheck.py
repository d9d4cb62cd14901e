"""The checks on one data row of an address file (pure).

Cells in, a normalised ``FrameRow`` and located problems out. Values go
through the catalogue's aliases ("Lid AB", "Gemeenten", "V"), misspellings get
a "did you mean", and every problem names its line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.samples import catalogue
from app.samples.emails import InvalidEmail, normalise_email
from app.samples.fields import (
    FIELD_LABELS,
    MAX_ATTRIBUTE_LENGTH,
    MAX_LENGTH,
    REQUIRED,
    FrameKind,
    FrameRow,
    Layout,
    Problem,
    ProblemCode,
)
from app.samples.tables import column_letter, ungarbled


def parse_row(
    line: int,
    cells: Sequence[str],
    layout: Layout,
    kind: FrameKind,
    defaults: dict[str, str],
) -> tuple[FrameRow | None, list[Problem]]:
    """Check and normalise one data row. The row counts only without problems;
    it is None when not even the e-mail address could be read."""
    check = _RowCheck(line, cells, layout)
    if len(cells) > len(layout.columns) or layout.blank:
        _values_without_header(check)
    _garbled_values(check)
    email = _email(check, kind)
    function = _function(check, kind)
    tier = _tier(check, kind, function)
    code = check.text(
        "organisation_code", required=_required(kind, "organisation_code")
    )
    name = _name(check)
    organisation = check.text("organisation", required=_required(kind, "organisation"))
    email_kind = check.coded(
        "email_kind",
        catalogue.normalise_email_kind,
        catalogue.EMAIL_KIND_ALIASES,
        ProblemCode.EMAIL_KIND_UNKNOWN,
    )
    gender = _gender(check)
    panel = _panel(check, defaults)
    attributes = _attributes(check, layout)
    if email is None:
        return None, check.problems
    # Returned even with problems: duplicates of a row with another mistake
    # are worth reporting in the same round.
    row = FrameRow(
        line=line,
        email=email,
        name=name,
        tier=tier,
        organisation=organisation,
        organisation_code=code.upper().replace(" ", "") if code else None,
        function=function,
        email_kind=email_kind,
        gender=gender,
        panel=panel,
        attributes=attributes,
    )
    return row, check.problems


def _values_without_header(check: _RowCheck) -> None:
    cells = check.cells
    extra = range(len(check.layout.columns), len(cells))
    for index in [*check.layout.blank, *extra]:
        if index < len(cells) and cells[index]:
            check.problem(
                None,
                ProblemCode.VALUE_WITHOUT_HEADER,
                f"waarde '{_short(cells[index])}' staat in een kolom zonder kopnaam",
                letter=column_letter(index),
            )


def _garbled_values(check: _RowCheck) -> None:
    """Text that was UTF-8 read as Windows-1252 earlier (in another program or
    a copy-paste): refused rather than stored as the person's name."""
    for index, cell in enumerate(check.cells):
        meant = ungarbled(cell)
        if meant is None:
            continue
        column = (
            check.layout.columns[index] if index < len(check.layout.columns) else None
        )
        check.problems.append(
            Problem(
                check.line,
                column_letter(index),
                column.header if column else None,
                ProblemCode.VALUE_GARBLED,
                f"'{_short(cell)}' lijkt verminkt door een verkeerde tekencodering "
                f"(bedoeld is waarschijnlijk '{_short(meant)}'); herstel de tekst "
                "of sla het bestand op als 'CSV UTF-8'",
            )
        )


def _required(kind: FrameKind, name: str) -> bool:
    return name in REQUIRED[kind]


class _RowCheck:
    def __init__(self, line: int, cells: Sequence[str], layout: Layout) -> None:
        self.line = line
        self.cells = cells
        self.layout = layout
        self.problems: list[Problem] = []

    def raw(self, name: str) -> str:
        index = self.layout.index.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def problem(
        self,
        name: str | None,
        code: ProblemCode,
        message: str,
        *,
        letter: str | None = None,
    ) -> None:
        column = self.layout.by_field.get(name) if name else None
        self.problems.append(
            Problem(
                self.line,
                letter or (column.letter if column else None),
                column.header if column else None,
                code,
                message,
            )
        )

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if required and name in self.layout.by_field:
                self.problem(
                    name, ProblemCode.VALUE_MISSING, f"{FIELD_LABELS[name]} ontbreekt"
                )
            return None
        limit = MAX_LENGTH.get(name)
        if limit and len(value) > limit:
            self.problem(
                name,
                ProblemCode.VALUE_TOO_LONG,
                f"{FIELD_LABELS[name]} is langer dan {limit} tekens",
            )
            return None
        return value

    def coded(
        self,
        name: str,
        normalise: Callable[[str], str | None],
        aliases: dict[str, str],
        code: ProblemCode,
    ) -> str | None:
        value = self.raw(name)
        if not value:
            return None
        found = normalise(value)
        if found is None:
            self.unknown(name, value, aliases, code)
        return found

    def unknown(
        self, name: str, value: str, aliases: dict[str, str], code: ProblemCode
    ) -> None:
        hint = catalogue.suggest(value, aliases)
        self.problem(
            name,
            code,
            f"onbekende waarde '{_short(value)}' voor {FIELD_LABELS[name]}"
            + (f"; bedoelt u '{hint}'?" if hint else ""),
        )


def _email(check: _RowCheck, kind: FrameKind) -> str | None:
    value = check.raw("email")
    if not value:
        if "email" in check.layout.by_field:
            check.problem("email", ProblemCode.VALUE_MISSING, "e-mailadres ontbreekt")
        return None
    try:
        return normalise_email(value)
    except InvalidEmail as exc:
        check.problem(
            "email",
            ProblemCode.EMAIL_INVALID,
            f"ongeldig e-mailadres '{_short(value)}': {exc.reason}",
        )
        return None


def _function(check: _RowCheck, kind: FrameKind) -> str | None:
    if kind is not FrameKind.officials:
        return None
    value = check.raw("function")
    if not value:
        if "function" in check.layout.by_field:
            check.problem("function", ProblemCode.VALUE_MISSING, "functie ontbreekt")
        return None
    found = catalogue.normalise_function(value)
    if found is None:
        check.unknown(
            "function", value, catalogue.FUNCTION_ALIASES, ProblemCode.FUNCTION_UNKNOWN
        )
    return found


def _tier(check: _RowCheck, kind: FrameKind, function: str | None) -> str | None:
    value = check.raw("tier")
    implied = catalogue.FUNCTIONS[function].tier if function else None
    if not value:
        if implied:
            return implied
        if kind is not FrameKind.officials and "tier" in check.layout.by_field:
            check.problem("tier", ProblemCode.VALUE_MISSING, "bestuurslaag ontbreekt")
        return None
    tier = catalogue.normalise_tier(value)
    if tier is None:
        check.unknown("tier", value, catalogue.TIER_ALIASES, ProblemCode.TIER_UNKNOWN)
    elif implied and tier != implied and function:
        check.problem(
            "function",
            ProblemCode.FUNCTION_TIER_MISMATCH,
            f"functie '{catalogue.FUNCTIONS[function].label.lower()}' hoort bij "
            f"bestuurslaag {implied}, niet bij {tier}",
        )
    return tier


def _name(check: _RowCheck) -> str | None:
    name = check.text("name")
    if name or ("name" in check.layout.by_field and check.raw("name")):
        return name
    parts = [check.raw(part) for part in ("first_name", "infix", "last_name")]
    composed = " ".join(part for part in parts if part)
    if len(composed) > MAX_LENGTH["name"]:
        check.problem(
            "last_name", ProblemCode.VALUE_TOO_LONG, "naam is langer dan 300 tekens"
        )
        return None
    return composed or None


def _gender(check: _RowCheck) -> str | None:
    value = check.raw("gender")
    if not value:
        return None
    key = " ".join(value.lower().split())
    if key in catalogue.GENDER_ALIASES:
        return catalogue.GENDER_ALIASES[key]
    choices = {k: v for k, v in catalogue.GENDER_ALIASES.items() if v}
    check.unknown("gender", value, choices, ProblemCode.GENDER_UNKNOWN)
    return None


def _panel(check: _RowCheck, defaults: dict[str, str]) -> str | None:
    value = check.text("panel") or defaults.get("panel")
    return catalogue.normalise_panel(value) if value else None


def _attributes(check: _RowCheck, layout: Layout) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for column in layout.attributes:
        if column.index >= len(check.cells):
            continue
        value = check.cells[column.index]
        if not value:
            continue
        if len(value) > MAX_ATTRIBUTE_LENGTH:
            check.problems.append(
                Problem(
                    check.line,
                    column.letter,
                    column.header,
                    ProblemCode.VALUE_TOO_LONG,
                    f"waarde is langer dan {MAX_ATTRIBUTE_LENGTH} tekens",
                )
            )
            continue
        assert column.attribute is not None
        attributes[column.attribute] = value
    return attributes


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
