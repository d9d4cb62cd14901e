"""The condition AST (frozen dataclasses), its printer and its reference list.

Positions are kept for error messages but ignored by ``==``, so that printing
and re-parsing gives an equal tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeAlias

MAX_LENGTH = 2000
MAX_DEPTH = 50

FUNCTIONS: dict[str, int] = {
    "selected": 2,
    "count_selected": 1,
    "answered": 1,
    "sum": 1,
    "is_missing": 1,
}
"""Function name → number of arguments. The first argument is always ``${q}``."""

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


class ExpressionError(ValueError):
    """A condition that does not parse; ``column`` is 1-based within the text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(f"{message} (at character {column})" if column else message)


class ExpressionTooComplex(ExpressionError):
    """Longer or deeper than a condition should ever be; refused before evaluation."""


# and re-parsing gives an equal tree.


@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Ref:
    """``${name}`` or ``${name.row}``: a question, a derived value, a grid row/item."""

    name: str
    row: str | None = None
    pos: int = field(default=0, compare=False, repr=False)

    @property
    def text(self) -> str:
        return f"{self.name}.{self.row}" if self.row else self.name


@dataclass(frozen=True)
class Attr:
    """A bare name: a sample attribute such as ``function`` or ``tier``."""

    name: str
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class In:
    left: Expr
    items: tuple[Num | Str | Bool, ...]
    negated: bool = False


@dataclass(frozen=True)
class Arith:
    op: str  # "+" or "-"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


Expr: TypeAlias = (
    Num | Str | Bool | Ref | Attr | Call | Compare | In | Arith | Not | And | Or
)
Literal: TypeAlias = Num | Str | Bool


def children(expr: Expr) -> tuple[Expr, ...]:
    match expr:
        case Call(args=args):
            return args
        case Compare(left=left, right=right) | Arith(left=left, right=right):
            return (left, right)
        case In(left=left, items=items):
            return (left, *items)
        case Not(operand=operand):
            return (operand,)
        case And(operands=ops) | Or(operands=ops):
            return ops
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node, pre-order, without recursion (safe on any tree we accept)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def depth(expr: Expr) -> int:
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def rebuild(expr: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Apply ``fn`` bottom-up; used by the compiler to resolve option names."""
    match expr:
        case Call(args=args):
            expr = replace(expr, args=tuple(rebuild(a, fn) for a in args))
        case Compare() | Arith():
            expr = replace(
                expr, left=rebuild(expr.left, fn), right=rebuild(expr.right, fn)
            )
        case In():
            expr = replace(expr, left=rebuild(expr.left, fn))
        case Not(operand=operand):
            expr = Not(rebuild(operand, fn))
        case And(operands=ops):
            expr = And(tuple(rebuild(o, fn) for o in ops))
        case Or(operands=ops):
            expr = Or(tuple(rebuild(o, fn) for o in ops))
    return fn(expr)


# --- Printer --------------------------------------------------------------------

_PRECEDENCE: dict[type, int] = {Or: 1, And: 2, Not: 3, Compare: 4, In: 4, Arith: 5}


def _prec(expr: Expr) -> int:
    return _PRECEDENCE.get(type(expr), 6)


def _wrapped(expr: Expr, parenthesize: bool) -> str:
    text = to_source(expr)
    return f"({text})" if parenthesize else text


def to_source(expr: Expr) -> str:
    """Canonical source text: ``parse(to_source(e)) == e`` for every parsed ``e``."""
    match expr:
        case Num(value=value):
            return str(value)
        case Str(value=value):
            return f'"{value}"' if "'" in value else f"'{value}'"
        case Bool(value=value):
            return "true" if value else "false"
        case Ref():
            return f"${{{expr.text}}}"
        case Attr(name=name):
            return name
        case Call(func=func, args=args):
            return f"{func}({', '.join(to_source(a) for a in args)})"
        case Compare(op=op, left=left, right=right):
            return f"{_wrapped(left, _prec(left) <= 4)} {op} {_wrapped(right, _prec(right) <= 4)}"
        case In(left=left, items=items, negated=negated):
            listed = ", ".join(to_source(i) for i in items)
            keyword = "not in" if negated else "in"
            return f"{_wrapped(left, _prec(left) <= 4)} {keyword} [{listed}]"
        case Arith(op=op, left=left, right=right):
            return f"{_wrapped(left, _prec(left) < 5)} {op} {_wrapped(right, _prec(right) <= 5)}"
        case Not(operand=operand):
            return f"not {_wrapped(operand, _prec(operand) < 3)}"
        case And(operands=ops):
            return " and ".join(_wrapped(o, _prec(o) <= 2) for o in ops)
        case Or(operands=ops):
            return " or ".join(_wrapped(o, _prec(o) <= 1) for o in ops)
    raise TypeError(f"not an expression: {expr!r}")


# --- References ---------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Something a condition names, with its 0-based offset in the source."""

    kind: str  # "question" (``${..}``), "attribute" (bare name) or "function"
    name: str
    row: str | None
    pos: int


def references(expr: Expr) -> list[Reference]:
    found: list[Reference] = []
    for node in walk(expr):
        if isinstance(node, Ref):
            found.append(Reference("question", node.name, node.row, node.pos))
        elif isinstance(node, Attr):
            found.append(Reference("attribute", node.name, None, node.pos))
        elif isinstance(node, Call):
            found.append(Reference("function", node.func, None, node.pos))
    return sorted(found, key=lambda r: r.pos)
