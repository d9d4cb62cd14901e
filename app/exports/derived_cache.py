"""Decided derived values, remembered per distinct combination of their inputs.

``expressions.decide`` walks a derived value's expression three-valued for
every respondent; over 100,000 rows that cost as much as the rest of the
encoding. A derived value is a function of the answers it references and the
sample attributes it names (nothing else enters ``decide``), so the value is
cached per derived variable under exactly those inputs: respondents who gave
the same counts of aggression share an entry. A hit is the same computation,
never an approximation (``tests/exports/test_derived.py`` compares every
respondent with a fresh ``decide``); the cache is bounded and per export.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.exports.routing_cache import freeze
from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.visibility import DecidingEnv


class DerivedCache:
    def __init__(self, cq: CompiledQuestionnaire, *, max_entries: int = 20_000) -> None:
        self.cq = cq
        self.max_entries = max_entries
        self.inputs = {did: _inputs(cq, did, set()) for did in cq.derived_by_id}
        self.entries: dict[str, dict[tuple[Any, ...], Any]] = {
            did: {} for did in cq.derived_by_id
        }
        self.hits = self.misses = 0

    def values(
        self,
        ids: Any,
        answers: Mapping[str, Any],
        attributes: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Decided value (or ``UNKNOWN``/``Span``) of each derived id in ``ids``."""
        env: DecidingEnv | None = None
        result: dict[str, Any] = {}
        for did in ids:
            questions, names = self.inputs[did]
            key = tuple([_key(answers.get(q)) for q in questions])
            if names:
                key += tuple([freeze(attributes.get(a)) for a in names])
            entries = self.entries[did]
            try:
                found = entries.get(key, _MISSING)
            except TypeError:  # an unusual answer shape: the slow exact key
                key = (
                    tuple([freeze(answers.get(q)) for q in questions])
                    + key[len(questions) :]
                )
                found = entries.get(key, _MISSING)
            if found is _MISSING:
                self.misses += 1
                if env is None:
                    env = DecidingEnv(self.cq, answers, attributes)
                found = env.decided(did)
                if len(entries) >= self.max_entries:
                    entries.clear()
                entries[key] = found
            else:
                self.hits += 1
            result[did] = found
        return result


_MISSING = object()


def _key(value: Any) -> Any:
    """A hashable stand-in for an answer (ints, texts, lists of codes, dicts of those).

    Answers never hold booleans or floats, so unlike ``freeze`` no type tag is
    needed; a nested shape fails to hash and takes ``freeze`` instead.
    """
    kind = value.__class__
    if kind is dict:
        return tuple(sorted(value.items()))
    if kind is list:
        return tuple(value)
    if kind is bool or kind is float:
        return (kind.__name__, value)
    return value


def _inputs(
    cq: CompiledQuestionnaire, did: str, seen: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Questions and attributes a derived value depends on (through other derived values too)."""
    expr = cq.derived_by_id.get(did)
    questions: list[str] = []
    names: list[str] = []
    if expr is None or did in seen:
        return (), ()
    seen.add(did)
    for node in ex.walk(expr):
        if isinstance(node, ex.Ref):
            if node.name in cq.questions:
                questions.append(node.name)
            else:
                more_q, more_a = _inputs(cq, node.name, seen)
                questions += more_q
                names += more_a
        elif isinstance(node, ex.Attr):
            names.append(node.name)
    return tuple(dict.fromkeys(questions)), tuple(dict.fromkeys(names))
