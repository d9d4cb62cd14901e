"""``scale``: a numeric rating scale with labelled ends; the answer is the point.

Its options ("weet niet") are answers beside the scale, with codes outside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app.questionnaires.definition import Option, Scale
from app.questionnaires.types.answers import bounded
from app.questionnaires.types.base import (
    AnswerForm,
    Column,
    Parsed,
    PipeText,
    QuestionType,
    short_label,
)

if TYPE_CHECKING:
    from app.questionnaires.compiler import CompiledQuestion


def _options(model: Scale, scales: Mapping[str, Sequence[Option]]) -> list[Option]:
    return list(model.options)


def _parse(form: AnswerForm) -> Parsed:
    question = form.question
    parsed = Parsed()
    values = form.values(question.id)
    if not values:
        return parsed
    model = question.model
    assert isinstance(model, Scale)
    value = None
    if len(values) == 1:
        value = bounded(model.min, model.max, values[0])
        if value is None:
            value = form.offered_code(values[0])
    if value is None:
        parsed.errors[question.id] = form.message("scale").format(
            min=model.min, max=model.max
        )
    parsed.value = value
    return parsed


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    assert isinstance(model, Scale)
    ends = ((model.min, model.min_label), (model.max, model.max_label))
    return [
        Column(
            None,
            model.id,
            short_label(model),
            model.text,
            "coded",
            "ordinal",
            ends,
            valid_min=model.min,
        )
    ]


def _view_fields(model: Scale, pipe: PipeText) -> dict[str, object]:
    return {"min_label": pipe(model.min_label), "max_label": pipe(model.max_label)}


def _answer_note(model: Scale) -> str:
    return f"Schaal van {model.min} ({model.min_label}) tot {model.max} ({model.max_label})."


SCALE = QuestionType(
    name="scale",
    model=Scale,
    label="schaal",
    document_label="schaal",
    macro="scale",
    condition_value=lambda _model, _row: "number",
    parse_answer=_parse,
    options=_options,
    bounds=lambda model: (model.min, model.max),
    view_fields=_view_fields,
    scale_points=lambda model: range(model.min, model.max + 1),
    columns=_columns,
    answer_note=_answer_note,
)
