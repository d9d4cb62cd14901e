"""Raw HTML form values of one page → typed answers and Dutch error messages.

Form field names (the renderer must use these):

- ``q`` — single choice, scale, number, text: one value; multiple choice: the
  field repeated, one value per chosen code;
- ``q.row`` — a grid row (value: code) or a number item (value: number);
- ``q.option`` — the non-numeric option (e.g. "weet niet") of a number question,
  which has its own checkbox/radio next to the number box;
- ``q_other`` — the "anders, namelijk" text.

Codes arrive as text and are accepted only when the option is offered to this
respondent (hidden options are refused, like any unknown value). Empty optional
questions are stored as absent, never as "".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from app import i18n
from app.questionnaires.compiler import (
    CompiledPage,
    CompiledQuestion,
    CompiledQuestionnaire,
)
from app.questionnaires.definition import (
    MultipleChoice,
    Number,
    Page,
    Scale,
    Text,
    other_key,
)
from app.questionnaires.explain import pipe
from app.questionnaires.visibility import (
    AnswerEnv,
    Answers,
    Attributes,
    holds,
    option_shown,
    page_guard,
    question_shown,
    row_shown,
)

FormData = Mapping[str, Sequence[str]]

MESSAGES = {
    "required": "Beantwoord deze vraag.",
    "required_row": "Beantwoord deze stelling.",
    "required_item": "Vul hier een getal in.",
    "required_rows": "Beantwoord alle stellingen.",
    "required_items": "Vul alle velden in.",
    "invalid_option": "Kies een van de getoonde antwoorden.",
    "whole_number": "Vul een heel getal in tussen {min} en {max}.",
    "scale": "Kies een waarde van {min} tot en met {max}.",
    "number_or_option": "Vul een getal in of kies ‘{label}’, niet allebei.",
    "exclusive": "‘{label}’ kunt u niet combineren met andere antwoorden.",
    "min_choices": "Kies ten minste {n} antwoorden.",
    "max_choices": "Kies ten hoogste {n} antwoorden.",
    "max_choices_one": "Kies één antwoord.",
    "too_long": "Uw antwoord is te lang: maximaal {n} tekens.",
    "other_required": "Vul in wat u bedoelt met ‘{label}’.",
    "constraint": "Dit antwoord klopt niet met uw eerdere antwoorden. Wilt u het controleren?",
}
"""Default texts respondents see. They are defaults only: a file can set
``required_message`` and ``constraint_message`` per question. Kept in one place so
that an English edition can swap the table."""


def _messages(env: AnswerEnv) -> Mapping[str, str]:
    """``MESSAGES`` in the language of the version being answered (``app.i18n``)."""
    return _translated(env.cq.definition.language)


@lru_cache(maxsize=8)
def _translated(language: str) -> dict[str, str]:
    return {key: i18n.gettext(language, text) for key, text in MESSAGES.items()}


OTHER_MAX_LENGTH = 500
_INTEGER = re.compile(r"-?[0-9]{1,9}")


@dataclass
class _Parsed:
    value: object = None
    other: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def page_keys(page: CompiledPage) -> set[str]:
    """Answer keys that belong to a page: its questions and their "other" texts."""
    return {key for q in page.questions for key in (q.id, other_key(q.id))}


def parse_page_submission(
    cq: CompiledQuestionnaire,
    page: Page | str,
    form: FormData,
    answers: Answers,
    attributes: Attributes,
) -> tuple[dict[str, object], dict[str, str]]:
    """Typed answers for the page's visible questions, and errors by field name.

    Questions are handled in page order and each parsed answer is visible to the
    conditions of the questions after it, so a follow-up on the same page is
    judged on what the respondent just answered. Values for hidden questions are
    ignored. The caller stores the result with ``routing.apply_page`` only when
    the error dict is empty, and otherwise re-renders the page with the errors.
    """
    compiled = cq.page_by_id[page if isinstance(page, str) else page.id]
    own = page_keys(compiled)
    working = {k: v for k, v in answers.items() if k not in own}
    env = AnswerEnv(cq, working, attributes)
    new: dict[str, object] = {}
    errors: dict[str, str] = {}
    if not page_guard(compiled, env):
        return new, errors
    for question in compiled.questions:
        if question.type == "info" or not question_shown(question, env):
            continue
        parsed = _PARSERS[question.type](question, form, env)
        _require(question, parsed, env)
        if parsed.value is not None and not parsed.errors:
            working[question.id] = parsed.value
            env.forget_derived()
            _constrain(question, parsed, env)
        errors.update(parsed.errors)
        if parsed.value is not None and not parsed.errors:
            new[question.id] = parsed.value
            if parsed.other:
                new[other_key(question.id)] = parsed.other
    return new, errors


def _require(question: CompiledQuestion, parsed: _Parsed, env: AnswerEnv) -> None:
    model = question.model
    if parsed.value is None and not parsed.errors and getattr(model, "required", False):
        message = getattr(model, "required_message", None) or _messages(env)["required"]
        parsed.errors[question.id] = pipe(message, env.cq, env.answers, env.attributes)


def _constrain(question: CompiledQuestion, parsed: _Parsed, env: AnswerEnv) -> None:
    """A file's own message may pipe earlier answers ("samen moeten dit ${q5} zijn")."""
    if question.constraint is not None and not holds(question.constraint, env):
        message = (
            getattr(question.model, "constraint_message", None)
            or _messages(env)["constraint"]
        )
        parsed.errors[question.id] = pipe(message, env.cq, env.answers, env.attributes)


def _values(form: FormData, key: str) -> list[str]:
    return [v.strip() for v in form.get(key, ()) if v.strip()]


def _integer(text: str) -> int | None:
    return int(text) if _INTEGER.fullmatch(text) else None


def _offered_code(question: CompiledQuestion, text: str, env: AnswerEnv) -> int | None:
    code = _integer(text)
    if (
        code is None
        or code not in question.labels
        or not option_shown(question, code, env)
    ):
        return None
    return code


def _other_text(
    question: CompiledQuestion,
    chosen: bool,
    form: FormData,
    parsed: _Parsed,
    env: AnswerEnv,
) -> None:
    """Keep the "anders, namelijk" text only while its option is chosen."""
    if not chosen:
        return
    key = other_key(question.id)
    text = " ".join(_values(form, key)[:1])
    option = next(o for o in question.options if o.code == question.other_code)
    if not text and option.other_required:
        parsed.errors[key] = _messages(env)["other_required"].format(label=option.label)
    elif len(text) > OTHER_MAX_LENGTH:
        parsed.errors[key] = _messages(env)["too_long"].format(n=OTHER_MAX_LENGTH)
    parsed.other = text or None


def _single(question: CompiledQuestion, form: FormData, env: AnswerEnv) -> _Parsed:
    parsed = _Parsed()
    values = _values(form, question.id)
    if not values:
        return parsed
    code = _offered_code(question, values[0], env) if len(values) == 1 else None
    if code is None:
        parsed.errors[question.id] = _messages(env)["invalid_option"]
        return parsed
    parsed.value = code
    _other_text(question, code == question.other_code, form, parsed, env)
    return parsed


def _multiple(question: CompiledQuestion, form: FormData, env: AnswerEnv) -> _Parsed:
    parsed = _Parsed()
    codes = {_offered_code(question, v, env) for v in _values(form, question.id)}
    if None in codes:
        parsed.errors[question.id] = _messages(env)["invalid_option"]
        return parsed
    if not codes:
        return parsed
    chosen = [o for o in question.options if o.code in codes]
    exclusive = next((o for o in chosen if o.exclusive), None)
    model = question.model
    assert isinstance(model, MultipleChoice)
    if exclusive is not None and len(chosen) > 1:
        parsed.errors[question.id] = _messages(env)["exclusive"].format(
            label=exclusive.label
        )
    elif model.min_choices and len(chosen) < model.min_choices and exclusive is None:
        parsed.errors[question.id] = _messages(env)["min_choices"].format(
            n=model.min_choices
        )
    elif model.max_choices and len(chosen) > model.max_choices:
        key = "max_choices_one" if model.max_choices == 1 else "max_choices"
        parsed.errors[question.id] = _messages(env)[key].format(n=model.max_choices)
    parsed.value = [o.code for o in chosen]
    _other_text(question, question.other_code in codes, form, parsed, env)
    return parsed


def _grid(question: CompiledQuestion, form: FormData, env: AnswerEnv) -> _Parsed:
    return _rows(
        question,
        form,
        env,
        lambda text: _offered_code(question, text, env),
        "invalid_option",
    )


def _number_items(
    question: CompiledQuestion, form: FormData, env: AnswerEnv
) -> _Parsed:
    return _rows(
        question, form, env, lambda text: _bounded(question, text), "whole_number"
    )


def _rows(
    question: CompiledQuestion,
    form: FormData,
    env: AnswerEnv,
    convert: Callable[[str], int | None],
    invalid: str,
) -> _Parsed:
    """Grid rows and number items: one field ``q.row`` each, only visible rows count."""
    parsed, answered, missing = _Parsed(), {}, []
    model = question.model
    for row in question.rows:
        if not row_shown(question, row.id, env):
            continue
        key = f"{question.id}.{row.id}"
        values = _values(form, key)
        value = convert(values[0]) if len(values) == 1 else None
        if not values:
            missing.append(key)
        elif value is None:
            parsed.errors[key] = _messages(env)[invalid].format(
                min=getattr(model, "min", 0), max=getattr(model, "max", 0)
            )
        else:
            answered[row.id] = value
    if getattr(model, "required", False) and missing and (answered or parsed.errors):
        for key in missing:
            parsed.errors[key] = _messages(env)[
                "required_row" if model.type == "grid" else "required_item"
            ]
        parsed.errors[question.id] = _messages(env)[
            "required_rows" if model.type == "grid" else "required_items"
        ]
    parsed.value = answered or None
    return parsed


def _bounded(question: CompiledQuestion, text: str) -> int | None:
    model = question.model
    assert isinstance(model, Number | Scale)
    number = _integer(text)
    return number if number is not None and model.min <= number <= model.max else None


def _scale(question: CompiledQuestion, form: FormData, env: AnswerEnv) -> _Parsed:
    parsed = _Parsed()
    values = _values(form, question.id)
    if not values:
        return parsed
    model = question.model
    assert isinstance(model, Scale)
    value = None
    if len(values) == 1:
        value = _bounded(question, values[0])
        if value is None:
            value = _offered_code(question, values[0], env)
    if value is None:
        parsed.errors[question.id] = _messages(env)["scale"].format(
            min=model.min, max=model.max
        )
    parsed.value = value
    return parsed


def _number(question: CompiledQuestion, form: FormData, env: AnswerEnv) -> _Parsed:
    if question.rows:
        return _number_items(question, form, env)
    parsed = _Parsed()
    model = question.model
    assert isinstance(model, Number)
    numbers = _values(form, question.id)
    options = _values(form, f"{question.id}.option")
    if numbers and options:
        label = next(
            (o.label for o in question.options if str(o.code) == options[0]),
            "weet niet",
        )
        parsed.errors[question.id] = _messages(env)["number_or_option"].format(
            label=label
        )
    elif options:
        parsed.value = (
            _offered_code(question, options[0], env) if len(options) == 1 else None
        )
        if parsed.value is None:
            parsed.errors[question.id] = _messages(env)["invalid_option"]
    elif numbers:
        parsed.value = _bounded(question, numbers[0]) if len(numbers) == 1 else None
        if parsed.value is None:
            parsed.errors[question.id] = _messages(env)["whole_number"].format(
                min=model.min, max=model.max
            )
    return parsed


def _text(question: CompiledQuestion, form: FormData, env: AnswerEnv) -> _Parsed:
    parsed = _Parsed()
    raw = form.get(question.id, ())
    text = raw[0].replace("\r\n", "\n").replace("\x00", "").strip() if raw else ""
    model = question.model
    assert isinstance(model, Text)
    if len(text) > model.max_length:
        parsed.errors[question.id] = _messages(env)["too_long"].format(
            n=model.max_length
        )
    parsed.value = text or None
    return parsed


_PARSERS: dict[str, Callable[[CompiledQuestion, FormData, AnswerEnv], _Parsed]] = {
    "single": _single,
    "multiple": _multiple,
    "grid": _grid,
    "scale": _scale,
    "number": _number,
    "text": _text,
}
