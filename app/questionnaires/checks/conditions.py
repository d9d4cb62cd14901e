"""Checks on conditions: syntax, references, order, option names, types.

Each condition is type-checked with a handful of coarse types, enough to catch
what researchers actually get wrong: comparing a multiple-choice question with a
code (instead of ``selected``), summing a question without items, comparing text
with a number, or a condition that is a number rather than a yes/no.
"""

from __future__ import annotations

from app.questionnaires import expressions as ex
from app.questionnaires.checks.context import Context, QuestionInfo
from app.questionnaires.compiler import Site, condition_sites, parse_condition
from app.questionnaires.errors import ErrorCode
from app.questionnaires.types import question_type

ORDERABLE = {"number", "code", "int", "any"}
SHAPES = {
    "codes": "a multiple-choice question (use selected() or count_selected())",
    "grid": "a whole grid (refer to one row: ${q.row})",
    "items": "a number question with items (refer to one item, or use sum())",
    "info": "an information text, which has no answer",
}


def check_conditions(ctx: Context) -> None:
    for site in condition_sites(ctx.qn):
        try:
            expr = parse_condition(site.source)
        except ex.ExpressionTooComplex as exc:
            ctx.report(
                ErrorCode.EXPRESSION_TOO_COMPLEX,
                site.path,
                where=site.label,
                detail=str(exc),
            )
            continue
        except ex.ExpressionError as exc:
            ctx.report(
                ErrorCode.EXPRESSION_SYNTAX,
                site.path,
                where=site.label,
                detail=str(exc),
            )
            continue
        checker = _SiteChecker(ctx, site)
        result = checker.infer(expr)
        if site.kind == "derived":
            info = ctx.derived[site.owner]
            info.type, info.ready = result, checker.ready
            info.ready_page = max((q.page_index for q in checker.used), default=-2)
        else:
            checker.require_bool(expr, result)


def condition_value(info: QuestionInfo, row: str | None) -> str:
    """What a condition sees of a question (or one row): its type declares it."""
    return question_type(info.model).condition_value(info.model, row is not None)


class _SiteChecker:
    def __init__(self, ctx: Context, site: Site) -> None:
        self.ctx, self.site = ctx, site
        self.ready = -1
        self.used: list[QuestionInfo] = []
        self.mismatched = False

    def report(self, code: ErrorCode, **fields: object) -> None:
        self.ctx.report(code, self.site.path, where=self.site.label, **fields)

    def mismatch(self, detail: str) -> None:
        """One type error per condition: the first one explains the rest."""
        if not self.mismatched:
            self.mismatched = True
            self.report(ErrorCode.TYPE_MISMATCH, detail=detail)

    def require_bool(self, node: ex.Expr, type_: str) -> None:
        if type_ not in ("bool", "any"):
            self.mismatch(
                f"{ex.to_source(node)} is not a yes/no condition; compare it with something"
            )

    def infer(self, node: ex.Expr) -> str:  # noqa: C901 -- one case per node kind
        match node:
            case ex.Num():
                return "int"
            case ex.Str():
                return "str"
            case ex.Bool():
                return "bool"
            case ex.Ref():
                return self.ref(node)
            case ex.Attr(name=name):
                if name not in self.ctx.qn.attributes:
                    self.report(ErrorCode.UNKNOWN_ATTRIBUTE, name=name)
                return "text"
            case ex.Compare():
                return self.compare(node)
            case ex.In():
                return self.membership(node)
            case ex.Arith(left=left, right=right):
                for side in (left, right):
                    if (t := self.infer(side)) not in ORDERABLE:
                        self.mismatch(
                            f"{ex.to_source(side)} is {self.describe(t)}, not a number"
                        )
                return "number"
            case ex.Not(operand=operand):
                self.require_bool(operand, self.infer(operand))
                return "bool"
            case ex.And(operands=ops) | ex.Or(operands=ops):
                for op in ops:
                    self.require_bool(op, self.infer(op))
                return "bool"
            case ex.Call():
                return self.call(node)
        return "any"  # pragma: no cover

    @staticmethod
    def describe(type_: str) -> str:
        return SHAPES.get(
            type_,
            {"str": "text", "int": "a number", "bool": "yes/no"}.get(type_, type_),
        )

    def ref(self, ref: ex.Ref) -> str:
        info = self.ctx.questions.get(ref.name)
        if info is not None:
            if ref.row and ref.row not in {r.id for r in info.rows}:
                self.report(
                    ErrorCode.UNKNOWN_ROW, ref=ref.text, question=ref.name, row=ref.row
                )
                return "any"
            self.order(ref, info)
            return condition_value(info, ref.row)
        derived = self.ctx.derived.get(ref.name)
        if derived is None:
            self.report(ErrorCode.UNKNOWN_REF, ref=ref.text)
            return "any"
        if ref.row:
            self.report(
                ErrorCode.UNKNOWN_ROW, ref=ref.text, question=ref.name, row=ref.row
            )
        self.derived_order(ref, derived.order, derived.ready)
        return derived.type

    def order(self, ref: ex.Ref, info: QuestionInfo) -> None:
        site = self.site
        self.used.append(info)
        if site.kind == "derived":
            self.ready = max(self.ready, info.index)
        elif info.index == site.position and site.kind != "constraint":
            self.report(ErrorCode.SELF_REF, ref=ref.text)
        elif info.index > site.position:
            self.report(ErrorCode.FORWARD_REF, ref=ref.text)

    def derived_order(self, ref: ex.Ref, order: int, ready: int) -> None:
        site = self.site
        if site.kind == "derived":
            if order >= self.ctx.derived[site.owner].order:
                self.report(ErrorCode.FORWARD_REF, ref=ref.text)
            self.ready = max(self.ready, ready)
        elif ready > site.position or (
            ready == site.position and site.kind != "constraint"
        ):
            self.report(ErrorCode.FORWARD_REF, ref=ref.text)

    def compare(self, node: ex.Compare) -> str:
        left, right = self.infer(node.left), self.infer(node.right)
        for t, side in ((left, node.left), (right, node.right)):
            if t in SHAPES:
                self.mismatch(f"{ex.to_source(side)} is {self.describe(t)}")
                return "bool"
        if node.op not in ("=", "!="):
            for t, side in ((left, node.left), (right, node.right)):
                if t not in ORDERABLE:
                    self.mismatch(
                        f"{ex.to_source(side)} is {self.describe(t)}; {node.op} needs numbers"
                    )
        for a, b in ((node.left, node.right), (node.right, node.left)):
            # `${q_severity} > 0` is fine although 0 is no code; `= 0` is a typo
            ordering = node.op not in ("=", "!=") and isinstance(b, ex.Num)
            if isinstance(b, ex.Num | ex.Str | ex.Bool) and not ordering:
                self.literal(a, b)
        if (left in ("text", "str") and right in ("number", "int")) or (
            right in ("text", "str") and left in ("number", "int")
        ):
            self.mismatch(f"{ex.to_source(node)} compares text with a number")
        return "bool"

    def membership(self, node: ex.In) -> str:
        left = self.infer(node.left)
        if left in SHAPES:
            self.mismatch(f"{ex.to_source(node.left)} is {self.describe(left)}")
            return "bool"
        for item in node.items:
            self.literal(node.left, item)
        return "bool"

    def literal(self, side: ex.Expr, literal: ex.Literal) -> None:
        """A literal next to a choice question must be one of its options."""
        if isinstance(side, ex.Attr):
            self.attribute_value(side.name, literal)
        elif isinstance(side, ex.Ref) and side.name in self.ctx.questions:
            info = self.ctx.questions[side.name]
            if not side.row or question_type(info.model).choice:
                self.option(info, literal)

    def attribute_value(self, name: str, literal: ex.Literal) -> None:
        attribute = self.ctx.qn.attributes.get(name)
        value = literal.value if isinstance(literal, ex.Str) else ex.to_source(literal)
        if attribute is not None and attribute.values and value not in attribute.values:
            self.report(ErrorCode.UNKNOWN_ATTRIBUTE_VALUE, name=name, value=value)

    def option(self, info: QuestionInfo, literal: ex.Literal) -> None:
        q = info.model
        qtype = question_type(q)
        if qtype.stored == "text":
            if not isinstance(literal, ex.Str):
                self.mismatch(
                    f"question {q.id} is a text question, compared with {ex.to_source(literal)}"
                )
            return
        if isinstance(literal, ex.Str):
            if literal.value not in info.names:
                if qtype.bounds is not None and not info.options:
                    self.mismatch(
                        f"question {q.id} is a number, compared with {ex.to_source(literal)}"
                    )
                else:
                    self.report(
                        ErrorCode.UNKNOWN_OPTION,
                        option=ex.to_source(literal),
                        question=q.id,
                    )
        elif isinstance(literal, ex.Num):
            points = qtype.scale_points(q) if qtype.scale_points else ()
            in_range = literal.value in points
            if (
                (qtype.choice or qtype.scale_points is not None)
                and not in_range
                and literal.value not in info.codes
            ):
                self.report(
                    ErrorCode.UNKNOWN_OPTION, option=literal.value, question=q.id
                )

    def call(self, call: ex.Call) -> str:
        ref = call.args[0]
        assert isinstance(ref, ex.Ref)
        type_ = self.infer(ref)
        info = self.ctx.questions.get(ref.name)
        expected = {"selected": "codes", "count_selected": "codes", "sum": "items"}.get(
            call.func
        )
        if expected and type_ not in (expected, "any"):
            needs = {
                "codes": "a multiple-choice question",
                "items": "a number question with items",
            }[expected]
            self.mismatch(
                f"{call.func}() needs {needs}, but ${{{ref.text}}} is {self.describe(type_)}"
            )
        elif (
            call.func == "is_missing"
            and info is not None
            and not any(o.missing for o in info.options)
        ):
            self.mismatch(
                f"is_missing() is always false: ${{{ref.text}}} has no option with missing:"
            )
        elif call.func == "answered" and type_ == "info":
            self.mismatch(f"${{{ref.text}}} is {self.describe(type_)}")
        if call.func == "selected" and info is not None and type_ == "codes":
            literal = call.args[1]
            assert isinstance(literal, ex.Num | ex.Str)
            self.option(info, literal)
        return "number" if call.func in ("count_selected", "sum") else "bool"
