"""Can a question ever be shown? A bounded search over small finite domains.

A condition only sees a few variables (answers, rows, attributes). For each we
build a small domain that represents every distinguishable case: all codes of a
choice question, subsets of the options a condition mentions, for numbers the
bounds and each literal ±1, and "missing" everywhere. If no combination makes
the combined condition (block AND page AND question) true, nobody can ever see
the question: an error, since it is surely a routing mistake.

Treating variables as independent only adds combinations, and the domains cover
every region between the literals, so "unreachable" is never a false alarm.
Where that argument fails (arithmetic between answers) or the search would be
too large, the answer is "reachable": we prefer silence over a wrong error.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import (
    CompiledQuestion,
    CompiledQuestionnaire,
    evaluation_value,
)

MAX_COMBINATIONS = 200_000
MAX_MENTIONED = 10
MAX_NODES = 5000
MAX_EXPANDED_DEPTH = 200
_OTHER_TEXT = "\x00other"

Var = tuple[str, str, str | None]


def is_satisfiable(expr: ex.Expr | None, cq: CompiledQuestionnaire) -> bool:
    """False only when no respondent can make ``expr`` true."""
    if expr is None:
        return True
    expr = expand_derived(expr, cq)
    nodes = list(itertools.islice(ex.walk(expr), MAX_NODES + 1))
    if len(nodes) > MAX_NODES or ex.depth(expr) > MAX_EXPANDED_DEPTH:
        return True  # nested derived values blew the condition up: do not guess
    if any(isinstance(n, ex.Arith) for n in nodes):
        return True
    domains = _domains(nodes, cq)
    if (
        domains is None
        or math.prod(len(d) for d in domains.values()) > MAX_COMBINATIONS
    ):
        return True
    keys = list(domains)
    for values in itertools.product(*(domains[k] for k in keys)):
        if ex.truthy(
            ex.evaluate(expr, _SearchEnv(cq, dict(zip(keys, values, strict=True))))
        ):
            return True
    return False


def all_of(*exprs: ex.Expr | None) -> ex.Expr | None:
    present = tuple(e for e in exprs if e is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else ex.And(present)


def expand_derived(expr: ex.Expr, cq: CompiledQuestionnaire) -> ex.Expr:
    """Replace ``${derived}`` by its (already expanded) definition."""
    definitions: dict[str, ex.Expr] = {}
    for derived, body in cq.derived:
        if body is not None:
            definitions[derived.id] = ex.rebuild(
                body, lambda n: _inline(n, definitions)
            )
    return ex.rebuild(expr, lambda n: _inline(n, definitions))


def _inline(node: ex.Expr, definitions: dict[str, ex.Expr]) -> ex.Expr:
    if isinstance(node, ex.Ref) and node.row is None and node.name in definitions:
        return definitions[node.name]
    return node


class _SearchEnv:
    def __init__(self, cq: CompiledQuestionnaire, values: dict[Var, object]) -> None:
        self.cq, self.values = cq, values

    def answer(self, name: str, row: str | None) -> ex.Value:
        return self.values.get(("q", name, row))  # type: ignore[return-value]

    def attribute(self, name: str) -> ex.Value:
        return self.values.get(("a", name, None))  # type: ignore[return-value]

    def missing_codes(self, name: str) -> frozenset[int]:
        return self.cq.questions[name].missing_codes


def _domains(
    nodes: Sequence[ex.Expr], cq: CompiledQuestionnaire
) -> dict[Var, list[object]] | None:
    numbers = {n.value for n in nodes if isinstance(n, ex.Num)}
    points = sorted({p + d for p in numbers for d in (-1, 0, 1)})
    texts = sorted({n.value for n in nodes if isinstance(n, ex.Str)})
    domains: dict[Var, list[object]] = {}
    for node in nodes:
        if isinstance(node, ex.Attr):
            domains[("a", node.name, None)] = _attribute_domain(cq, node.name, texts)
        elif isinstance(node, ex.Ref) and node.name in cq.questions:
            key: Var = ("q", node.name, node.row)
            question = cq.questions[node.name]
            if question.qtype.stored == "list":
                domain = _multiple_domain(question, nodes)
                if domain is None:
                    return None
                domains[key] = domain
            else:
                domains[key] = _answer_domain(question, node.row, points, texts)
    return domains


def _attribute_domain(
    cq: CompiledQuestionnaire, name: str, texts: list[str]
) -> list[object]:
    attribute = cq.definition.attributes.get(name)
    values = (
        list(attribute.values)
        if attribute and attribute.values
        else [*texts, _OTHER_TEXT]
    )
    return [None, *values]


def _answer_domain(
    question: CompiledQuestion, row: str | None, points: list[int], texts: list[str]
) -> list[object]:
    q = question.model
    specials = [
        evaluation_value(question, code) for code in sorted(question.special_codes)
    ]
    qtype = question.qtype
    if qtype.stored == "text":
        return [None, *texts, _OTHER_TEXT]
    if qtype.scale_points is not None:
        return [None, *qtype.scale_points(q), *specials]
    if qtype.bounds is not None:
        low, high = qtype.bounds(q)
        if (
            question.rows and row is None
        ):  # the whole question: only sum() and answered() see it
            count = len(question.rows)
            return [
                None,
                *({"_": v} for v in _clamped(points, low * count, high * count)),
            ]
        return [None, *_clamped(points, low, high), *specials]
    if question.rows and row is None:  # a whole grid: only answered() sees it
        return [None, {"_": 0}]
    return [None, *(evaluation_value(question, o.code) for o in question.options)]


def _clamped(points: list[int], low: int, high: int) -> list[int]:
    return sorted({low, high} | {p for p in points if low <= p <= high})


def _multiple_domain(
    question: CompiledQuestion, nodes: Sequence[ex.Expr]
) -> list[object] | None:
    """Subsets of the options a condition can tell apart, plus others for counting."""
    mentioned: set[int] = set()
    counted = False
    for node in nodes:
        if (
            isinstance(node, ex.Call)
            and isinstance(node.args[0], ex.Ref)
            and node.args[0].name == question.id
        ):
            if node.func == "selected" and isinstance(node.args[1], ex.Num):
                mentioned.add(node.args[1].value)
            elif node.func == "is_missing":
                mentioned |= question.missing_codes
            counted = counted or node.func == "count_selected"
    if len(mentioned) > MAX_MENTIONED:
        return None
    rest = [o.code for o in question.options if o.code not in mentioned]
    fillers = range(len(rest) + 1) if counted else range(min(len(rest), 1) + 1)
    domain: list[object] = [None]
    ordered = sorted(mentioned)
    for size in range(len(ordered) + 1):
        for subset in itertools.combinations(ordered, size):
            domain.extend([*subset, *rest[:extra]] for extra in fillers)
    return domain


def check_reachability(
    cq: CompiledQuestionnaire,
) -> list[tuple[str, str, tuple[str | int, ...], int | None]]:
    """(kind, id, path of its condition, option code) of everything never shown.

    Reported at the highest level only: an unreachable block hides its pages,
    so they are not reported again.
    """
    found: list[tuple[str, str, tuple[str | int, ...], int | None]] = []
    blocks: dict[str, bool] = {}
    bi = -1
    for page in cq.pages:
        if page.block.id not in blocks:
            bi += 1
            blocks[page.block.id] = is_satisfiable(page.block_relevant, cq)
            if not blocks[page.block.id]:
                found.append(("block", page.block.id, ("blocks", bi, "relevant"), None))
        if not blocks[page.block.id]:
            continue
        pi = page.block.pages.index(page.model)
        ppath = ("blocks", bi, "pages", pi)
        guard = all_of(page.block_relevant, page.relevant)
        if not is_satisfiable(guard, cq):
            found.append(("page", page.id, (*ppath, "relevant"), None))
            continue
        for qi, question in enumerate(page.questions):
            found.extend(
                _question_reach(cq, question, guard, (*ppath, "questions", qi))
            )
    return found


def _question_reach(
    cq: CompiledQuestionnaire,
    question: CompiledQuestion,
    guard: ex.Expr | None,
    qpath: tuple[str | int, ...],
) -> list[tuple[str, str, tuple[str | int, ...], int | None]]:
    shown = all_of(guard, question.relevant)
    if question.relevant is not None and not is_satisfiable(shown, cq):
        return [("question", question.id, (*qpath, "relevant"), None)]
    found: list[tuple[str, str, tuple[str | int, ...], int | None]] = []
    scale = question.qtype.shared_scale(question.model)
    opath = ("scales", scale) if scale else (*qpath, "options")
    for oi, option in enumerate(question.options):
        condition = question.option_relevant.get(option.code)
        if condition is not None and not is_satisfiable(all_of(shown, condition), cq):
            found.append(("option", question.id, (*opath, oi, "relevant"), option.code))
    return found
