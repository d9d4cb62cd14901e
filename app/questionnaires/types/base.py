"""What a question type declares, and the registry that holds the declarations.

A question type is one ``QuestionType`` value: its model (the YAML shape), its
options and rows, how a submitted form becomes an answer, the template macro
that shows it, the export columns it becomes and how the printed questionnaire
describes it. Everything here is data and pure functions over the definition:
the responses and exports domains read the declarations, this package never
imports them. The form and the respondent's context reach an answer parser
through the ``AnswerForm`` protocol, which ``questionnaires.submission``
implements, so a type file needs nothing but the definition models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

from app.questionnaires.definition import Option, Row
from app.questionnaires.errors import ErrorCode
from app.questionnaires.yamlsource import Path

if TYPE_CHECKING:
    from app.questionnaires.compiler import CompiledQuestion


@dataclass
class Parsed:
    """One question's submitted answer: the value, the "anders" text, errors by field."""

    value: object = None
    other: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


class AnswerForm(Protocol):
    """The submitted form as one question's parser sees it (``submission.py``)."""

    @property
    def question(self) -> CompiledQuestion: ...

    def values(self, key: str) -> list[str]:
        """The non-empty, stripped values sent under ``key``."""
        ...

    def raw(self, key: str) -> Sequence[str]:
        """The values sent under ``key`` exactly as they came."""
        ...

    def offered_code(self, text: str) -> int | None:
        """The option code in ``text`` if that option is shown to this respondent."""
        ...

    def row_shown(self, row_id: str) -> bool: ...

    def message(self, key: str) -> str:
        """A default error text (``submission.MESSAGES``) in the version's language."""
        ...

    def other_text(self, chosen: bool, parsed: Parsed) -> None:
        """Keep the "anders, namelijk" text in ``parsed`` while its option is chosen."""
        ...


ValueSet = Literal["options", "missing", "none"]
Measure = Literal["nominal", "ordinal", "scale"]
Stored = Literal["value", "list", "text"]
"""An answer's stored shape: a code or number (per row a ``{row: value}`` dict
when the question has rows), a list of codes, or text."""


@dataclass(frozen=True)
class Column:
    """One export column of a question, before the exports domain codes it.

    ``labels`` are value labels of the column itself (a scale's ends, "gekozen");
    ``coding`` says what the question's option codes add: ``options`` their value
    labels and missing codes, ``missing`` only the missing codes (a 0/1 column
    still declares the question's "weet niet"), ``none`` nothing (text).
    """

    key: str | None
    name: str
    label: str
    text: str
    kind: Literal["coded", "number", "text"]
    measure: Measure
    labels: tuple[tuple[int, str], ...] = ()
    coding: ValueSet = "options"
    valid_min: int | None = None


class Report(Protocol):
    """Reports a located problem in the file (``checks.Context.report``)."""

    def __call__(self, error: ErrorCode, path: Path, /, **fields: object) -> None: ...


PipeText = Callable[[str], str]
"""Fills a text's ``${...}`` for the respondent being shown the page."""


def _no_options(model: Any, scales: Mapping[str, Sequence[Option]]) -> list[Option]:
    return []


def _no_rows(model: Any) -> list[Row]:
    return []


def _no_note(model: Any) -> str | None:
    return None


def _no_fields(model: Any, pipe: PipeText) -> dict[str, object]:
    return {}


def _no_columns(question: CompiledQuestion) -> list[Column]:
    return []


def _no_check(model: Any, path: Path, report: Report) -> None:
    return None


@dataclass(frozen=True)
class QuestionType:
    """Everything the platform needs to know about one ``type:`` of question."""

    name: str
    """The ``type:`` value in a file."""
    model: type[BaseModel]
    """The pydantic model of its YAML (``app.questionnaires.definition``)."""
    label: str
    """Short Dutch name on staff pages ("één antwoord")."""
    document_label: str
    """How the printed questionnaire names it ("één antwoord mogelijk")."""
    macro: str
    """The macro of ``templates/responses/_questions.html`` that shows it."""
    parse_answer: Callable[[AnswerForm], Parsed] | None
    """Form values → the stored answer; ``None`` for a type that asks nothing."""
    options: Callable[[Any, Mapping[str, Sequence[Option]]], list[Option]] = _no_options
    """The question's options, a shared ``scale:`` resolved."""
    rows: Callable[[Any], list[Row]] = _no_rows
    """Grid statements or number items: one answer (and one column) each."""
    stored: Stored = "value"
    """How its answer is stored (and so read back by exports and routing)."""
    rows_key: str = "rows"
    """Where the rows sit in the file (``rows`` or ``items``), for error lines."""
    shared_scale: Callable[[Any], str | None] = lambda _model: None
    """The name of the shared scale the options come from, if any."""
    choice: bool = False
    """A choice question: its options are the answers, so a question (or grid)
    whose options are all hidden is not shown, and only ``missing:`` codes are
    special. Otherwise options are extra answers beside a value ("weet niet"
    next to a number): every option code is special, never a number."""
    bounds: Callable[[Any], tuple[int, int]] | None = None
    """The lowest and highest number of a numeric type (routing, sums, checks)."""
    option_flags: frozenset[str] = frozenset()
    """Option flags its options may carry (``other``, ``exclusive``)."""
    check: Callable[[Any, Path, Report], None] = _no_check
    """Checks of its own keys that the model alone cannot make (with line numbers)."""
    condition_value: Callable[[Any, bool], str] = lambda _model, _row: "info"
    """What a condition sees of ``${q}`` (or, with ``True``, of ``${q.row}``):
    ``code``, ``codes``, ``number``, ``text``, or a shape no comparison may take
    (``grid``, ``items``, ``info``; see ``checks.conditions.SHAPES``)."""
    rotates: Literal["options", "rows"] | None = None
    """What ``rotate: true`` shuffles per respondent (``questionnaires.rotation``)."""
    option_field: str = ""
    """Suffix of the form field its options are sent under (``.option`` for a
    number's "weet niet" beside the number box)."""
    value_box: bool = False
    """Shown with a typed-in value (number, text) that the page refills."""
    view_fields: Callable[[Any, PipeText], dict[str, object]] = _no_fields
    """Extra fields of the respondent's question view (bounds, unit, labels)."""
    scale_points: Callable[[Any], Sequence[int]] | None = None
    """The numbered points shown as radio buttons, for a rating scale."""
    columns: Callable[[CompiledQuestion], list[Column]] = _no_columns
    """Its export columns (the "anders" text column is added for every type)."""
    answer_note: Callable[[Any], str | None] = _no_note
    """What the printed questionnaire says about the answer ("Een heel getal ...")."""

    @property
    def asks(self) -> bool:
        """False for a type that shows text and asks nothing (``info``)."""
        return self.parse_answer is not None


REGISTRY: dict[str, QuestionType] = {}
"""Every question type by its ``type:`` name, in the order they were registered."""


def register(question_type: QuestionType) -> QuestionType:
    if question_type.name in REGISTRY:
        raise ValueError(f"question type {question_type.name!r} is registered twice")
    REGISTRY[question_type.name] = question_type
    return question_type


def unregister(name: str) -> None:
    """Remove a type again (tests that register a toy type)."""
    del REGISTRY[name]


def question_type(question: str | Any) -> QuestionType:
    """The declaration of a type, by name or by a question (model or compiled)."""
    name = question if isinstance(question, str) else question.type
    return REGISTRY[name]


def all_types() -> Iterator[QuestionType]:
    return iter(REGISTRY.values())


def option_suffix(name: str | None, code: int) -> str:
    """The part of a per-option column name after ``<question>_``: the option's
    name, else its code (``m1`` for ``-1``)."""
    if name:
        return name
    return str(code) if code >= 0 else f"m{-code}"


def type_label(kind: str) -> str:
    """A question type's short Dutch name on staff pages (its ``label``); the
    app registers it as the templates' ``question_type`` filter."""
    spec = REGISTRY.get(str(kind))
    return spec.label if spec is not None else str(kind)


def document_type_label(kind: str) -> str:
    """How the printed questionnaire (and its diff) names a type: its
    ``document_label`` ("één antwoord mogelijk")."""
    spec = REGISTRY.get(str(kind))
    return spec.document_label if spec is not None else str(kind)


def short_label(model: Any) -> str:
    """A question's label for exports: its ``label``, else its text, on one line."""
    return " ".join((getattr(model, "label", None) or model.text).split())
