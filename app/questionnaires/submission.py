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

from collections.abc import Mapping, Sequence
from functools import lru_cache

from app import i18n
from app.questionnaires.compiler import (
    CompiledPage,
    CompiledQuestion,
    CompiledQuestionnaire,
)
from app.questionnaires.definition import Page, other_key
from app.questionnaires.explain import pipe
from app.questionnaires.types import Parsed
from app.questionnaires.types.answers import integer
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
    Each type parses its own fields (``questionnaires.types``).
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
        parse = question.qtype.parse_answer
        if parse is None or not question_shown(question, env):
            continue
        parsed = parse(_SubmittedForm(question, form, env))
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


def _require(question: CompiledQuestion, parsed: Parsed, env: AnswerEnv) -> None:
    model = question.model
    if parsed.value is None and not parsed.errors and getattr(model, "required", False):
        message = getattr(model, "required_message", None) or _messages(env)["required"]
        parsed.errors[question.id] = pipe(message, env.cq, env.answers, env.attributes)


def _constrain(question: CompiledQuestion, parsed: Parsed, env: AnswerEnv) -> None:
    """A file's own message may pipe earlier answers ("samen moeten dit ${q5} zijn")."""
    if question.constraint is not None and not holds(question.constraint, env):
        message = (
            getattr(question.model, "constraint_message", None)
            or _messages(env)["constraint"]
        )
        parsed.errors[question.id] = pipe(message, env.cq, env.answers, env.attributes)


class _SubmittedForm:
    """The form as one question's parser sees it (``types.AnswerForm``)."""

    __slots__ = ("_env", "_form", "question")

    def __init__(
        self, question: CompiledQuestion, form: FormData, env: AnswerEnv
    ) -> None:
        self.question = question
        self._form = form
        self._env = env

    def values(self, key: str) -> list[str]:
        return [v.strip() for v in self._form.get(key, ()) if v.strip()]

    def raw(self, key: str) -> Sequence[str]:
        return self._form.get(key, ())

    def offered_code(self, text: str) -> int | None:
        code = integer(text)
        if (
            code is None
            or code not in self.question.labels
            or not option_shown(self.question, code, self._env)
        ):
            return None
        return code

    def row_shown(self, row_id: str) -> bool:
        return row_shown(self.question, row_id, self._env)

    def message(self, key: str) -> str:
        return _messages(self._env)[key]

    def other_text(self, chosen: bool, parsed: Parsed) -> None:
        """Keep the "anders, namelijk" text only while its option is chosen."""
        if not chosen:
            return
        question = self.question
        key = other_key(question.id)
        text = " ".join(self.values(key)[:1])
        option = next(o for o in question.options if o.code == question.other_code)
        if not text and option.other_required:
            parsed.errors[key] = self.message("other_required").format(
                label=option.label
            )
        elif len(text) > OTHER_MAX_LENGTH:
            parsed.errors[key] = self.message("too_long").format(n=OTHER_MAX_LENGTH)
        parsed.other = text or None
