"""What routing showed one respondent, remembered for respondents with the same inputs.

Routing is a pure function of the answers that conditions refer to, the sample
attributes they name and (for a partial response) the submitted pages. Many
respondents share those (everyone who met no incident and holds the same
function walks the same path), so the export evaluates each distinct
combination once. The key holds the exact values, so a hit is the same
computation, never an approximation; the cache is bounded and per export.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestionnaire
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
        refs: set[str] = set()
        attrs: set[str] = set()
        for expr in _conditions(cq):
            for node in ex.walk(expr):
                if isinstance(node, ex.Ref):
                    refs.add(node.name)
                elif isinstance(node, ex.Attr):
                    attrs.add(node.name)
        self.refs = tuple(sorted(refs))
        self.attrs = tuple(sorted(attrs))
        self.entries: dict[tuple[Any, ...], Seen] = {}
        self.hits = self.misses = 0

    def seen(
        self,
        answers: Mapping[str, Any],
        attributes: Mapping[str, Any],
        *,
        partial: bool,
        submitted: tuple[str, ...] | list[str],
    ) -> Seen:
        key = (
            tuple(_freeze(answers.get(r)) for r in self.refs),
            tuple(_freeze(attributes.get(a)) for a in self.attrs),
            frozenset(submitted) if partial else None,
        )
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        found = self.entries[key] = self._compute(answers, attributes, key[2])
        return found

    def _compute(
        self,
        answers: Mapping[str, Any],
        attributes: Mapping[str, Any],
        submitted: frozenset[str] | None,
    ) -> Seen:
        """The rules of ``routing.path`` and ``routing.first_unanswered_page_id``,
        in one pass over one environment (derived values computed once)."""
        cq = self.cq
        env = AnswerEnv(cq, answers, attributes)
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
    for _, expr in cq.derived:
        if expr is not None:
            yield expr
    for page in cq.pages:
        for expr in (page.block_relevant, page.relevant):
            if expr is not None:
                yield expr
        for q in page.questions:
            if q.relevant is not None:
                yield q.relevant
            yield from q.option_relevant.values()
            yield from q.row_relevant.values()


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, bool | float):
        return (type(value).__name__, value)  # True and 1.0 must not share a key with 1
    return value
