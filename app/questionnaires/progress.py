"""How far a respondent is: "page 6 of about 24", never moving back.

Counting the pages routing shows for the answers so far made the bar jump back
whenever an answer opened a block (page 5 of 19 at 26 %, then page 6 of 36 at
14 %). Here the total counts every page that may still be shown: a later page
is left out only when one of its conditions is already decided against it.
Pure, like routing; the per-version plan is worked out once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.visibility import AnswerEnv, Answers, Attributes, holds

_Condition = tuple[ex.Expr, int]
"""A condition and the index of the last page whose answers it reads (-1: none)."""


@dataclass(frozen=True)
class _PagePlan:
    guards: tuple[_Condition, ...]
    """The block's and the page's condition: either one false hides the page."""
    questions: tuple[_Condition | None, ...]
    """Each question's own condition (None: always shown); all false hide it."""


def progress(
    cq: CompiledQuestionnaire,
    page_id: str,
    answers: Answers,
    attributes: Attributes,
    visible: Sequence[str],
) -> tuple[int, int]:
    """(position, estimated total) of ``page_id`` for one respondent.

    ``visible`` is ``routing.visible_pages`` for ``answers`` (callers have it).
    The position is the page's place among the visible pages. The total adds
    the longest route the respondent may still take: every later page except
    those a condition already decides to hide. A condition is decided when it
    reads only attributes and answers from pages before this one (those do not
    change while the respondent goes forward); a condition reading this page or
    a later one may still open its page, so that page counts.

    The rule, and why it never moves back: going forward from page *i* to the
    next visible page *j*, the position grows by one, and the total does not
    grow: a page decided hidden at *i* stays hidden at *j* (its answers are
    unchanged), and *j* itself was counted at *i*. So the share done,
    ``(position - 1) / total``, only ever grows as the respondent goes on.
    (Going back to change an earlier answer may of course change the route.)
    """
    if page_id not in visible:
        return (0, max(len(visible), 1))
    position = visible.index(page_id) + 1
    current = cq.page_by_id[page_id].index
    shown = set(visible)
    env = AnswerEnv(cq, answers, attributes)
    remaining = 0
    for page, plan in zip(cq.pages, _plans(cq), strict=True):
        if page.index <= current:
            continue
        if page.id in shown or not _decided_hidden(plan, current, env):
            remaining += 1
    return (position, position + remaining)


def _decided_hidden(plan: _PagePlan, current: int, env: AnswerEnv) -> bool:
    def decided_false(condition: _Condition | None) -> bool:
        if condition is None:
            return False
        expr, reads_up_to = condition
        return reads_up_to < current and not holds(expr, env)

    if any(decided_false(guard) for guard in plan.guards):
        return True
    return all(decided_false(question) for question in plan.questions)


@lru_cache(maxsize=64)
def _plans(cq: CompiledQuestionnaire) -> tuple[_PagePlan, ...]:
    """Per page, its conditions with the last page each one reads."""
    reads = _reader(cq)
    plans = []
    for page in cq.pages:
        guards = tuple(
            (expr, reads(expr))
            for expr in (page.block_relevant, page.relevant)
            if expr is not None
        )
        questions: list[_Condition | None] = []
        for question in page.questions:
            if question.relevant is None:
                questions.append(None)
            else:
                questions.append((question.relevant, reads(question.relevant)))
        plans.append(_PagePlan(guards, tuple(questions)))
    return tuple(plans)


def _reader(cq: CompiledQuestionnaire) -> Callable[[ex.Expr], int]:
    """``reads(expr)``: the last page index whose answers ``expr`` reads, derived
    values followed to the questions they are computed from."""
    derived_reads: dict[str, int] = {}

    def reads(expr: ex.Expr) -> int:
        last = -1
        for ref in ex.references(expr):
            if ref.kind != "question":
                continue
            question = cq.questions.get(ref.name)
            if question is not None:
                last = max(last, question.page_index)
            elif ref.name in cq.derived_by_id:
                last = max(last, derived(ref.name))
        return last

    def derived(name: str) -> int:
        if name not in derived_reads:
            derived_reads[name] = -1  # a cycle the checks refuse; stay finite
            expr = cq.derived_by_id.get(name)
            derived_reads[name] = -1 if expr is None else reads(expr)
        return derived_reads[name]

    return reads
