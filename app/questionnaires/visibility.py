"""Evaluating conditions against one respondent's answers and sample attributes.

Shared by routing, answer parsing and explanations so that all three agree on
what "shown" means: the block's condition, the page's and the question's own
must all hold.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import (
    CompiledPage,
    CompiledQuestion,
    CompiledQuestionnaire,
    evaluation_value,
)

Answers = Mapping[str, object]
Attributes = Mapping[str, object]


class AnswerEnv:
    """The ``expressions.Env`` of one respondent; derived values computed on demand."""

    __slots__ = ("_derived", "answers", "attributes", "cq")

    def __init__(
        self, cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
    ) -> None:
        self.cq, self.answers, self.attributes = cq, answers, attributes
        self._derived: dict[str, ex.Value] = {}

    def answer(self, name: str, row: str | None) -> ex.Value:
        question = self.cq.questions.get(name)
        if question is None:
            return self.derived(name)
        stored = self.answers.get(name)
        if row is not None:
            stored = stored.get(row) if isinstance(stored, dict) else None
        return evaluation_value(question, stored)

    def derived(self, name: str) -> ex.Value:
        if name not in self._derived:
            expr = self.cq.derived_by_id.get(name)
            self._derived[name] = None if expr is None else ex.evaluate(expr, self)
        return self._derived[name]

    def forget_derived(self) -> None:
        """Call after changing ``answers`` in place (cleaning walks do)."""
        self._derived.clear()

    def attribute(self, name: str) -> ex.Value:
        return self.attributes.get(name)  # type: ignore[return-value]

    def missing_codes(self, name: str) -> frozenset[int]:
        question = self.cq.questions.get(name)
        return question.missing_codes if question else frozenset()


class DecidingEnv(AnswerEnv):
    """``AnswerEnv`` for ``expressions.decide``: derived values three-valued.

    What an export writes for a derived variable: ``UNKNOWN`` (exported as
    "niet te bepalen") where the given answers do not settle the value.
    """

    __slots__ = ("_decided",)

    def __init__(
        self, cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
    ) -> None:
        super().__init__(cq, answers, attributes)
        self._decided: dict[str, object] = {}

    def is_question(self, name: str) -> bool:
        return name in self.cq.questions

    def special_codes(self, name: str) -> frozenset[int]:
        question = self.cq.questions.get(name)
        return question.special_codes if question else frozenset()

    def bounds(self, name: str) -> tuple[float, float] | None:
        question = self.cq.questions.get(name)
        if question is None or question.qtype.bounds is None:
            return None
        low, high = question.qtype.bounds(question.model)
        return float(low), float(high)

    def rows(self, name: str) -> tuple[str, ...]:
        question = self.cq.questions.get(name)
        if question is None or question.qtype.bounds is None:
            return ()  # only numbers add up (a grid's rows are codes)
        return tuple(r.id for r in question.rows)

    def decided(self, name: str) -> object:
        if name not in self._decided:
            expr = self.cq.derived_by_id.get(name)
            self._decided[name] = ex.UNKNOWN if expr is None else ex.decide(expr, self)
        return self._decided[name]


def holds(expr: ex.Expr | None, env: ex.Env) -> bool:
    return expr is None or ex.truthy(ex.evaluate(expr, env))


def page_guard(page: CompiledPage, env: ex.Env) -> bool:
    """The block's and the page's own condition (not yet: has it a visible question)."""
    return page.guard_holds(env)


def question_shown(question: CompiledQuestion, env: ex.Env) -> bool:
    """Its condition holds and, for a choice question, something is left to choose.

    A required question whose options are all filtered away (say, the channels
    chosen earlier) could never be answered and would block the respondent, so
    such a question counts as hidden.
    """
    if not question.condition_holds(env):
        return False
    choice = question.qtype.choice
    if (
        choice
        and question.option_relevant
        and not any(option_shown(question, o.code, env) for o in question.options)
    ):
        return False
    if question.row_relevant and choice:  # a grid's statements
        return any(row_shown(question, r.id, env) for r in question.rows)
    return True


def option_shown(question: CompiledQuestion, code: int, env: ex.Env) -> bool:
    return holds(question.option_relevant.get(code), env)


def row_shown(question: CompiledQuestion, row: str, env: ex.Env) -> bool:
    return holds(question.row_relevant.get(row), env)


def page_visible(page: CompiledPage, env: ex.Env) -> bool:
    return page_guard(page, env) and any(question_shown(q, env) for q in page.questions)
