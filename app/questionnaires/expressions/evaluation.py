"""Evaluating a condition against an environment of answers and attributes.

``interpret`` walks the AST: the reference semantics. Requests evaluate through
``compiled.compile_expr`` (closures built once per condition), which must agree
with it. Nothing is looked up by a user-supplied name except through the
``Env`` the caller passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeAlias

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


@dataclass(frozen=True)
class OptionAnswer:
    """An answer given with a special option (e.g. "weet niet", code 98).

    Equal to its code for ``=``, ``!=`` and ``in``, but not a number: ordering
    comparisons are false and ``sum`` counts it as 0, so that "weet niet" on a
    count never reads as 98 incidents.
    """

    code: int


Value: TypeAlias = (
    int | str | bool | list[int] | dict[str, object] | OptionAnswer | None
)


class Env(Protocol):
    def answer(self, name: str, row: str | None) -> Value: ...

    def attribute(self, name: str) -> Value: ...

    def missing_codes(self, name: str) -> frozenset[int]: ...


def interpret(expr: Expr, env: Env) -> Value:
    match expr:
        case Num(value=value) | Str(value=value) | Bool(value=value):
            return value
        case Ref(name=name, row=row):
            return env.answer(name, row)
        case Attr(name=name):
            return env.attribute(name)
        case Compare(op=op, left=left, right=right):
            return _compare(op, interpret(left, env), interpret(right, env))
        case In(left=left, items=items, negated=negated):
            member = interpret(left, env)
            if member is None:
                return False
            return negated != any(equal(member, item.value) for item in items)
        case Arith(op=op, left=left, right=right):
            a, b = number(interpret(left, env)), number(interpret(right, env))
            if a is None or b is None:
                return None
            return a + b if op == "+" else a - b
        case Not(operand=operand):
            return not truthy(interpret(operand, env))
        case And(operands=ops):
            return all(truthy(interpret(o, env)) for o in ops)
        case Or(operands=ops):
            return any(truthy(interpret(o, env)) for o in ops)
        case Call():
            return call_function(expr, env)
    raise TypeError(f"not an expression: {expr!r}")


def truthy(value: Value) -> bool:
    if isinstance(value, OptionAnswer) or value is None:
        return False
    return bool(value)


def number(value: Value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _plain(value: Value) -> Value:
    return value.code if isinstance(value, OptionAnswer) else value


def equal(a: Value, b: Value) -> bool:
    a, b = _plain(a), _plain(b)
    return type(a) is type(b) and a == b


def _compare(op: str, a: Value, b: Value) -> bool:
    if a is None or b is None:
        return False
    if op == "=":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    x, y = number(a), number(b)
    if x is None or y is None:
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def call_function(call: Call, env: Env) -> Value:
    ref = call.args[0]
    assert isinstance(ref, Ref)
    value = env.answer(ref.name, ref.row)
    match call.func:
        case "answered":
            return value is not None and value not in ("", [], {})
        case "count_selected":
            return len(value) if isinstance(value, list) else 0
        case "selected":
            option = call.args[1]
            return (
                isinstance(value, list)
                and isinstance(option, Num)
                and option.value in value
            )
        case "sum":
            if isinstance(value, dict):
                numbers = (number(v) for v in value.values())  # type: ignore[arg-type]
                return sum(n for n in numbers if n is not None)
            return number(value) or 0
        case "is_missing":
            codes = env.missing_codes(ref.name)
            chosen = value if isinstance(value, list) else [_plain(value)]
            return any(c in codes for c in chosen)
    raise TypeError(
        f"unknown function {call.func}"
    )  # pragma: no cover - parse refuses it
