"""Deciding a derived value from what is known: three-valued (Kleene) evaluation.

Routing needs a yes or no for every condition, so ``evaluate`` reads a missing
answer as "every comparison false". An analysis variable may not: a
respondent who stopped before question 5 is not a non-victim, and one who
never reached the background block has no migration background of 0. So the
export derives values with ``decide``, which returns ``UNKNOWN`` whenever the
answers that were given do not settle the value:

- an input is *unknown* when it was not given: not asked, not reached, left
  empty, or answered with a special option ("weet niet", "wil ik niet
  zeggen", a "niet van toepassing" code) — except where the condition itself
  tests for that option (``${q} = 'weet_niet'``, ``is_missing(${q})``);
- ``and`` is false as soon as one operand is false, ``or`` true as soon as one
  is true, whatever the unknown operands are; otherwise an unknown operand
  makes the result unknown (Kleene's strong logic);
- a number that is not known is the range the question allows (``min`` to
  ``max``), so ``sum(${q_aggr_count}) > 0`` is true when one form was
  answered with 2 and another left empty, and unknown when the answered forms
  are 0 and one is empty;
- ``answered``, ``selected`` and ``count_selected`` on a question without an
  answer are unknown (nobody knows what the respondent would have chosen).

A value ``decide`` settles is the value ``evaluate`` gives for the same
answers (the settled result holds for every completion of the unknown inputs,
and routing's reading is one of them), so the export never contradicts the
routing a respondent went through; it only says "niet te bepalen" where
routing had to guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from app.questionnaires.expressions.evaluation import OptionAnswer, Value, equal
from app.questionnaires.expressions.nodes import (
    And,
    Arith,
    Attr,
    Bool,
    Call,
    Compare,
    Expr,
    In,
    Not,
    Num,
    Or,
    Ref,
    Str,
)


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""The value of a derived variable the given answers do not settle."""


@dataclass(frozen=True, slots=True)
class Span:
    """A number known only to lie in ``lo``..``hi`` (both inclusive)."""

    lo: float
    hi: float


class DecideEnv(Protocol):
    def answer(self, name: str, row: str | None) -> Value: ...

    def attribute(self, name: str) -> Value: ...

    def is_question(self, name: str) -> bool: ...

    def special_codes(self, name: str) -> frozenset[int]:
        """Codes of the question that are not values ("weet niet", ...)."""
        ...

    def bounds(self, name: str) -> tuple[float, float] | None:
        """``(min, max)`` of a number or scale question; None for other types."""
        ...

    def rows(self, name: str) -> tuple[str, ...]:
        """Items of a number question (rows of a grid); () for a plain question."""
        ...

    def decided(self, name: str) -> Any:
        """Another derived value, decided the same way."""
        ...


def decide(expr: Expr, env: DecideEnv) -> Any:
    """The value of ``expr``, or ``UNKNOWN`` (or a ``Span``) if the answers do not settle it."""
    match expr:
        case Num(value=value) | Str(value=value) | Bool(value=value):
            return value
        case Ref(name=name, row=row):
            return _reference(name, row, env)
        case Attr(name=name):
            attribute = env.attribute(name)
            return UNKNOWN if attribute is None or attribute == "" else attribute
        case Compare(op=op, left=left, right=right):
            return _compare(op, left, right, env)
        case In(left=left, items=items, negated=negated):
            value = decide(left, env)
            if isinstance(value, OptionAnswer):
                if not any(equal(value, i.value) for i in items):
                    return UNKNOWN
            elif value is UNKNOWN or isinstance(value, Span):
                return UNKNOWN
            return negated != any(equal(value, i.value) for i in items)
        case Arith(op=op, left=left, right=right):
            a, b = _span(decide(left, env)), _span(decide(right, env))
            if a is None or b is None:
                return UNKNOWN
            low, high = (
                (a.lo + b.lo, a.hi + b.hi) if op == "+" else (a.lo - b.hi, a.hi - b.lo)
            )
            return _number(low, high)
        case Not(operand=operand):
            value = _truth(decide(operand, env))
            return UNKNOWN if value is UNKNOWN else not value
        case And(operands=ops):
            return _kleene(ops, env, stop=False)
        case Or(operands=ops):
            return _kleene(ops, env, stop=True)
        case Call():
            return _call(expr, env)
    raise TypeError(f"not an expression: {expr!r}")


def _kleene(ops: tuple[Expr, ...], env: DecideEnv, *, stop: bool) -> Any:
    """``and`` (stop on False) or ``or`` (stop on True), unknown if nothing settles it."""
    unknown = False
    for operand in ops:
        value = _truth(decide(operand, env))
        if value is UNKNOWN:
            unknown = True
        elif value is stop:
            return stop
    return UNKNOWN if unknown else not stop


def _truth(value: Any) -> Any:
    if value is UNKNOWN or isinstance(value, OptionAnswer):
        return UNKNOWN
    if isinstance(value, Span):
        if value.lo > 0 or value.hi < 0:
            return True
        return False if value.lo == value.hi == 0 else UNKNOWN
    return bool(value)


def _given(value: Value) -> bool:
    return value is not None and value not in ("", [], {})


def _reference(name: str, row: str | None, env: DecideEnv) -> Any:
    if not env.is_question(name):
        return env.decided(name)
    value = env.answer(name, row)
    if isinstance(value, OptionAnswer):
        return value  # a special option: unknown unless the condition asks for it
    if isinstance(value, dict) and row is None:
        return value
    if not _given(value):
        return _unknown_number(env, name)
    if isinstance(value, list) and all(c in env.special_codes(name) for c in value):
        return UNKNOWN
    return value


def _unknown_number(env: DecideEnv, name: str) -> Any:
    bounds = env.bounds(name)
    return UNKNOWN if bounds is None else Span(*bounds)


def _span(value: Any) -> Span | None:
    if isinstance(value, Span):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Span(value, value)
    return None


def _number(lo: float, hi: float) -> Any:
    if lo == hi and math.isfinite(lo):
        return int(lo)
    return Span(lo, hi)


def _compare(op: str, left: Expr, right: Expr, env: DecideEnv) -> Any:
    a, b = decide(left, env), decide(right, env)
    if op in ("=", "!=") and (
        isinstance(a, OptionAnswer) or isinstance(b, OptionAnswer)
    ):
        # "weet niet" is a known answer to the question "did they say weet niet?"
        other = b if isinstance(a, OptionAnswer) else a
        code = a if isinstance(a, OptionAnswer) else b
        if other is UNKNOWN or isinstance(other, Span | OptionAnswer):
            return UNKNOWN
        if not (isinstance(other, int) and other == code.code):
            return UNKNOWN
        return equal(a, b) == (op == "=")
    x, y = _span(a), _span(b)
    if x is not None and y is not None:
        return _order(op, x, y)
    if a is UNKNOWN or b is UNKNOWN or isinstance(a, Span | OptionAnswer):
        return UNKNOWN
    if isinstance(b, Span | OptionAnswer):
        return UNKNOWN
    if op == "=":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    return False  # ordering on text: false, as ``evaluate`` has it


def _order(op: str, x: Span, y: Span) -> Any:
    """True if it holds for every pair of values, False if for none, else unknown."""
    if op == "=":
        if x.lo == x.hi == y.lo == y.hi:
            return True
        return False if x.hi < y.lo or y.hi < x.lo else UNKNOWN
    if op == "!=":
        result = _order("=", x, y)
        return UNKNOWN if result is UNKNOWN else not result
    if op in (">", ">="):
        x, y = y, x
        op = "<" if op == ">" else "<="
    strict = op == "<"
    always = x.hi < y.lo if strict else x.hi <= y.lo
    never = x.lo >= y.hi if strict else x.lo > y.hi
    return True if always else False if never else UNKNOWN


def _call(call: Call, env: DecideEnv) -> Any:
    ref = call.args[0]
    assert isinstance(ref, Ref)
    value = env.answer(ref.name, ref.row)
    special = env.special_codes(ref.name)
    match call.func:
        case "answered" | "is_missing":
            if not _given(value):
                return UNKNOWN
            if call.func == "answered":
                return True
            chosen = value if isinstance(value, list) else [_plain(value)]
            return any(c in special for c in chosen)
        case "selected" | "count_selected":
            if not isinstance(value, list) or not value:
                return UNKNOWN
            if all(c in special for c in value):
                return UNKNOWN
            if call.func == "count_selected":
                return len(value)
            option = call.args[1]
            return isinstance(option, Num) and option.value in value
        case "sum":
            return _sum(ref.name, value, env)
    raise TypeError(f"unknown function {call.func}")  # pragma: no cover


def _plain(value: Value) -> Value:
    return value.code if isinstance(value, OptionAnswer) else value


def _sum(name: str, value: Value, env: DecideEnv) -> Any:
    bounds = env.bounds(name) or (-math.inf, math.inf)
    rows = env.rows(name)
    if not rows:
        found = _span(value)
        return found if found is not None else Span(*bounds)
    given = value if isinstance(value, dict) else {}
    lo = hi = 0.0
    for row in rows:
        item = given.get(row)
        if (
            isinstance(item, int)
            and not isinstance(item, bool)
            and item not in env.special_codes(name)
        ):
            lo += item
            hi += item
        else:
            lo += bounds[0]
            hi += bounds[1]
    return _number(lo, hi)
