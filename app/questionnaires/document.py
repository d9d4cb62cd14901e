"""The questionnaire as a document: every question, its codes and its routing in words.

Clients sign a questionnaire off on paper, and a report's appendix prints it: a
reader who never opens the YAML file must see what a respondent sees, which code
each answer gets, who is asked what ("Alleen voor wie bij vraag 5 ... "), from
which question a respondent counts as a response, and where a text changes per
respondent (piping). This module is the pure core: it turns a compiled version
into a plain, renderer-neutral view model. ``document_render`` turns that into
HTML, PDF and Word; the same model serves all three, so they never disagree.

Questions are numbered in file order, skipping information blocks, because the
routing sentences and the report refer to "vraag 5", not to ``q_aggr_count``.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import (
    CompiledQuestionnaire,
    question_options,
    question_rows,
)
from app.questionnaires.definition import (
    PIPE,
    AnyQuestion,
    AskedQuestion,
    MissingKind,
    Option,
    Questionnaire,
)
from app.questionnaires.describe import _Describer, _short
from app.questionnaires.types import question_type

MISSING_LABELS = {
    MissingKind.dont_know: "weet niet",
    MissingKind.refused: "wil niet zeggen",
    MissingKind.not_applicable: "niet van toepassing",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text; ``pipe`` names what is filled in per respondent."""

    text: str
    pipe: str | None = None


Text_ = tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class OptionEntry:
    code: int
    label: Text_
    notes: tuple[str, ...]
    """"weet niet", "sluit andere antwoorden uit", "met toelichting", routing."""


@dataclass(frozen=True, slots=True)
class RowEntry:
    id: str
    text: Text_
    routing: str | None


@dataclass(frozen=True, slots=True)
class QuestionEntry:
    id: str
    number: int | None
    """``None`` for information blocks, which are not numbered."""
    kind: str
    text: Text_
    help: Text_ | None
    routing: str | None
    required: bool
    threshold: bool
    answer_note: str | None
    """How the answer is given beyond the options: a range, a scale's ends, a length."""
    options: tuple[OptionEntry, ...]
    rows: tuple[RowEntry, ...]
    constraint: str | None


@dataclass(frozen=True, slots=True)
class PageEntry:
    id: str
    title: Text_ | None
    intro: Text_ | None
    routing: str | None
    questions: tuple[QuestionEntry, ...]


@dataclass(frozen=True, slots=True)
class BlockEntry:
    id: str
    title: Text_ | None
    routing: str | None
    pages: tuple[PageEntry, ...]


@dataclass(frozen=True, slots=True)
class DerivedEntry:
    id: str
    label: str
    rule: str


@dataclass(frozen=True, slots=True)
class QuestionnaireDocument:
    ref: str
    title: str
    status: str
    """"gepubliceerd op 14-04-2024, inhoud 3f2a…" or "concept (niet gepubliceerd)"."""
    estimated_minutes: int | None
    welcome: Text_
    thanks: Text_
    threshold: str
    """From which question a respondent counts as a response, in words."""
    attributes: tuple[tuple[str, str, tuple[str, ...]], ...]
    """Sample attributes used in routing and piping: name, label, value labels."""
    derived: tuple[DerivedEntry, ...]
    blocks: tuple[BlockEntry, ...]
    question_count: int
    pipes: tuple[tuple[str, str], ...]
    """Every pipe that occurs in the texts, with what it is filled with."""


def build(compiled: CompiledQuestionnaire, *, status: str) -> QuestionnaireDocument:
    """The document of one compiled version (published or a draft file)."""
    definition = compiled.definition
    numbers = _numbers(definition)
    words = _Words(definition, numbers)
    pipes: dict[str, str] = {}
    marked = _Marker(definition, numbers, pipes)
    blocks = tuple(
        BlockEntry(
            id=block.id,
            title=marked(block.title),
            routing=words.routing(block.relevant),
            pages=tuple(
                PageEntry(
                    id=page.id,
                    title=marked(page.title),
                    intro=marked(page.intro),
                    routing=words.routing(page.relevant),
                    questions=tuple(
                        _question(q, numbers, words, marked, definition)
                        for q in page.questions
                    ),
                )
                for page in block.pages
            ),
        )
        for block in definition.blocks
    )
    threshold_number = numbers.get(definition.response_from)
    return QuestionnaireDocument(
        ref=f"{definition.questionnaire}/{definition.version}",
        title=definition.title,
        status=status,
        estimated_minutes=definition.estimated_minutes,
        welcome=marked(definition.welcome) or (),
        thanks=marked(definition.thanks) or (),
        threshold=(
            f"Een respondent telt als respons zodra vraag {threshold_number} "
            f"({definition.response_from}) is bereikt."
            if threshold_number is not None
            else f"Een respondent telt als respons zodra {definition.response_from} "
            "is bereikt."
        ),
        attributes=tuple(
            (name, attribute.label, tuple(attribute.values.values()))
            for name, attribute in definition.attributes.items()
        ),
        derived=tuple(
            DerivedEntry(d.id, d.label, words.sentence(d.expr))
            for d in definition.derived
        ),
        blocks=blocks,
        question_count=len(numbers),
        pipes=tuple(sorted(pipes.items())),
    )


def _numbers(definition: Questionnaire) -> dict[str, int]:
    numbered = [q.id for q in definition.questions() if question_type(q).asks]
    return {qid: i for i, qid in enumerate(numbered, start=1)}


def _question(
    q: AnyQuestion,
    numbers: dict[str, int],
    words: _Words,
    marked: _Marker,
    definition: Questionnaire,
) -> QuestionEntry:
    spec = question_type(q)
    if not isinstance(q, AskedQuestion):
        return QuestionEntry(
            id=q.id,
            number=None,
            kind=spec.document_label,
            text=marked(q.text) or (),
            help=None,
            routing=words.routing(q.relevant),
            required=False,
            threshold=False,
            answer_note=None,
            options=(),
            rows=(),
            constraint=None,
        )
    options = tuple(
        _option(o, q, words, marked) for o in question_options(q, definition.scales)
    )
    rows = tuple(
        RowEntry(r.id, marked(r.text) or (), words.routing(r.relevant))
        for r in question_rows(q)
    )
    return QuestionEntry(
        id=q.id,
        number=numbers[q.id],
        kind=spec.document_label,
        text=marked(q.text) or (),
        help=marked(q.help),
        routing=words.routing(q.relevant),
        required=q.required,
        threshold=q.id == definition.response_from,
        answer_note=spec.answer_note(q),
        options=options,
        rows=rows,
        constraint=(
            q.constraint_message or words.sentence(q.constraint)
            if q.constraint
            else None
        ),
    )


def _option(o: Option, q: AnyQuestion, words: _Words, marked: _Marker) -> OptionEntry:
    notes: list[str] = []
    if o.missing is not None:
        notes.append(MISSING_LABELS[o.missing])
    if o.exclusive:  # the check allows it on multiple choice only
        notes.append("sluit de andere antwoorden uit")
    if o.other:
        notes.append(
            "met toelichting (verplicht)" if o.other_required else "met toelichting"
        )
    routing = words.routing(o.relevant)
    if routing:
        notes.append(routing[0].lower() + routing[1:])
    return OptionEntry(o.code, marked(o.label) or (), tuple(notes))


class _Words(_Describer):
    """Conditions in words, with questions named by their number ("vraag 5")."""

    def __init__(self, definition: Questionnaire, numbers: dict[str, int]) -> None:
        super().__init__(definition)
        self.numbers = numbers

    def ref(self, ref: ex.Ref) -> str:
        question = self.questions.get(ref.name)
        number = self.numbers.get(ref.name)
        if question is None or number is None:
            derived = self.derived.get(ref.name)
            return f"‘{_lower(derived.label)}’" if derived else ref.text
        label = getattr(question, "label", None) or question.text
        if ref.row:
            label = next(
                (r.text for r in question_rows(question) if r.id == ref.row), label
            )
            return f"vraag {number} ‘{_short(label)}’"
        return f"vraag {number} ({_short(label)})"

    def sentence(self, source: str) -> str:
        return self.text(ex.parse(source))

    def routing(self, source: str | None) -> str | None:
        if not source:
            return None
        return f"Alleen voor wie: {self.sentence(source)}."


class _Marker:
    """Splits a text at its pipes and records what each pipe is filled with."""

    def __init__(
        self, definition: Questionnaire, numbers: dict[str, int], seen: dict[str, str]
    ) -> None:
        self.definition = definition
        self.numbers = numbers
        self.seen = seen
        self.questions = {q.id: q for q in definition.questions()}
        self.derived = {d.id: d.label for d in definition.derived}

    def __call__(self, text: str | None) -> Text_ | None:
        if text is None:
            return None
        segments: list[Segment] = []
        at = 0
        for match in PIPE.finditer(text):
            if match.start() > at:
                segments.append(Segment(text[at : match.start()]))
            name = self._describe(match.group(1), match.group(2))
            self.seen[match.group(0)] = name
            segments.append(Segment(name, pipe=match.group(0)))
            at = match.end()
        if at < len(text):
            segments.append(Segment(text[at:]))
        return tuple(segments)

    def _describe(self, name: str, part: str | None) -> str:
        attribute = self.definition.attributes.get(name)
        if attribute is not None:
            return _lower(attribute.label)
        if name in self.numbers:
            row = next(
                (r.text for r in question_rows(self.questions[name]) if r.id == part),
                part,
            )
            return f"antwoord op vraag {self.numbers[name]}" + (
                f" ({_lower(row)})" if row else ""
            )
        if name in self.derived:
            return _lower(self.derived[name])
        return name


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def plain(text: Text_ | None) -> str:
    """A marked text as plain text, pipes in square brackets."""
    if not text:
        return ""
    return "".join(f"[{s.text}]" if s.pipe else s.text for s in text)
