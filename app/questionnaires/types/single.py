"""``single``: one option, by radio button; the answer is the option's code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app.questionnaires.definition import Option, SingleChoice
from app.questionnaires.types.answers import single_code
from app.questionnaires.types.base import (
    Column,
    Measure,
    QuestionType,
    short_label,
)

if TYPE_CHECKING:
    from app.questionnaires.compiler import CompiledQuestion


def _options(
    model: SingleChoice, scales: Mapping[str, Sequence[Option]]
) -> list[Option]:
    if model.scale is not None:
        return list(scales.get(model.scale, []))
    return list(model.options or [])


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    assert isinstance(model, SingleChoice)
    measure: Measure = "ordinal" if model.scale else "nominal"
    return [Column(None, model.id, short_label(model), model.text, "coded", measure)]


SINGLE = QuestionType(
    name="single",
    model=SingleChoice,
    label="één antwoord",
    document_label="één antwoord mogelijk",
    macro="single",
    choice=True,
    rotates="options",
    condition_value=lambda _model, _row: "code",
    parse_answer=single_code,
    options=_options,
    shared_scale=lambda model: model.scale,
    option_flags=frozenset({"other"}),
    columns=_columns,
)
