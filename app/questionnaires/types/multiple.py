"""``multiple``: any number of options, by checkbox; the answer is a list of codes.

Exported as one 0/1 column per option, named by the option's name or code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app.questionnaires.definition import MultipleChoice, Option
from app.questionnaires.errors import ErrorCode
from app.questionnaires.types.base import (
    AnswerForm,
    Column,
    Parsed,
    QuestionType,
    Report,
    option_suffix,
    short_label,
)
from app.questionnaires.yamlsource import Path

if TYPE_CHECKING:
    from app.questionnaires.compiler import CompiledQuestion

CHOSEN = ((0, "Niet gekozen"), (1, "Gekozen"))


def _options(
    model: MultipleChoice, scales: Mapping[str, Sequence[Option]]
) -> list[Option]:
    return list(model.options)


def _parse(form: AnswerForm) -> Parsed:
    question = form.question
    parsed = Parsed()
    codes = {form.offered_code(v) for v in form.values(question.id)}
    if None in codes:
        parsed.errors[question.id] = form.message("invalid_option")
        return parsed
    if not codes:
        return parsed
    chosen = [o for o in question.options if o.code in codes]
    exclusive = next((o for o in chosen if o.exclusive), None)
    model = question.model
    assert isinstance(model, MultipleChoice)
    if exclusive is not None and len(chosen) > 1:
        parsed.errors[question.id] = form.message("exclusive").format(
            label=exclusive.label
        )
    elif model.min_choices and len(chosen) < model.min_choices and exclusive is None:
        parsed.errors[question.id] = form.message("min_choices").format(
            n=model.min_choices
        )
    elif model.max_choices and len(chosen) > model.max_choices:
        key = "max_choices_one" if model.max_choices == 1 else "max_choices"
        parsed.errors[question.id] = form.message(key).format(n=model.max_choices)
    parsed.value = [o.code for o in chosen]
    form.other_text(question.other_code in codes, parsed)
    return parsed


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    short = short_label(model)
    return [
        Column(
            f"opt:{option.code}",
            f"{model.id}_{option_suffix(option.name, option.code)}",
            f"{short}: {option.label}",
            f"{model.text} — {option.label}",
            "coded",
            "nominal",
            CHOSEN,
            "missing",
        )
        for option in question.options
    ]


def _answer_note(model: MultipleChoice) -> str | None:
    low, high = model.min_choices, model.max_choices
    if low and high:
        return f"Kies {low} tot {high} antwoorden."
    if low:
        return f"Kies ten minste {low} antwoorden."
    if high:
        return f"Kies ten hoogste {high} antwoorden."
    return None


def _check(model: MultipleChoice, path: Path, report: Report) -> None:
    low, high = model.min_choices, model.max_choices
    if low is not None and high is not None and low > high:
        report(
            ErrorCode.CHOICE_BOUNDS,
            (*path, "min_choices"),
            question=model.id,
            detail="min_choices is above max_choices",
        )
    if low is not None and low > len(model.options):
        detail = f"min_choices is {low} but there are only {len(model.options)} options"
        report(
            ErrorCode.CHOICE_BOUNDS,
            (*path, "min_choices"),
            question=model.id,
            detail=detail,
        )


MULTIPLE = QuestionType(
    name="multiple",
    model=MultipleChoice,
    label="meer antwoorden",
    document_label="meerdere antwoorden mogelijk",
    macro="multiple",
    choice=True,
    rotates="options",
    condition_value=lambda _model, _row: "codes",
    parse_answer=_parse,
    stored="list",
    options=_options,
    option_flags=frozenset({"other", "exclusive"}),
    check=_check,
    columns=_columns,
    answer_note=_answer_note,
)
