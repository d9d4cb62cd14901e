"""The condition language of questionnaire files: grammar, AST, printer, evaluator.

Conditions come from files that researchers write, so they are parsed by a real
LALR grammar into a small typed AST and evaluated from that AST. Nothing
here calls Python's ``eval``, looks up attributes by user-supplied names or
imports anything by name: the only names that mean something are the five
functions in ``FUNCTIONS``, the operators, and the ``${...}`` references that the caller's
environment resolves. ``evaluate`` runs a condition as closures built once from its
AST (``compiled.py``); ``interpret`` is the plain tree walk they are tested against.

Semantics that researchers rely on (see ``docs/questionnaire-format.md``):
a missing value makes every comparison false, ``sum`` counts missing items as 0,
and an answer with a special option code (such as "weet niet" on a number or a
``missing:`` option) is not a number for ``<``, ``>``, ``+``, ``-`` or ``sum``.
"""

from app.questionnaires.expressions.compiled import compile_expr, evaluate, holds_all
from app.questionnaires.expressions.decide import UNKNOWN, Span, decide
from app.questionnaires.expressions.evaluation import (
    Env,
    OptionAnswer,
    Value,
    interpret,
    truthy,
)
from app.questionnaires.expressions.grammar import parse
from app.questionnaires.expressions.nodes import (
    COMPARISONS,
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
    Reference,
    Str,
    children,
    depth,
    rebuild,
    references,
    to_source,
    walk,
)

__all__ = [
    "COMPARISONS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "UNKNOWN",
    "And",
    "Arith",
    "Attr",
    "Bool",
    "Call",
    "Compare",
    "Env",
    "Expr",
    "ExpressionError",
    "ExpressionTooComplex",
    "In",
    "Literal",
    "Not",
    "Num",
    "OptionAnswer",
    "Or",
    "Ref",
    "Reference",
    "Span",
    "Str",
    "Value",
    "children",
    "compile_expr",
    "decide",
    "depth",
    "evaluate",
    "holds_all",
    "interpret",
    "parse",
    "rebuild",
    "references",
    "to_source",
    "truthy",
    "walk",
]
