"""Form-value helpers shared by the answer parsers of several types.

Pure functions over the ``AnswerForm`` protocol: whole numbers, bounds, and the
one-field-per-row shape that grids and numbers with items share.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.questionnaires.types.base import AnswerForm, Parsed

_INTEGER = re.compile(r"-?[0-9]{1,9}")


def integer(text: str) -> int | None:
    return int(text) if _INTEGER.fullmatch(text) else None


def bounded(low: int, high: int, text: str) -> int | None:
    number = integer(text)
    return number if number is not None and low <= number <= high else None


def parse_rows(
    form: AnswerForm,
    convert: Callable[[str], int | None],
    invalid: str,
    *,
    low: int = 0,
    high: int = 0,
    unanswered: tuple[str, str],
) -> Parsed:
    """Grid rows and number items: one field ``q.row`` each, only visible rows count.

    ``unanswered`` names the messages for one row left open and for the question
    (a grid's "Beantwoord alle stellingen", a number's "Vul alle velden in")."""
    question = form.question
    parsed, answered, missing = Parsed(), {}, []
    for row in question.rows:
        if not form.row_shown(row.id):
            continue
        key = f"{question.id}.{row.id}"
        values = form.values(key)
        value = convert(values[0]) if len(values) == 1 else None
        if not values:
            missing.append(key)
        elif value is None:
            parsed.errors[key] = form.message(invalid).format(min=low, max=high)
        else:
            answered[row.id] = value
    required = getattr(question.model, "required", False)
    if required and missing and (answered or parsed.errors):
        for key in missing:
            parsed.errors[key] = form.message(unanswered[0])
        parsed.errors[question.id] = form.message(unanswered[1])
    parsed.value = answered or None
    return parsed


def single_code(form: AnswerForm) -> Parsed:
    """One option code under ``q``, offered to this respondent."""
    question = form.question
    parsed = Parsed()
    values = form.values(question.id)
    if not values:
        return parsed
    code = form.offered_code(values[0]) if len(values) == 1 else None
    if code is None:
        parsed.errors[question.id] = form.message("invalid_option")
        return parsed
    parsed.value = code
    form.other_text(code == question.other_code, parsed)
    return parsed
