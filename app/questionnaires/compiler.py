"""A checked definition turned into the form routing needs on every request.

Compiling happens once per version: conditions are parsed, option names in
conditions are replaced by their codes, shared scales are resolved into each
question, and indexes (question → page, page order) are built. Routing then only
walks small immutable structures, which keeps respondent requests cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from app.questionnaires import expressions as ex
from app.questionnaires.definition import (
    AnyQuestion,
    Block,
    Derived,
    Option,
    Page,
    Questionnaire,
    Row,
)
from app.questionnaires.errors import Problem
from app.questionnaires.types import QuestionType, question_type
from app.questionnaires.yamlsource import Path

parse_condition = lru_cache(maxsize=8192)(ex.parse)
"""Parsing is pure and ASTs are immutable, so one parse per distinct text suffices."""


@dataclass(frozen=True)
class Site:
    """Where a condition sits in a file, and what it may refer to.

    ``position`` is the document index of the first question the condition guards
    (or of its own question); references must come before it, except that a
    constraint may refer to its own question.
    """

    kind: str  # block, page, question, constraint, option, row, derived
    owner: str  # id of the block/page/question/derived that carries it
    question: str | None
    position: int
    path: Path
    source: str

    @property
    def label(self) -> str:
        return {
            "constraint": "constraint",
            "option": "option condition",
            "row": "row condition",
            "derived": "derived value",
        }.get(self.kind, "routing condition")


def question_options(q: AnyQuestion, scales: dict[str, list[Option]]) -> list[Option]:
    """The options of a question, with ``scale:`` resolved (unknown scale → none)."""
    return question_type(q).options(q, scales)


def question_rows(q: AnyQuestion) -> list[Row]:
    return question_type(q).rows(q)


def options_path(q: AnyQuestion, qpath: Path) -> Path:
    scale = question_type(q).shared_scale(q)
    if scale is not None:
        return ("scales", scale)
    return (*qpath, "options")


def located_questions(
    qn: Questionnaire,
) -> Iterator[tuple[Path, int, int, AnyQuestion]]:
    """(path, question index, page index, question) in document order."""
    index = page_index = 0
    for bi, block in enumerate(qn.blocks):
        for pi, page in enumerate(block.pages):
            for qi, question in enumerate(page.questions):
                yield (
                    ("blocks", bi, "pages", pi, "questions", qi),
                    index,
                    page_index,
                    question,
                )
                index += 1
            page_index += 1


def condition_sites(qn: Questionnaire) -> Iterator[Site]:
    """Every condition in the file with its path and position, in document order."""
    for di, derived in enumerate(qn.derived):
        yield Site(
            "derived", derived.id, None, -1, ("derived", di, "expr"), derived.expr
        )
    position = 0
    for bi, block in enumerate(qn.blocks):
        if block.relevant:
            yield Site(
                "block",
                block.id,
                None,
                position,
                ("blocks", bi, "relevant"),
                block.relevant,
            )
        for pi, page in enumerate(block.pages):
            ppath: Path = ("blocks", bi, "pages", pi)
            if page.relevant:
                yield Site(
                    "page", page.id, None, position, (*ppath, "relevant"), page.relevant
                )
            for qi, q in enumerate(page.questions):
                yield from _question_sites(qn, q, position, (*ppath, "questions", qi))
                position += 1


def _question_sites(
    qn: Questionnaire, q: AnyQuestion, position: int, qpath: Path
) -> Iterator[Site]:
    if q.relevant:
        yield Site("question", q.id, q.id, position, (*qpath, "relevant"), q.relevant)
    constraint = getattr(q, "constraint", None)  # an info block has none
    if constraint:
        yield Site(
            "constraint", q.id, q.id, position, (*qpath, "constraint"), constraint
        )
    opath = options_path(q, qpath)
    for oi, option in enumerate(question_options(q, qn.scales)):
        if option.relevant:
            yield Site(
                "option",
                q.id,
                q.id,
                position,
                (*opath, oi, "relevant"),
                option.relevant,
            )
    key = question_type(q).rows_key
    for ri, row in enumerate(question_rows(q)):
        if row.relevant:
            yield Site(
                "row", q.id, q.id, position, (*qpath, key, ri, "relevant"), row.relevant
            )


# --- Compiled form ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CompiledQuestion:
    model: AnyQuestion
    index: int
    page_index: int
    options: tuple[Option, ...]
    rows: tuple[Row, ...]
    relevant: ex.Expr | None
    constraint: ex.Expr | None
    option_relevant: dict[int, ex.Expr]
    row_relevant: dict[str, ex.Expr]
    names: dict[str, int]
    labels: dict[int, str]
    special_codes: frozenset[int]
    """Codes that are not values: every option of a scale/number, ``missing:`` ones elsewhere."""
    missing_codes: frozenset[int]
    other_code: int | None
    id: str = field(init=False)
    type: str = field(init=False)
    qtype: QuestionType = field(init=False, repr=False)
    """The declaration of its type (``questionnaires.types``)."""
    condition_holds: Callable[[ex.Env], bool] = field(init=False, repr=False)
    """``relevant`` as one closure (routing's walks test it for every question)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.model.id)
        object.__setattr__(self, "type", self.model.type)
        object.__setattr__(self, "qtype", question_type(self.model))
        object.__setattr__(self, "condition_holds", ex.holds_all(self.relevant))


@dataclass(frozen=True, eq=False)
class CompiledPage:
    model: Page
    block: Block
    index: int
    block_relevant: ex.Expr | None
    relevant: ex.Expr | None
    questions: tuple[CompiledQuestion, ...]
    id: str = field(init=False)
    guard_holds: Callable[[ex.Env], bool] = field(init=False, repr=False)
    """The block's and the page's condition as one closure."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.model.id)
        object.__setattr__(
            self, "guard_holds", ex.holds_all(self.block_relevant, self.relevant)
        )


@dataclass(frozen=True, eq=False)
class CompiledQuestionnaire:
    """One loaded version. Compared and hashed by identity, so callers can key
    caches on it; build it with ``compile_questionnaire`` (or the loader)."""

    definition: Questionnaire
    source: str
    content_hash: str
    pages: tuple[CompiledPage, ...]
    page_by_id: dict[str, CompiledPage]
    questions: dict[str, CompiledQuestion]
    derived: tuple[tuple[Derived, ex.Expr | None], ...]
    response_page_index: int
    warnings: tuple[Problem, ...] = field(default=())
    derived_by_id: dict[str, ex.Expr | None] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.definition.questionnaire, self.definition.version)

    @property
    def condition_count(self) -> int:
        return sum(1 for _ in condition_sites(self.definition))


def compile_questionnaire(
    qn: Questionnaire,
    *,
    source: str = "<string>",
    content_hash: str = "",
    warnings: tuple[Problem, ...] = (),
) -> CompiledQuestionnaire:
    """Build the routing form of a definition that passed ``checks.check``.

    Option names are resolved against every question at once: the checks have
    already made sure that a condition only names questions it may refer to.
    """
    located = list(located_questions(qn))
    names = {
        q.id: _option_names(question_options(q, qn.scales)) for _, _, _, q in located
    }
    questions = {
        q.id: _compile_question(qn, q, index, page_index, names)
        for _, index, page_index, q in located
    }
    derived = tuple((d, _condition(d.expr, names)) for d in qn.derived)
    pages: list[CompiledPage] = []
    for block in qn.blocks:
        block_relevant = _condition(block.relevant, names)
        for page in block.pages:
            own = tuple(questions[q.id] for q in page.questions)
            relevant = _condition(page.relevant, names)
            pages.append(
                CompiledPage(page, block, len(pages), block_relevant, relevant, own)
            )
    return CompiledQuestionnaire(
        qn,
        source,
        content_hash,
        tuple(pages),
        {p.id: p for p in pages},
        questions,
        derived,
        questions[qn.response_from].page_index,
        warnings,
        {d.id: expr for d, expr in derived},
    )


def _option_names(options: list[Option]) -> dict[str, int]:
    return {o.name: o.code for o in options if o.name}


def _compile_question(
    qn: Questionnaire,
    q: AnyQuestion,
    index: int,
    page_index: int,
    names: Mapping[str, dict[str, int]],
) -> CompiledQuestion:
    options = tuple(question_options(q, qn.scales))
    rows = tuple(question_rows(q))
    missing = frozenset(o.code for o in options if o.missing)
    special = missing if question_type(q).choice else frozenset(o.code for o in options)
    return CompiledQuestion(
        model=q,
        index=index,
        page_index=page_index,
        options=options,
        rows=rows,
        relevant=_condition(q.relevant, names),
        constraint=_condition(getattr(q, "constraint", None), names),
        option_relevant={
            o.code: _resolved(o.relevant, names) for o in options if o.relevant
        },
        row_relevant={r.id: _resolved(r.relevant, names) for r in rows if r.relevant},
        names=names[q.id],
        labels={o.code: o.label for o in options},
        special_codes=special,
        missing_codes=missing,
        other_code=next((o.code for o in options if o.other), None),
    )


def _condition(
    source: str | None, names: Mapping[str, dict[str, int]]
) -> ex.Expr | None:
    return None if not source else _resolved(source, names)


def _resolved(source: str, names: Mapping[str, dict[str, int]]) -> ex.Expr:
    return ex.rebuild(parse_condition(source), lambda node: _resolve_node(node, names))


def _resolve_node(node: ex.Expr, names: Mapping[str, dict[str, int]]) -> ex.Expr:
    """Replace option names next to a choice reference by the option's code."""
    match node:
        case ex.Compare(left=ex.Ref() as ref, right=ex.Str() as s) if ref.name in names:
            return ex.Compare(node.op, ref, _code(s, names[ref.name]))
        case ex.Compare(left=ex.Str() as s, right=ex.Ref() as ref) if ref.name in names:
            return ex.Compare(node.op, _code(s, names[ref.name]), ref)
        case ex.In(left=ex.Ref() as ref) if ref.name in names:
            items = tuple(
                _code(i, names[ref.name]) if isinstance(i, ex.Str) else i
                for i in node.items
            )
            return ex.In(ref, items, node.negated)
        case ex.Call(func="selected", args=(ex.Ref() as ref, ex.Str() as s)) if (
            ref.name in names
        ):
            return ex.Call("selected", (ref, _code(s, names[ref.name])), node.pos)
    return node


def _code(literal: ex.Str, names: dict[str, int]) -> ex.Num | ex.Str:
    code = names.get(literal.value)
    return literal if code is None else ex.Num(code)


def evaluation_value(question: CompiledQuestion, stored: object) -> ex.Value:
    """A stored answer as conditions see it: special option codes become ``OptionAnswer``."""
    if (
        isinstance(stored, int)
        and not isinstance(stored, bool)
        and stored in question.special_codes
    ):
        return ex.OptionAnswer(stored)
    return stored  # type: ignore[return-value]
