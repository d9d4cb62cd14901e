"""The variables of an export, decided from the questionnaire versions alone.

One column per asked item, named by the stable question id: grids one column
per statement (``<q>_<row>``), multiple choice one 0/1 column per option
(``<q>_<option>``), "anders, namelijk" text as ``<q>_other``, number items as
``<q>_<item>``, derived values as their own columns. Sample attributes and
paradata come first; names, e-mail addresses and tokens never appear, and the
organisation name neither (with the function it identifies a person).

Pure: compiled versions in, a ``Layout`` out. The same versions always give the
same layout, so every format of one export has the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from app.exports import comparability as cmp
from app.exports.errors import ExportLayoutError
from app.exports.missing import KIND_CODE, RESERVED, Missing
from app.exports.parts import Part, attribute_variables, question_parts
from app.exports.variables import Routing, Variable
from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestion, CompiledQuestionnaire
from app.questionnaires.definition import Questionnaire
from app.questionnaires.describe import describe
from app.questionnaires.expressions import ExpressionError
from app.questionnaires.types import question_type

MAX_NAME = 32
"""Stata's limit (SPSS allows 64 bytes); the definition keeps ids within it."""


@dataclass(frozen=True)
class VersionRef:
    code: int
    label: str
    compiled: CompiledQuestionnaire


@dataclass(frozen=True)
class Layout:
    variables: tuple[Variable, ...]
    versions: tuple[VersionRef, ...]
    slots: tuple[dict[tuple[str, str | None], int], ...]
    """Per version: (question id, part key) → column."""
    derived_slots: tuple[dict[str, int], ...]
    """Per version: derived id → column."""
    attribute_columns: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def index(self, name: str) -> int:
        return next(i for i, v in enumerate(self.variables) if v.name == name)


def build_layout(
    versions: Sequence[CompiledQuestionnaire], *, fixed: Sequence[Variable] = ()
) -> Layout:
    """Variables for responses to ``versions`` (oldest first).

    ``fixed`` are the leading respondent/paradata/weight columns, which the
    caller (the service) decides; attribute columns follow them.
    """
    if not versions:
        raise ExportLayoutError("Geen vragenlijstversie gekozen.")
    refs = tuple(
        VersionRef(i + 1, cq.definition.version, cq) for i, cq in enumerate(versions)
    )
    builder = _Builder(refs)
    for variable in fixed:
        builder.add(variable)
    for variable in attribute_variables([cq.definition for cq in versions]):
        builder.attribute_columns[variable.name] = builder.add(variable)
    for qid in _question_order(versions):
        builder.question(qid)
    for did in _derived_order(versions):
        builder.derived(did)
    return builder.layout()


class _Builder:
    def __init__(self, refs: tuple[VersionRef, ...]) -> None:
        self.refs = refs
        self.differ = cmp.Differ([r.compiled.definition for r in refs])
        self.variables: list[Variable] = []
        self.names: set[str] = set()
        self.slots: list[dict[tuple[str, str | None], int]] = [{} for _ in refs]
        self.derived_slots: list[dict[str, int]] = [{} for _ in refs]
        self.attribute_columns: dict[str, int] = {}
        self.notes: list[str] = []

    def add(self, variable: Variable) -> int:
        name = _fit_name(variable.name, self.names)
        self.names.add(name.lower())
        if name != variable.name:
            note = f"Naam ingekort of uniek gemaakt; volledige naam: {variable.name}."
            variable = replace(variable, name=name, notes=(*variable.notes, note))
        self.variables.append(variable)
        return len(self.variables) - 1

    def label_of(self, index: int) -> str:
        return self.refs[index].label

    def question(self, qid: str) -> None:
        present = [i for i, r in enumerate(self.refs) if qid in r.compiled.questions]
        if not question_type(self.refs[present[0]].compiled.questions[qid]).asks:
            return
        moved = cmp.moves(self.differ, qid, present)
        for key in _part_keys(self.refs, qid, present):
            holders = [
                i
                for i in present
                if key
                in _keys_of(self.refs[i].compiled, self.refs[i].compiled.questions[qid])
            ]
            row = _row_of(key)
            groups = cmp.group_versions(self.differ, qid, holders, row)
            for group in groups:
                self._part(qid, key, group, split=len(groups) > 1, moved=bool(moved))

    def _part(
        self, qid: str, key: str | None, group: cmp.Group, *, split: bool, moved: bool
    ) -> None:
        newest = self.refs[group.versions[-1]].compiled
        question = newest.questions[qid]
        part = next(p for p in question_parts(newest, question) if p.key == key)
        labels = tuple(self.label_of(i) for i in group.versions)
        name = part.name
        notes = list(part.notes)
        if split:
            name = f"{name}__{_slug(labels[0])}"
            if group.reasons:
                notes.append(
                    "Apart van de eerdere versie geëxporteerd: "
                    + cmp.describe_reasons(group.reasons)
                    + "."
                )
            else:
                notes.append("Gewijzigd in een latere versie: daar apart geëxporteerd.")
        if len(labels) > 1:
            notes.append(
                f"Eén variabele voor de versies {', '.join(labels)}: ongewijzigd."
            )
        if moved:
            notes.append("Staat in een latere versie op een andere pagina.")
        missing = _missing_codes(part, in_all=len(group.versions) == len(self.refs))
        _check_reserved(qid, part)
        variable = Variable(
            name=name,
            label=part.label,
            role="answer",
            kind=part.kind,
            measure=part.measure,
            question=qid,
            part=key,
            text=part.text,
            values=part.values,
            missing=missing,
            questionnaire_codes=part.questionnaire_codes,
            versions=labels,
            routing=tuple(self._routing(i, question, key) for i in group.versions),
            notes=tuple(notes),
        )
        column = self.add(variable)
        for i in group.versions:
            self.slots[i][(qid, key)] = column

    def _routing(
        self, index: int, question: CompiledQuestion, key: str | None
    ) -> Routing:
        cq = self.refs[index].compiled
        question = cq.questions[question.id]
        page = cq.pages[question.page_index]
        sources = [
            s
            for s in (
                page.block.relevant,
                page.model.relevant,
                question.model.relevant,
                _part_condition(question, key),
            )
            if s
        ]
        source = (
            " and ".join(f"({s})" for s in sources)
            if len(sources) > 1
            else "".join(sources)
        )
        words = (
            _words(source, cq.definition)
            if source
            else "Iedereen die deze pagina bereikt"
        )
        return Routing(self.label_of(index), source, words)

    def derived(self, did: str) -> None:
        definitions = [r.compiled.definition for r in self.refs]
        groups = cmp.group_derived(definitions, did)
        for group in groups:
            newest = definitions[group.versions[-1]]
            derived = next(d for d in newest.derived if d.id == did)
            labels = tuple(self.label_of(i) for i in group.versions)
            boolean = _is_boolean(derived.expr)
            name = f"{did}__{_slug(labels[0])}" if len(groups) > 1 else did
            missing = [Missing.NOT_DERIVABLE]
            if len(group.versions) < len(self.refs):
                missing.append(Missing.NOT_IN_VERSION)
            variable = Variable(
                name=name,
                label=derived.label,
                role="derived",
                kind="coded" if boolean else "number",
                measure="nominal" if boolean else "scale",
                question=did,
                text=f"Afgeleid: {derived.expr}",
                values=((0, "Nee"), (1, "Ja")) if boolean else (),
                missing=tuple(sorted(int(m) for m in missing)),
                notes=(DERIVED_RULE,),
                versions=labels,
                routing=tuple(
                    Routing(
                        labels[n],
                        derived.expr,
                        _words(derived.expr, newest_cq.definition),
                    )
                    for n, newest_cq in enumerate(
                        self.refs[i].compiled for i in group.versions
                    )
                ),
            )
            column = self.add(variable)
            for i in group.versions:
                self.derived_slots[i][did] = column

    def layout(self) -> Layout:
        return Layout(
            tuple(self.variables),
            self.refs,
            tuple(self.slots),
            tuple(self.derived_slots),
            self.attribute_columns,
            tuple(self.notes),
        )


DERIVED_RULE = (
    "Afgeleid uit de antwoorden volgens de regel hierboven, alleen uit vragen die "
    "gesteld en beantwoord zijn. Ontbreekt een antwoord dat nodig is (niet "
    "gevraagd, niet bereikt, geen antwoord, 'weet niet' of 'wil ik niet zeggen'), "
    "dan is de waarde -5 'niet te bepalen', nooit 'Nee'. Leggen de gegeven "
    "antwoorden de waarde al vast, dan geldt die: bij 'of' is één vervulde "
    "voorwaarde genoeg voor 'Ja' (één vorm van agressie 1 keer of vaker maakt "
    "slachtoffer = Ja, ook als een andere vorm ontbreekt); 'Nee' alleen als elke "
    "voorwaarde met gegeven antwoorden niet vervuld is. Een aantal dat ontbreekt "
    "telt als 'onbekend, tussen minimum en maximum van de vraag'."
)
"""The codebook's words for how every derived variable treats missing inputs
(``app.questionnaires.expressions.decide``)."""


def _keys_of(cq: CompiledQuestionnaire, question: CompiledQuestion) -> set[str | None]:
    return {p.key for p in question_parts(cq, question)}


def _part_keys(
    refs: Sequence[VersionRef], qid: str, present: Sequence[int]
) -> list[str | None]:
    """Part keys in the newest version's order, then those only older versions have."""
    keys: list[str | None] = []
    for i in reversed(present):
        cq = refs[i].compiled
        for part in question_parts(cq, cq.questions[qid]):
            if part.key not in keys:
                keys.append(part.key)
    return keys


def _row_of(key: str | None) -> str | None:
    return key[4:] if key is not None and key.startswith("row:") else None


def _part_condition(question: CompiledQuestion, key: str | None) -> str | None:
    row = _row_of(key)
    if row is not None:
        return next((r.relevant for r in question.rows if r.id == row), None)
    if key is not None and key.startswith("opt:"):
        code = int(key[4:])
        return next((o.relevant for o in question.options if o.code == code), None)
    return None


def _words(source: str, definition: Questionnaire) -> str:
    """The condition in words for the codebook; its source where it cannot be
    described (the source column is shown beside it either way)."""
    try:
        return describe(source, definition)
    except (ExpressionError, KeyError, TypeError, AttributeError):
        return source


def _is_boolean(expr: str) -> bool:
    try:
        node = ex.parse(expr)
    except ExpressionError:
        return False
    if isinstance(node, ex.Call):
        return node.func in ("selected", "answered", "is_missing")
    return isinstance(node, ex.Compare | ex.In | ex.Not | ex.And | ex.Or | ex.Bool)


def _missing_codes(part: Part, *, in_all: bool) -> tuple[int, ...]:
    codes = {int(m) for m in part.missing}
    if part.kind != "text":
        codes |= {Missing.NOT_ASKED, Missing.NOT_REACHED, Missing.NO_ANSWER}
        if not in_all:
            codes.add(Missing.NOT_IN_VERSION)
    return tuple(sorted(codes, reverse=True))


def _check_reserved(qid: str, part: Part) -> None:
    if part.kind == "text":
        return
    clash = [
        code
        for code, _ in part.values
        if code in RESERVED and code not in {int(k) for k in KIND_CODE.values()}
    ]
    low = part.valid_min
    if clash or (low is not None and low < 0):
        raise ExportLayoutError(
            f"Vraag {qid} gebruikt negatieve antwoordcodes of waarden; die zijn in "
            "exports gereserveerd voor ontbrekende waarden (-9 t/m -1)."
        )


def _question_order(versions: Sequence[CompiledQuestionnaire]) -> list[str]:
    """The newest version's order; items only older versions have go after the
    nearest item before them in that older version."""
    order = [q.model.id for q in _questions(versions[-1])]
    for cq in reversed(versions[:-1]):
        previous: str | None = None
        for q in _questions(cq):
            if q.model.id not in order:
                at = order.index(previous) + 1 if previous in order else 0
                order.insert(at, q.model.id)
            previous = q.model.id
    return order


def _questions(cq: CompiledQuestionnaire) -> list[CompiledQuestion]:
    return sorted(cq.questions.values(), key=lambda q: q.index)


def _derived_order(versions: Sequence[CompiledQuestionnaire]) -> list[str]:
    order: list[str] = []
    for cq in reversed(versions):
        order += [d.id for d in cq.definition.derived if d.id not in order]
    return order


def _slug(version: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in version.lower())


def _fit_name(name: str, taken: set[str]) -> str:
    """At most 32 characters, unique ignoring case (SPSS names are case-blind).

    A version suffix (``__2022``) is kept whole and the stem shortened, so the
    analyst still sees which version a shortened variable holds.
    """
    stem, sep, suffix = name.rpartition("__")
    if not sep:
        stem, suffix = name, ""
    tail = f"__{suffix}" if suffix else ""
    candidate = stem[: MAX_NAME - len(tail)].rstrip("_") + tail
    n = 2
    while candidate.lower() in taken:
        extra = f"_{n}{tail}"
        candidate = stem[: MAX_NAME - len(extra)].rstrip("_") + extra
        n += 1
    return candidate
