"""One response → one export row, with routing-aware missing codes.

Derived values are decided three-valued (``expressions.decide``): where the
answers given do not settle one, it is -5 "niet te bepalen", never "Nee".

For every item the respondent's own version has, the routing engine decides
why an empty answer is empty: the page was never reached (the respondent
stopped before it: -2), the item was shown on a submitted page and left empty
(-3), or routing did not show it (-1). Items of other versions get -4. Pure:
records in, lists of plain values out (``None`` never appears in a numeric
column; text columns use "").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app.exports.derived_cache import DerivedCache
from app.exports.layout import Layout
from app.exports.missing import Missing
from app.exports.paradata import ParadataEncoder
from app.exports.parts import coding
from app.exports.rotation import RotationEncoder
from app.exports.routing_cache import RoutingCache, Seen
from app.exports.variables import Variable
from app.questionnaires.compiler import CompiledQuestion
from app.questionnaires.types import question_type
from app.samples.states import InvitationStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STATUS_CODES: dict[str, int] = {
    InvitationStatus.response: 1,
    InvitationStatus.complete: 2,
}
LANGUAGE_CODES = {"nl": 1, "en": 2}
"""Export codes of the respondent's language (``app.questionnaires.translations``)."""

NOT_ASKED = int(Missing.NOT_ASKED)
NOT_REACHED = int(Missing.NOT_REACHED)
NO_ANSWER = int(Missing.NO_ANSWER)
NOT_IN_VERSION = int(Missing.NOT_IN_VERSION)
NOT_DERIVABLE = int(Missing.NOT_DERIVABLE)
UNKNOWN = int(Missing.UNKNOWN)


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """What the export reads of one response (no contact data exists here)."""

    response_id: int
    version: int
    """Index into the layout's versions (0 = oldest selected)."""
    status: str
    answers: Mapping[str, Any]
    submitted_pages: Sequence[str]
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    page_times: dict[str, float | None] = field(default_factory=dict)
    """Seconds per submitted page (``app.responses.paradata``)."""
    invitation_id: int | None = None
    """Seeds the rotated orders (``app.exports.rotation``); never exported."""
    language: str | None = None
    """The language the response was given in; None: the version's own (Dutch)."""


def fixed_variables(
    layout_versions: Sequence[str], *, weight_label: str
) -> list[Variable]:
    """The leading columns: respondent, version, status, paradata and the weight."""
    return [
        Variable(
            "respondent_id",
            "Respondentnummer (exportvolgorde)",
            "respondent",
            "number",
            "nominal",
            text="Volgnummer van de respons; geen koppeling met contactgegevens.",
        ),
        Variable(
            "version",
            "Vragenlijstversie",
            "paradata",
            "coded",
            "nominal",
            values=tuple((i + 1, v) for i, v in enumerate(layout_versions)),
        ),
        Variable(
            "status",
            "Status van de respons",
            "paradata",
            "coded",
            "nominal",
            values=(
                (1, "Respons (drempel bereikt, niet afgerond)"),
                (2, "Volledig ingevuld"),
            ),
        ),
        Variable(
            "language",
            "Taal waarin de vragenlijst is ingevuld",
            "paradata",
            "coded",
            "nominal",
            values=((1, "nl: Nederlands"), (2, "en: Engels")),
        ),
        Variable(
            "started_at",
            "Begonnen op (Nederlandse tijd)",
            "paradata",
            "datetime",
            "scale",
        ),
        Variable(
            "ended_at",
            "Afgerond op, of laatst opgeslagen (Nederlandse tijd)",
            "paradata",
            "datetime",
            "scale",
        ),
        Variable(
            "duration_min",
            "Doorlooptijd in minuten (begin tot einde)",
            "paradata",
            "float",
            "scale",
        ),
        Variable("weight", weight_label, "weight", "float", "scale"),
    ]


TEXT, MULTIPLE, ROWS, SINGLE = "text", "multiple", "rows", "single"
NOTHING: frozenset[Any] = frozenset()


@dataclass(slots=True)
class _QuestionPlan:
    """Where one question's answer goes, prepared once per version (hot loop below)."""

    qid: str
    page_index: int
    kind: str
    single: int | None = None
    to_export: dict[int, int] = field(default_factory=dict)
    rows: list[tuple[str, int]] = field(default_factory=list)
    options: list[tuple[int, int, bool]] = field(default_factory=list)
    """(code, column, is a missing-kind option)"""
    missing_kind: dict[int, int] = field(default_factory=dict)
    """Missing-kind option code → export code, in file order."""
    other: int | None = None
    other_key: str = ""


class Encoder:
    """Turns records into rows for one layout; ``weight_of`` gives each record's weight."""

    def __init__(
        self, layout: Layout, weight_of: Callable[[ResponseRecord], float] | None = None
    ) -> None:
        self.layout = layout
        self.weight_of = weight_of or (lambda _record: 1.0)
        names = [v.name for v in layout.variables]
        self.fixed = {n: names.index(n) for n in names if n in _FIXED}
        self.languages = [v.compiled.definition.language for v in layout.versions]
        self.attributes = [
            (c, layout.variables[c].part or "", layout.variables[c])
            for c in layout.attribute_columns.values()
        ]
        self.templates = [self._template(i) for i in range(len(layout.versions))]
        self.plans = [self._plans(i) for i in range(len(layout.versions))]
        self.routing = [RoutingCache(v.compiled) for v in layout.versions]
        self.derived = [DerivedCache(v.compiled) for v in layout.versions]
        paradata = ParadataEncoder(names, [v.compiled for v in layout.versions])
        self.paradata = paradata if paradata.active else None
        rotated = RotationEncoder(names, [v.compiled for v in layout.versions])
        self.rotation = rotated if rotated.active else None
        self.text_asked = [0] * len(layout.variables)
        """Per text column: how many respondents were shown the item."""

    def _template(self, version: int) -> list[Any]:
        own = set(self.layout.slots[version].values()) | set(
            self.layout.derived_slots[version].values()
        )
        row: list[Any] = []
        for column, variable in enumerate(self.layout.variables):
            if variable.kind == "text":
                row.append("")
            elif variable.role in ("answer", "derived") and column not in own:
                row.append(NOT_IN_VERSION)
            else:
                row.append(NO_ANSWER)
        return row

    def _plans(self, version: int) -> list[_QuestionPlan]:
        cq = self.layout.versions[version].compiled
        slots = self.layout.slots[version]
        return [
            _plan(question, slots)
            for question in sorted(cq.questions.values(), key=lambda q: q.index)
            if question_type(question).asks
        ]

    def encode(self, record: ResponseRecord) -> list[Any]:
        row = self.templates[record.version][:]
        answers = record.answers
        attributes = record.attributes
        seen = self.routing[record.version].seen(
            answers,
            attributes,
            partial=record.status != InvitationStatus.complete,
            submitted=record.submitted_pages,
        )
        self._fixed(row, record)
        if self.paradata is not None:
            self.paradata.fill(
                row,
                version=record.version,
                complete=record.status == InvitationStatus.complete,
                submitted=record.submitted_pages,
                stop=seen.stop,
                times=record.page_times,
            )
        if self.rotation is not None:
            self.rotation.fill(
                row, version=record.version, invitation_id=record.invitation_id
            )
        for column, name, variable in self.attributes:
            row[column] = _attribute(variable, attributes.get(name))
        shown, stop = seen.shown, seen.stop
        for plan in self.plans[record.version]:
            qid = plan.qid
            value = answers.get(qid)
            if value is None or (not value and value.__class__ is not int):
                if plan.page_index >= stop:
                    reason = NOT_REACHED
                elif qid in shown:
                    reason = NO_ANSWER
                else:
                    reason = NOT_ASKED
                self._empty(row, plan, reason, seen)
                continue
            kind = plan.kind
            if kind is SINGLE:
                row[plan.single] = (  # type: ignore[index]
                    plan.to_export.get(value, value)
                    if value.__class__ is int
                    else NO_ANSWER
                )
            elif kind is TEXT:
                row[plan.single] = value if isinstance(value, str) else ""  # type: ignore[index]
                self.text_asked[plan.single] += 1  # type: ignore[index]
            elif kind is ROWS:
                _rows(row, plan, value, seen.hidden_rows.get(qid, NOTHING))
            else:
                _multiple(row, plan, value, seen.hidden_options.get(qid, NOTHING))
            if plan.other is not None:
                other = answers.get(plan.other_key)
                row[plan.other] = other if isinstance(other, str) else ""
        derived = self.layout.derived_slots[record.version]
        if derived:
            decided = self.derived[record.version].values(derived, answers, attributes)
            for did, column in derived.items():
                row[column] = _derived(decided[did])
        return row

    def _fixed(self, row: list[Any], record: ResponseRecord) -> None:
        fixed = self.fixed
        started, ended = local_time(record.started_at), local_time(record.ended_at)
        values = {
            "respondent_id": record.response_id,
            "version": record.version + 1,
            "status": STATUS_CODES.get(record.status, UNKNOWN),
            "language": LANGUAGE_CODES.get(
                record.language or self.languages[record.version], UNKNOWN
            ),
            "started_at": started,
            "ended_at": ended,
            "duration_min": _minutes(record.started_at, record.ended_at),
            "weight": self.weight_of(record),
        }
        for name, column in fixed.items():
            row[column] = values[name]

    def _empty(
        self, row: list[Any], plan: _QuestionPlan, reason: int, seen: Seen
    ) -> None:
        kind = plan.kind
        if kind is TEXT:
            if reason == NO_ANSWER:
                self.text_asked[plan.single] += 1  # type: ignore[index]
            return
        if kind is SINGLE:
            row[plan.single] = reason  # type: ignore[index]
            return
        if reason != NO_ANSWER:
            for _, column in plan.rows:
                row[column] = reason
            for _, column, _ in plan.options:
                row[column] = reason
            return
        hidden_rows = seen.hidden_rows.get(plan.qid, NOTHING)
        for row_id, column in plan.rows:
            row[column] = NOT_ASKED if row_id in hidden_rows else reason
        hidden_options = seen.hidden_options.get(plan.qid, NOTHING)
        for code, column, _ in plan.options:
            row[column] = NOT_ASKED if code in hidden_options else reason


def _plan(
    question: CompiledQuestion, slots: Mapping[tuple[str, str | None], int]
) -> _QuestionPlan:
    qid = question.id
    stored = question_type(question).stored
    plan = _QuestionPlan(
        qid,
        question.page_index,
        TEXT
        if stored == "text"
        else MULTIPLE
        if stored == "list"
        else ROWS
        if question.rows
        else SINGLE,
        slots.get((qid, None)),
        coding(question).to_export,
    )
    plan.rows = [
        (r.id, slots[(qid, f"row:{r.id}")])
        for r in question.rows
        if (qid, f"row:{r.id}") in slots
    ]
    if stored == "list":
        plan.options = [
            (o.code, slots[(qid, f"opt:{o.code}")], o.missing is not None)
            for o in question.options
        ]
        plan.missing_kind = {
            o.code: plan.to_export[o.code]
            for o in question.options
            if o.missing is not None
        }
    plan.other = slots.get((qid, "other"))
    plan.other_key = f"{qid}_other"
    return plan


def _rows(
    row: list[Any], plan: _QuestionPlan, value: Any, hidden: frozenset[str]
) -> None:
    given = value if isinstance(value, dict) else {}
    to_export = plan.to_export
    for row_id, column in plan.rows:
        code = given.get(row_id)
        if code is None:
            row[column] = NOT_ASKED if row_id in hidden else NO_ANSWER
        elif code.__class__ is int:
            row[column] = to_export.get(code, code)
        else:
            row[column] = NO_ANSWER


def _multiple(
    row: list[Any], plan: _QuestionPlan, value: Any, hidden: frozenset[int]
) -> None:
    chosen = set(value) if isinstance(value, list) else set()
    missing_kind = plan.missing_kind
    substitute = None
    if chosen and all(c in missing_kind for c in chosen):
        # only "weet niet" (or another missing-kind option) chosen: the
        # substantive options are missing for that reason, not "not chosen"
        substitute = next(
            code for option, code in missing_kind.items() if option in chosen
        )
    for code, column, is_missing_kind in plan.options:
        if code in chosen:
            row[column] = 1
        elif code in hidden:
            row[column] = NOT_ASKED
        elif substitute is not None and not is_missing_kind:
            row[column] = substitute
        else:
            row[column] = 0


_FIXED = frozenset(
    {
        "respondent_id",
        "version",
        "status",
        "language",
        "started_at",
        "ended_at",
        "duration_min",
        "weight",
    }
)


def _derived(value: Any) -> int:
    """A decided value as its export code; undecided (``UNKNOWN``, a range): -5."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return NOT_DERIVABLE


def _attribute(variable: Variable, value: Any) -> Any:
    if variable.kind == "text":
        return value if isinstance(value, str) else ""
    try:
        return variable.categories.index(value) + 1
    except ValueError:
        return UNKNOWN


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """Naive Amsterdam wall-clock time: SPSS, Stata and Excel have no time zones."""
    if value is None:
        return None
    return value.astimezone(AMSTERDAM).replace(tzinfo=None)


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 2)
