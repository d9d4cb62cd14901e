"""Conditions in words, in Dutch, for the codebook and the staff preview.

Analysts read "functie is burgemeester of wethouder" faster than the source
text, and option codes become their labels. The wording is deliberately plain;
the source text stays next to it in the codebook for the exact meaning.
"""

from __future__ import annotations

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import (
    located_questions,
    question_options,
    question_rows,
)
from app.questionnaires.definition import AnyQuestion, Questionnaire

_OPS = {
    "=": "is",
    "!=": "is niet",
    "<": "kleiner dan",
    "<=": "kleiner dan of gelijk aan",
    ">": "groter dan",
    ">=": "groter dan of gelijk aan",
}
MAX_LABEL = 60


def describe(expr: ex.Expr | str, definition: Questionnaire) -> str:
    """``${q_aggr_count.verbaal} > 0`` → "q_aggr_count.verbaal (Verbale agressie) groter dan 0"."""
    node = ex.parse(expr) if isinstance(expr, str) else expr
    return _Describer(definition).text(node)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


class _Describer:
    def __init__(self, definition: Questionnaire) -> None:
        self.qn = definition
        self.questions: dict[str, AnyQuestion] = {
            q.id: q for _, _, _, q in located_questions(definition)
        }
        self.derived = {d.id: d for d in definition.derived}

    def text(self, node: ex.Expr) -> str:
        match node:
            case ex.Ref():
                return self.ref(node)
            case ex.Attr(name=name):
                attribute = self.qn.attributes.get(name)
                return _lower_first(attribute.label) if attribute else name
            case ex.Num(value=value):
                return str(value)
            case ex.Str(value=value):
                return f"‘{value}’"
            case ex.Bool(value=value):
                return "waar" if value else "onwaar"
            case ex.Compare(op=op, left=left, right=right):
                return f"{self.operand(left, right)} {_OPS[op]} {self.operand(right, left)}"
            case ex.In(left=left, items=items, negated=negated):
                values = [self.operand(i, left) for i in items]
                if negated:
                    return f"{self.text(left)} is geen van: {', '.join(values)}"
                return f"{self.text(left)} is {' of '.join(values)}"
            case ex.Arith(op=op, left=left, right=right):
                return f"{self.text(left)} {'plus' if op == '+' else 'min'} {self.text(right)}"
            case ex.Not(operand=operand):
                inner = self.text(operand)
                return (
                    f"niet ({inner})"
                    if isinstance(operand, ex.And | ex.Or | ex.Compare | ex.In)
                    else f"niet {inner}"
                )
            case ex.And(operands=ops) | ex.Or(operands=ops):
                word = " en " if isinstance(node, ex.And) else " of "
                return word.join(
                    f"({self.text(o)})"
                    if isinstance(o, ex.And | ex.Or)
                    else self.text(o)
                    for o in ops
                )
            case ex.Call():
                return self.call(node)
        return ex.to_source(node)  # pragma: no cover

    def ref(self, ref: ex.Ref) -> str:
        question = self.questions.get(ref.name)
        if question is not None:
            label = getattr(question, "label", None) or question.text
            if ref.row:
                label = next(
                    (r.text for r in question_rows(question) if r.id == ref.row), label
                )
            return f"{ref.text} ({_short(label)})"
        derived = self.derived.get(ref.name)
        return f"{ref.text} ({_short(derived.label)})" if derived else ref.text

    def operand(self, node: ex.Expr, other: ex.Expr) -> str:
        """A literal next to a choice question or attribute reads as its label."""
        if isinstance(node, ex.Num | ex.Str):
            label = self.literal_label(node, other)
            if label is not None:
                return label
        return self.text(node)

    def literal_label(self, literal: ex.Num | ex.Str, other: ex.Expr) -> str | None:
        if isinstance(other, ex.Attr) and isinstance(literal, ex.Str):
            attribute = self.qn.attributes.get(other.name)
            return attribute.values.get(literal.value) if attribute else None
        if isinstance(other, ex.Ref) and other.name in self.questions:
            return self.option_label(self.questions[other.name], literal)
        return None

    def option_label(
        self, question: AnyQuestion, literal: ex.Num | ex.Str
    ) -> str | None:
        for option in question_options(question, self.qn.scales):
            if (isinstance(literal, ex.Str) and option.name == literal.value) or (
                isinstance(literal, ex.Num) and option.code == literal.value
            ):
                return f"‘{option.label}’"
        return None

    def call(self, call: ex.Call) -> str:
        ref = call.args[0]
        subject = self.text(ref)
        match call.func:
            case "selected":
                option = call.args[1]
                assert isinstance(option, ex.Num | ex.Str)
                chosen = self.literal_label(option, ref) or self.text(option)
                return f"bij {subject} is {chosen} gekozen"
            case "count_selected":
                return f"het aantal gekozen antwoorden bij {subject}"
            case "answered":
                return f"{subject} is beantwoord"
            case "is_missing":
                return f"bij {subject} is ‘weet niet’ of een ander ontbrekend antwoord gegeven"
            case "sum":
                return f"de som van {subject}"
        return ex.to_source(call)  # pragma: no cover


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
