"""What staff see in a test run: every condition and whether it fired; text piping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestion, CompiledQuestionnaire
from app.questionnaires.definition import PIPE
from app.questionnaires.visibility import AnswerEnv, Answers, Attributes, holds


@dataclass(frozen=True)
class ConditionOutcome:
    """One condition of the file; ``fired`` is ``None`` when it was not evaluated
    because something around it (its block, page or question) is hidden."""

    kind: str  # block, page, question, option, row
    id: str  # the block/page/question id; for options "q.code", for rows "q.row"
    condition: str
    fired: bool | None


def explain(
    cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
) -> list[ConditionOutcome]:
    """Every block/page/question/option/row condition in file order, with its outcome."""
    env = AnswerEnv(cq, answers, attributes)
    outcomes: list[ConditionOutcome] = []
    seen_blocks: dict[str, bool | None] = {}
    for page in cq.pages:
        block = page.block
        if block.id not in seen_blocks:
            seen_blocks[block.id] = _outcome(
                outcomes,
                "block",
                block.id,
                block.relevant,
                page.block_relevant,
                env,
                True,
            )
        block_shown = seen_blocks[block.id] is not False
        page_shown = _outcome(
            outcomes,
            "page",
            page.id,
            page.model.relevant,
            page.relevant,
            env,
            block_shown,
        )
        for question in page.questions:
            shown = block_shown and page_shown is not False
            source = getattr(question.model, "relevant", None)
            fired = _outcome(
                outcomes, "question", question.id, source, question.relevant, env, shown
            )
            _parts(outcomes, question, env, shown and fired is not False)
    return outcomes


def _outcome(
    outcomes: list[ConditionOutcome],
    kind: str,
    id_: str,
    source: str | None,
    expr: ex.Expr | None,
    env: AnswerEnv,
    evaluate: bool,
) -> bool | None:
    if source is None:
        return None if not evaluate else True
    fired = holds(expr, env) if evaluate else None
    outcomes.append(ConditionOutcome(kind, id_, source, fired))
    return fired


def _parts(
    outcomes: list[ConditionOutcome],
    question: CompiledQuestion,
    env: AnswerEnv,
    shown: bool,
) -> None:
    for option in question.options:
        expr = question.option_relevant.get(option.code)
        _outcome(
            outcomes,
            "option",
            f"{question.id}.{option.code}",
            option.relevant,
            expr,
            env,
            shown,
        )
    for row in question.rows:
        expr = question.row_relevant.get(row.id)
        _outcome(
            outcomes, "row", f"{question.id}.{row.id}", row.relevant, expr, env, shown
        )


def pipe(
    text: str,
    cq: CompiledQuestionnaire,
    answers: Answers,
    attributes: Attributes,
    quote: Callable[[str], str] | None = None,
) -> str:
    """Fill ``${q}``, ``${q.row}`` and ``${attribute}`` in a text shown to a respondent.

    Choices show the option label (several joined "a, b en c"), attributes their
    value label; anything missing becomes "". The result is plain text: the
    template escapes it like any other text. For a text that is markup
    (``markup.to_html``), ``quote`` makes each value literal text in it.
    """
    if "${" not in text:
        return text
    env = AnswerEnv(cq, answers, attributes)
    if quote is None:
        return PIPE.sub(lambda m: _piped(cq, env, m.group(1), m.group(2)), text)
    return PIPE.sub(lambda m: quote(_piped(cq, env, m.group(1), m.group(2))), text)


def _piped(
    cq: CompiledQuestionnaire, env: AnswerEnv, name: str, row: str | None
) -> str:
    question = cq.questions.get(name)
    if question is not None:
        stored = env.answers.get(name)
        if row is not None:
            stored = stored.get(row) if isinstance(stored, dict) else None
        return _answer_text(question, stored)
    if name in cq.derived_by_id:
        return _plain(env.derived(name))
    attribute = cq.definition.attributes.get(name)
    value = env.attribute(name)
    if attribute is None or value is None:
        return ""
    return attribute.values.get(str(value), str(value))


def _answer_text(question: CompiledQuestion, stored: object) -> str:
    if isinstance(stored, list):
        return dutch_list(
            [question.labels.get(c, "") for c in stored if c in question.labels]
        )
    if (
        isinstance(stored, int)
        and not isinstance(stored, bool)
        and stored in question.labels
    ):
        return question.labels[stored]
    if isinstance(stored, dict):
        return ""
    return _plain(stored)


def _plain(value: object) -> str:
    if value is None or isinstance(value, bool | ex.OptionAnswer | dict | list):
        return ""
    return str(value)


def dutch_list(items: list[str]) -> str:
    """["a", "b", "c"] → "a, b en c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"
