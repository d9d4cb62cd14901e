"""What a table definition may name: the variables of the export, with their codes.

Built from the export's layout (the same columns the analyst downloads), so a
definition that passes ``report check`` reads exactly the columns the export
writes. Pure: a layout in, a catalog out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.exports.layout import Layout
from app.exports.missing import Missing
from app.exports.variables import Variable
from app.questionnaires.compiler import CompiledQuestion

MISSING_BY_NAME: dict[str, int] = {
    "not_applicable": int(Missing.NOT_APPLICABLE),
    "dont_know": int(Missing.DONT_KNOW),
    "refused": int(Missing.REFUSED),
}


@dataclass(frozen=True)
class VarInfo:
    name: str
    label: str
    kind: str
    role: str
    values: tuple[tuple[int, str], ...]
    """Valid export codes and their labels, in file order."""
    names: dict[str, int] = field(default_factory=dict)
    """Option names (questions) or raw values (attributes) → export code."""
    missing: tuple[int, ...] = ()

    @property
    def categorical(self) -> bool:
        return self.kind == "coded" and bool(self.values)

    def code_of(self, value: int | str) -> int | None:
        """An option name, raw attribute value, missing-kind name or code → export code."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if value in self.names:
            return self.names[value]
        return MISSING_BY_NAME.get(value)

    def label_of(self, code: int) -> str:
        for value, text in self.values:
            if value == code:
                return text
        from app.exports.missing import label

        return label(code) if code < 0 else str(code)


@dataclass(frozen=True)
class OptionInfo:
    name: str
    code: int
    label: str
    column: str
    missing: str | None
    """The option's missing kind ("dont_know", ...), or None for a substantive option."""


@dataclass(frozen=True)
class MultipleInfo:
    question: str
    label: str
    options: tuple[OptionInfo, ...]


@dataclass(frozen=True)
class Catalog:
    variables: dict[str, VarInfo]
    multiples: dict[str, MultipleInfo]
    versions: tuple[str, ...]


def catalog_from_layout(layout: Layout) -> Catalog:
    variables: dict[str, VarInfo] = {}
    multiples: dict[str, MultipleInfo] = {}
    questions: dict[str, CompiledQuestion] = {}
    for ref in layout.versions:
        questions.update(ref.compiled.questions)
    for variable in layout.variables:
        names = _names(variable, questions)
        variables[variable.name] = VarInfo(
            variable.name,
            variable.label,
            variable.kind,
            variable.role,
            variable.values,
            names,
            variable.missing,
        )
        if variable.part and variable.part.startswith("opt:") and variable.question:
            question = questions[variable.question]
            code = int(variable.part[4:])
            option = next(o for o in question.options if o.code == code)
            found = multiples.get(variable.question)
            info = OptionInfo(
                option.name or str(code),
                code,
                option.label,
                variable.name,
                option.missing.value if option.missing is not None else None,
            )
            label = getattr(question.model, "label", None) or question.model.text
            multiples[variable.question] = MultipleInfo(
                variable.question,
                label,
                (*(found.options if found else ()), info),
            )
    return Catalog(variables, multiples, tuple(r.label for r in layout.versions))


def _names(
    variable: Variable, questions: Mapping[str, CompiledQuestion]
) -> dict[str, int]:
    if variable.role == "attribute":
        return {raw: i + 1 for i, raw in enumerate(variable.categories)}
    if variable.part and variable.part.startswith("opt:"):
        return {}
    if variable.question and variable.question in questions:
        question = questions[variable.question]
        out: dict[str, int] = {}
        for option in question.options:
            if not option.name:
                continue
            code = (
                MISSING_BY_NAME[option.missing.value]
                if option.missing is not None
                else option.code
            )
            out[option.name] = code
        return out
    return {}
