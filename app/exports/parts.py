"""The export columns of one question, and of the sample attributes.

A question becomes one or more *parts*, each a column: keyed ``None`` (single,
scale, number, text), ``row:<id>`` (grid statement or number item),
``opt:<code>`` (a 0/1 column per multiple-choice option) or ``other`` (the
"anders, namelijk" text). Option codes marked ``missing:`` in the file are
exported as the scheme's negative code (see ``missing.py``); the file's own
code is kept beside it for the codebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.exports.missing import KIND_CODE, Missing
from app.exports.variables import Variable
from app.questionnaires.compiler import CompiledQuestion, CompiledQuestionnaire
from app.questionnaires.definition import Questionnaire
from app.questionnaires.types import Column, question_type, short_label
from app.samples import catalogue

EXCLUDED_ATTRIBUTES = frozenset(
    {"organisation", "organisation_code", "name", "email", "token", "contact"}
)
"""Never exported: contact data, and the organisation name, which together
with the function identifies a person (there is one mayor per municipality)."""

CATALOGUE_VALUES: dict[str, dict[str, str]] = {
    "tier": catalogue.TIERS,
    "function": {code: f.label for code, f in catalogue.FUNCTIONS.items()},
    "function_type": catalogue.FUNCTION_TYPES,
    "email_kind": catalogue.EMAIL_KINDS,
    "gender": catalogue.GENDERS,
}
"""Attributes with the platform's own vocabulary: the same codes in every
questionnaire, so officials and employees files line up."""


@dataclass(frozen=True)
class Part:
    key: str | None
    name: str
    label: str
    text: str
    kind: str
    measure: str
    values: tuple[tuple[int, str], ...] = ()
    missing: tuple[Missing, ...] = ()
    questionnaire_codes: tuple[tuple[int, int], ...] = ()
    valid_min: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coding:
    """How a question's option codes become export codes."""

    to_export: dict[int, int]
    values: tuple[tuple[int, str], ...]
    missing: tuple[Missing, ...]
    notes: tuple[str, ...]

    @property
    def questionnaire_codes(self) -> tuple[tuple[int, int], ...]:
        return tuple((new, old) for old, new in self.to_export.items() if new != old)


def coding(question: CompiledQuestion) -> Coding:
    to_export: dict[int, int] = {}
    values: list[tuple[int, str]] = []
    used: list[Missing] = []
    notes: list[str] = []
    for option in question.options:
        code = option.code
        if option.missing is not None:
            kind = KIND_CODE[option.missing]
            if kind not in used:
                used.append(kind)
                to_export[code] = int(kind)
                continue
            notes.append(
                f"Tweede optie van de soort '{option.missing.value}' ({code}) houdt "
                "haar eigen code en is niet als ontbrekend gedeclareerd."
            )
        to_export[code] = code
        values.append((code, option.label))
    return Coding(to_export, tuple(values), tuple(used), tuple(notes))


def question_parts(cq: CompiledQuestionnaire, question: CompiledQuestion) -> list[Part]:
    """The type's columns (``questionnaires.types``), coded for export, and the
    "anders, namelijk" text column of a question with such an option."""
    model = question.model
    code = coding(question)
    parts = [_part(column, code) for column in question_type(model).columns(question)]
    if question.other_code is not None:
        short = short_label(model)
        parts.append(
            Part(
                "other",
                f"{model.id}_other",
                f"{short}: anders, namelijk (tekst)",
                f"{model.text} — anders, namelijk",
                "text",
                "nominal",
            )
        )
    return parts


def _part(column: Column, code: Coding) -> Part:
    """A type's column with the question's option coding applied as it declares."""
    if column.coding == "none":
        extra: dict[str, Any] = {}
    elif column.coding == "missing":
        extra = {"missing": code.missing}
    else:
        extra = {
            "missing": code.missing,
            "questionnaire_codes": code.questionnaire_codes,
            "notes": code.notes,
        }
    values = (
        column.labels + code.values if column.coding == "options" else column.labels
    )
    return Part(
        column.key,
        column.name,
        column.label,
        column.text,
        column.kind,
        column.measure,
        values,
        valid_min=column.valid_min,
        **extra,
    )


def attribute_variables(definitions: Sequence[Questionnaire]) -> list[Variable]:
    """Sample attributes: tier always, then those any selected version declares."""
    declared: dict[str, tuple[str, dict[str, str]]] = {}
    for qn in reversed(definitions):
        for name, attribute in qn.attributes.items():
            if name not in declared:
                declared[name] = (attribute.label, dict(attribute.values))
            for value, text in attribute.values.items():
                declared[name][1].setdefault(value, text)
    names = ["tier", *[n for n in declared if n != "tier"]]
    variables: list[Variable] = []
    for name in names:
        if name in EXCLUDED_ATTRIBUTES:
            continue
        label, values = declared.get(name, ("Bestuurslaag", {}))
        values = CATALOGUE_VALUES.get(name, values)
        if not values:
            variables.append(
                Variable(
                    name,
                    label,
                    "attribute",
                    "text",
                    "nominal",
                    part=name,
                    text=f"Steekproefkenmerk: {label}",
                )
            )
            continue
        variables.append(
            Variable(
                name,
                label,
                "attribute",
                "coded",
                "nominal",
                part=name,
                text=f"Steekproefkenmerk: {label}",
                values=tuple((i + 1, text) for i, text in enumerate(values.values())),
                missing=(int(Missing.UNKNOWN),),
                categories=tuple(values),
            )
        )
    return variables
