"""An export variable: what the writers and the codebook need to know of a column."""

from __future__ import annotations

from dataclasses import dataclass

from app.exports.missing import label as missing_label


@dataclass(frozen=True)
class Routing:
    version: str
    source: str
    words: str


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    role: str
    """respondent, paradata, attribute, weight, answer, derived"""
    kind: str
    """coded (labelled integers), number, float, text, datetime"""
    measure: str
    question: str | None = None
    part: str | None = None
    text: str = ""
    values: tuple[tuple[int, str], ...] = ()
    """Labels of the valid values (export codes)."""
    missing: tuple[int, ...] = ()
    """Missing codes this variable can hold."""
    questionnaire_codes: tuple[tuple[int, int], ...] = ()
    """(export code, code in the questionnaire file) where the two differ."""
    versions: tuple[str, ...] = ()
    routing: tuple[Routing, ...] = ()
    notes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    """Attributes: the raw values, coded 1, 2, ... in this order."""

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("coded", "number", "float")

    def value_labels(self) -> dict[int, str]:
        labels = dict(self.values)
        labels.update((code, missing_label(code)) for code in self.missing)
        return labels
