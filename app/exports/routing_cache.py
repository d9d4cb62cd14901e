"""What routing showed one respondent, remembered for respondents with the same inputs.

Routing is decided by the conditions, and a condition only combines the truth
of its elementary tests (comparisons, ``selected(...)``, ``answered(...)``,
``in`` lists, bare references) with ``and``, ``or`` and ``not``. So the
outcome for a respondent (questions shown, hidden rows and options, where a
partial respondent stopped) is a function of the truth of every elementary
test, the derived values, and (for a partial response) the submitted pages.
That is the cache key: evaluating the few dozen tests costs less than half a
full routing pass, and respondents who reported 3 and 7 incidents share an
entry when every test only asks "more than 0?". A hit is the same computation,
never an approximation (``tests/exports/test_routing_cache.py`` checks every
respondent against the routing engine); the cache is bounded and per export.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.expressions import evaluate, truthy
from app.questionnaires.visibility import (
    AnswerEnv,
    holds,
    option_shown,
    question_shown,
    row_shown,
)


@dataclass(frozen=True, slots=True)
class Seen:
    shown: frozenset[str]
    """Questions routing shows (on pages whose block and page conditions hold)."""
    stop: float
    """Index of the first visible page a partial respondent did not submit."""
    hidden_rows: Mapping[str, frozenset[str]]
    hidden_options: Mapping[str, frozenset[int]]
    derived: Mapping[str, Any]


class RoutingCache:
    def __init__(self, cq: CompiledQuestionnaire, *, max_entries: int = 4096) -> None:
        self.cq = cq
        self.max_entries = max_entries
        self.tests = tuple(dict.fromkeys(_tests(cq)))
        """The elementary tests of every routing condition, each once."""
        self.derived_ids = tuple(d.id for d, _ in cq.derived)
        self.entries: dict[tuple[Any, ...], Seen] = {}
        self.hits = self.misses = 0

    def seen(
        self,
        answers: Mapping[str, Any],
        attributes: Mapping[str, Any],
        *,
        partial: bool,
        submitted: Sequence[str],
    ) -> Seen:
        env = AnswerEnv(self.cq, answers, attributes)
        key = (
            tuple([truthy(evaluate(test, env)) for test in self.tests]),
            tuple([freeze(env.derived(d)) for d in self.derived_ids]),
            frozenset(submitted) if partial else None,
        )
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        found = self.entries[key] = self._compute(env, key[2])
        return found

    def _compute(self, env: AnswerEnv, submitted: frozenset[str] | None) -> Seen:
        """The rules of ``routing.path`` and ``routing.first_unanswered_page_id``,
        in one pass over one environment (derived values computed once)."""
        cq = self.cq
        shown: set[str] = set()
        stop = math.inf
        rows: dict[str, frozenset[str]] = {}
        options: dict[str, frozenset[int]] = {}
        blocks: dict[str, bool] = {}
        for page in cq.pages:
            # ``page_guard``, with the block's condition evaluated once per block
            block = page.block.id
            if block not in blocks:
                blocks[block] = holds(page.block_relevant, env)
            if not (blocks[block] and holds(page.relevant, env)):
                continue
            visible = [q for q in page.questions if question_shown(q, env)]
            if not visible:
                continue
            shown.update(q.id for q in visible)
            if submitted is not None and stop == math.inf and page.id not in submitted:
                stop = page.index
            for q in visible:
                if q.row_relevant:
                    rows[q.id] = frozenset(
                        r.id for r in q.rows if not row_shown(q, r.id, env)
                    )
                if q.option_relevant:
                    options[q.id] = frozenset(
                        o.code for o in q.options if not option_shown(q, o.code, env)
                    )
        derived = {d.id: env.derived(d.id) for d, _ in cq.derived}
        return Seen(frozenset(shown), stop, rows, options, derived)


def _conditions(cq: CompiledQuestionnaire) -> Iterator[ex.Expr]:
    """Every condition routing evaluates (derived values are keyed by value)."""
    for page in cq.pages:
        for expr in (page.block_relevant, page.relevant):
            if expr is not None:
                yield expr
        for q in page.questions:
            if q.relevant is not None:
                yield q.relevant
            yield from q.option_relevant.values()
            yield from q.row_relevant.values()


def _tests(cq: CompiledQuestionnaire) -> Iterator[ex.Expr]:
    """The elementary tests: what ``and``, ``or`` and ``not`` take the truth of."""
    for condition in _conditions(cq):
        stack = [condition]
        while stack:
            node = stack.pop()
            if isinstance(node, ex.And | ex.Or):
                stack.extend(reversed(node.operands))
            elif isinstance(node, ex.Not):
                stack.append(node.operand)
            else:
                yield node


def freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, bool | float):
        return (type(value).__name__, value)  # True and 1.0 must not share a key with 1
    return value
