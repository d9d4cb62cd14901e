"""``text``: an open answer, stored stripped with ``\\r\\n`` as ``\\n``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.questionnaires.definition import Text
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


def _parse(form: AnswerForm) -> Parsed:
    question = form.question
    parsed = Parsed()
    raw = form.raw(question.id)
    text = raw[0].replace("\r\n", "\n").replace("\x00", "").strip() if raw else ""
    model = question.model
    assert isinstance(model, Text)
    if len(text) > model.max_length:
        parsed.errors[question.id] = form.message("too_long").format(n=model.max_length)
    parsed.value = text or None
    return parsed


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    return [
        Column(
            None,
            model.id,
            short_label(model),
            model.text,
            "text",
            "nominal",
            (),
            "none",
        )
    ]


def _view_fields(model: Text, pipe: PipeText) -> dict[str, object]:
    return {"multiline": model.multiline, "max_length": model.max_length}


TEXT = QuestionType(
    name="text",
    model=Text,
    label="open",
    document_label="open antwoord",
    macro="text",
    condition_value=lambda _model, _row: "text",
    parse_answer=_parse,
    stored="text",
    value_box=True,
    view_fields=_view_fields,
    columns=_columns,
    answer_note=lambda model: f"Open antwoord, ten hoogste {model.max_length} tekens.",
)
