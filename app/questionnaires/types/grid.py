"""``grid``: statements sharing one answer scale; each row answered on its own.

The answer is ``{row_id: code}``; each row is a form field ``q.row`` and an
export column ``q_row``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app.questionnaires.definition import Grid, Option, Row
from app.questionnaires.types.answers import parse_rows
from app.questionnaires.types.base import (
    AnswerForm,
    Column,
    Measure,
    Parsed,
    QuestionType,
    short_label,
)

if TYPE_CHECKING:
    from app.questionnaires.compiler import CompiledQuestion


def _options(model: Grid, scales: Mapping[str, Sequence[Option]]) -> list[Option]:
    if model.scale is not None:
        return list(scales.get(model.scale, []))
    return list(model.options or [])


def _rows(model: Grid) -> list[Row]:
    return list(model.rows)


def _parse(form: AnswerForm) -> Parsed:
    return parse_rows(
        form,
        form.offered_code,
        "invalid_option",
        unanswered=("required_row", "required_rows"),
    )


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    assert isinstance(model, Grid)
    short = short_label(model)
    measure: Measure = "ordinal" if model.scale else "nominal"
    return [
        Column(
            f"row:{row.id}",
            f"{model.id}_{row.id}",
            f"{short}: {row.text}",
            f"{model.text} — {row.text}",
            "coded",
            measure,
        )
        for row in question.rows
    ]


GRID = QuestionType(
    name="grid",
    model=Grid,
    label="stellingen",
    document_label="stellingen, één antwoord per stelling",
    macro="grid",
    choice=True,
    rotates="rows",
    condition_value=lambda _model, row: "code" if row else "grid",
    parse_answer=_parse,
    options=_options,
    rows=_rows,
    shared_scale=lambda model: model.scale,
    columns=_columns,
)
