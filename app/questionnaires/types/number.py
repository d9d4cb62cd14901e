"""``number``: a whole number within bounds, or one per item with ``items``.

A single number may have options beside the box ("weet niet"), sent as the field
``q.option``; their codes lie outside the bounds and are never numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app.questionnaires.definition import Number, Option, Row
from app.questionnaires.types.answers import bounded, parse_rows
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


def _options(model: Number, scales: Mapping[str, Sequence[Option]]) -> list[Option]:
    return list(model.options)


def _rows(model: Number) -> list[Row]:
    return list(model.items) if model.items else []


def _parse(form: AnswerForm) -> Parsed:
    question = form.question
    model = question.model
    assert isinstance(model, Number)
    if question.rows:
        return parse_rows(
            form,
            lambda text: bounded(model.min, model.max, text),
            "whole_number",
            low=model.min,
            high=model.max,
            unanswered=("required_item", "required_items"),
        )
    parsed = Parsed()
    numbers = form.values(question.id)
    options = form.values(f"{question.id}.option")
    if numbers and options:
        label = next(
            (o.label for o in question.options if str(o.code) == options[0]),
            "weet niet",
        )
        parsed.errors[question.id] = form.message("number_or_option").format(
            label=label
        )
    elif options:
        parsed.value = form.offered_code(options[0]) if len(options) == 1 else None
        if parsed.value is None:
            parsed.errors[question.id] = form.message("invalid_option")
    elif numbers:
        parsed.value = (
            bounded(model.min, model.max, numbers[0]) if len(numbers) == 1 else None
        )
        if parsed.value is None:
            parsed.errors[question.id] = form.message("whole_number").format(
                min=model.min, max=model.max
            )
    return parsed


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    assert isinstance(model, Number)
    short = short_label(model)
    if not question.rows:
        return [
            Column(
                None,
                model.id,
                short,
                model.text,
                "number",
                "scale",
                valid_min=model.min,
            )
        ]
    return [
        Column(
            f"row:{item.id}",
            f"{model.id}_{item.id}",
            f"{short}: {item.text}",
            f"{model.text} — {item.text}",
            "number",
            "scale",
            valid_min=model.min,
        )
        for item in question.rows
    ]


def _view_fields(model: Number, pipe: PipeText) -> dict[str, object]:
    unit = pipe(model.unit) if model.unit else None
    return {"minimum": model.min, "maximum": model.max, "unit": unit}


def _answer_note(model: Number) -> str:
    unit = f" {model.unit}" if model.unit else ""
    if model.items:
        return f"Per onderdeel een heel getal van {model.min} tot {model.max}{unit}."
    return f"Een heel getal van {model.min} tot {model.max}{unit}."


NUMBER = QuestionType(
    name="number",
    model=Number,
    label="getal",
    document_label="getal",
    macro="number",
    condition_value=lambda model, row: "number" if row or not model.items else "items",
    parse_answer=_parse,
    options=_options,
    rows=_rows,
    rows_key="items",
    bounds=lambda model: (model.min, model.max),
    option_field=".option",
    value_box=True,
    view_fields=_view_fields,
    columns=_columns,
    answer_note=_answer_note,
)
