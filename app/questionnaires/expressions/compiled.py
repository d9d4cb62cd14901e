"""Conditions turned into Python closures, once per condition.

Routing evaluates every page's and question's condition several times per
respondent request; walking the AST with ``match`` each time was the largest
CPU cost of a page turn. ``compile_expr`` makes one closure per node instead,
with the same semantics as the reference walker ``interpret`` in
``evaluation.py`` (a property test holds the two equal). Closures are built from
the AST's own values only: nothing is generated as source text or ``eval``-ed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from app.questionnaires.expressions.evaluation import (
    Env,
    OptionAnswer,
    Value,
    call_function,
    equal,
    number,
    truthy,
)
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

Compiled = Callable[[Env], Value]

_ORDERING = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def compile_expr(expr: Expr) -> Compiled:
    match expr:
        case Num(value=value) | Str(value=value) | Bool(value=value):
            return lambda _env: value
        case Ref(name=name, row=row):
            return lambda env: env.answer(name, row)
        case Attr(name=name):
            return lambda env: env.attribute(name)
        case Compare(op=op, left=left, right=right):
            return _compare(op, compile_expr(left), compile_expr(right))
        case In(left=left, items=items, negated=negated):
            return _in(compile_expr(left), items, negated)
        case Arith(op=op, left=left, right=right):
            return _arith(op, compile_expr(left), compile_expr(right))
        case Not(operand=operand):
            inner = compile_expr(operand)
            return lambda env: not truthy(inner(env))
        case And(operands=ops):
            return _all(tuple(compile_expr(o) for o in ops))
        case Or(operands=ops):
            return _any(tuple(compile_expr(o) for o in ops))
        case Call():
            return lambda env: call_function(expr, env)
    raise TypeError(f"not an expression: {expr!r}")


def _compare(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op in ("=", "!="):
        wanted = op == "="

        def equality(env: Env) -> Value:
            a, b = left(env), right(env)
            if a is None or b is None:
                return False
            return bool(equal(a, b)) == wanted

        return equality
    ordering = _ORDERING[op]

    def order(env: Env) -> Value:
        x, y = number(left(env)), number(right(env))
        if x is None or y is None:
            return False
        return ordering(x, y)  # type: ignore[no-any-return]

    return order


def _in(left: Compiled, items: tuple[Num | Str | Bool, ...], negated: bool) -> Compiled:
    # Only int, str and bool answers can equal a literal (types must match too),
    # so membership is a set lookup of (type, value).
    keys = frozenset((type(item.value), item.value) for item in items)

    def member_of(env: Env) -> Value:
        value = left(env)
        if value is None:
            return False
        if isinstance(value, OptionAnswer):
            value = value.code
        kind = type(value)
        found = (kind is int or kind is str or kind is bool) and (kind, value) in keys
        return negated != found

    return member_of


def _arith(op: str, left: Compiled, right: Compiled) -> Compiled:
    sign = 1 if op == "+" else -1

    def arithmetic(env: Env) -> Value:
        a, b = number(left(env)), number(right(env))
        if a is None or b is None:
            return None
        return a + sign * b

    return arithmetic


def _all(parts: tuple[Compiled, ...]) -> Compiled:
    def all_hold(env: Env) -> Value:
        return all(truthy(part(env)) for part in parts)

    return all_hold


def _any(parts: tuple[Compiled, ...]) -> Compiled:
    def any_holds(env: Env) -> Value:
        return any(truthy(part(env)) for part in parts)

    return any_holds


_CACHE: dict[int, tuple[Expr, Compiled]] = {}
_CACHE_LIMIT = 100_000


def compiled(expr: Expr) -> Compiled:
    """The closure for ``expr``, built on first use.

    Keyed by the node's identity (hashing a frozen tree would walk all of it);
    the entry keeps the node alive, so its id cannot be reused by another one.
    Conditions come from a few files, so the cache stays small; the limit only
    guards against a runaway caller.
    """
    entry = _CACHE.get(id(expr))
    if entry is None or entry[0] is not expr:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        entry = (expr, compile_expr(expr))
        _CACHE[id(expr)] = entry
    return entry[1]


def evaluate(expr: Expr, env: Env) -> Value:
    """The value of ``expr`` for one respondent (same result as ``interpret``)."""
    return compiled(expr)(env)


def _always(env: Env) -> bool:
    return True


def holds_all(*exprs: Expr | None) -> Callable[[Env], bool]:
    """One closure testing that every given condition holds (``None`` holds).

    Built once per page or question when a version is compiled, so that
    routing's walks call it directly instead of looking up each condition's
    closure on every evaluation.
    """
    parts = tuple(compile_expr(e) for e in exprs if e is not None)
    if not parts:
        return _always
    if len(parts) == 1:
        (only,) = parts

        def one_holds(env: Env) -> bool:
            return truthy(only(env))

        return one_holds
    if len(parts) == 2:
        first, second = parts

        def both_hold(env: Env) -> bool:
            return truthy(first(env)) and truthy(second(env))

        return both_hold

    def all_hold(env: Env) -> bool:
        return all(truthy(part(env)) for part in parts)

    return all_hold
