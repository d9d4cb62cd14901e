"""The LALR grammar of conditions (lark) and ``parse``."""

from __future__ import annotations

from lark import Lark, Token, Transformer
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from app.questionnaires.expressions.nodes import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Arith,
    Attr,
    Bool,
    Call,
    Compare,
    Expr,
    ExpressionError,
    ExpressionTooComplex,
    In,
    Literal,
    Not,
    Num,
    Or,
    Ref,
    Str,
    depth,
)

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | and_expr ("or" and_expr)+       -> or_
?and_expr: not_expr | not_expr ("and" not_expr)+     -> and_
?not_expr: comparison | "not" not_expr               -> not_
?comparison: sum
    | sum COMPARE sum                                -> compare
    | sum "in" literal_list                                  -> in_
    | sum "not" "in" literal_list                            -> not_in
?sum: atom | sum PLUS atom -> arith | sum MINUS atom -> arith
?atom: literal
    | REF                                            -> ref
    | NAME                                           -> attr
    | NAME "(" (sum ("," sum)*)? ")"                 -> call
    | "(" or_expr ")"
literal_list: "[" (literal ("," literal)*)? "]"
?literal: INT -> num | MINUS INT -> neg | STRING -> string | "true" -> true | "false" -> false

REF: /\$\{[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?\}/
NAME: /[a-z][a-z0-9_]*/
INT: /[0-9]{1,12}/
STRING: /'[^'\n]*'|"[^"\n]*"/
COMPARE: /<=|>=|!=|==|=|<|>/
PLUS: "+"
MINUS: "-"
%ignore /[ \t\r\n]+/
"""


class _Builder(Transformer[Token, Expr]):
    """Builds AST nodes while the LALR parser reduces (no recursion, any depth)."""

    def or_(self, items: list[Expr]) -> Expr:
        return Or(tuple(items))

    def and_(self, items: list[Expr]) -> Expr:
        return And(tuple(items))

    def not_(self, items: list[Expr]) -> Expr:
        return Not(items[0])

    def compare(self, items: list[object]) -> Expr:
        left, op, right = items
        assert isinstance(op, Token)
        return Compare("=" if op == "==" else str(op), _expr(left), _expr(right))

    def in_(self, items: list[object]) -> Expr:
        return In(_expr(items[0]), _literals(items[1]))

    def not_in(self, items: list[object]) -> Expr:
        return In(_expr(items[0]), _literals(items[1]), negated=True)

    def literal_list(self, items: list[Literal]) -> tuple[Literal, ...]:
        return tuple(items)

    def arith(self, items: list[object]) -> Expr:
        left, op, right = items
        return Arith(str(op), _expr(left), _expr(right))

    def num(self, items: list[Token]) -> Expr:
        return Num(int(items[0]))

    def neg(self, items: list[Token]) -> Expr:
        return Num(-int(items[1]))

    def string(self, items: list[Token]) -> Expr:
        return Str(str(items[0])[1:-1])

    def true(self, _: list[Token]) -> Expr:
        return Bool(True)

    def false(self, _: list[Token]) -> Expr:
        return Bool(False)

    def ref(self, items: list[Token]) -> Expr:
        name, _, row = str(items[0])[2:-1].partition(".")
        return Ref(name, row or None, pos=items[0].start_pos or 0)

    def attr(self, items: list[Token]) -> Expr:
        return Attr(str(items[0]), pos=items[0].start_pos or 0)

    def call(self, items: list[object]) -> Expr:
        name, *args = items
        assert isinstance(name, Token)
        return _check_call(
            Call(str(name), tuple(_expr(a) for a in args), pos=name.start_pos or 0)
        )


def _expr(item: object) -> Expr:
    assert not isinstance(item, Token | tuple), item
    return item  # type: ignore[return-value]


def _literals(item: object) -> tuple[Literal, ...]:
    assert isinstance(item, tuple)
    return item


def _check_call(call: Call) -> Call:
    column = call.pos + 1
    if call.func not in FUNCTIONS:
        known = ", ".join(FUNCTIONS)
        raise ExpressionError(
            f"unknown function '{call.func}' (known: {known})", column
        )
    if len(call.args) != FUNCTIONS[call.func]:
        raise ExpressionError(
            f"{call.func}() takes {FUNCTIONS[call.func]} argument(s), got {len(call.args)}",
            column,
        )
    if not isinstance(call.args[0], Ref):
        raise ExpressionError(
            f"the first argument of {call.func}() must be ${{question}}", column
        )
    if call.func == "selected" and not isinstance(call.args[1], Str | Num):
        raise ExpressionError(
            "the second argument of selected() must be an option name or code", column
        )
    return call


_PARSER = Lark(
    _GRAMMAR, parser="lalr", transformer=_Builder(), maybe_placeholders=False
)


def parse(source: str) -> Expr:
    """Parse a condition; raises ``ExpressionError`` with the column of the problem."""
    if len(source) > MAX_LENGTH:
        raise ExpressionTooComplex(f"longer than {MAX_LENGTH} characters")
    if _bracket_depth(source) > MAX_DEPTH:
        raise ExpressionTooComplex(f"brackets nested more than {MAX_DEPTH} levels deep")
    try:
        tree = _PARSER.parse(source)
    except UnexpectedCharacters as exc:
        raise ExpressionError(
            f"unexpected character {source[exc.pos_in_stream or 0]!r}", exc.column
        ) from None
    except UnexpectedEOF:
        raise ExpressionError("the condition ends too early") from None
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise ExpressionError("the condition ends too early") from None
        column = exc.column if isinstance(exc.column, int) else None
        raise ExpressionError(f"unexpected {str(exc.token)!r}", column) from None
    except UnexpectedInput as exc:  # pragma: no cover - lark's other input errors
        raise ExpressionError(str(exc).splitlines()[0]) from None
    expr = _expr(tree)
    if depth(expr) > MAX_DEPTH:
        raise ExpressionTooComplex(f"nested more than {MAX_DEPTH} levels deep")
    return expr


def _bracket_depth(source: str) -> int:
    deepest = level = 0
    quote = ""
    for char in source:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            level += 1
            deepest = max(deepest, level)
        elif char in ")]":
            level -= 1
    return deepest
