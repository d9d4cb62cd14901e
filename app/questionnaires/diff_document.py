"""The difference between two versions as a document for sign-off, in Dutch.

``diff.diff_versions`` gives exact, machine-readable changes; a client signing
off a new edition reads sentences: "Vraag 12: antwoordoptie 4 ‘Fysiek’
toegevoegd". Routing is compared in words too, so the reader sees who is asked
what before and after, and questions are named by their number in the newer
version (or the older one for removed questions).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.diff import Change, diff_versions
from app.questionnaires.document import _numbers, _Words
from app.questionnaires.types import document_type_label

BREAKS_COMPARISON = {"reworded", "type_changed", "range_changed", "option_recoded"}
"""Changes after which an analyst cannot compare the item with the older edition
without a note."""


@dataclass(frozen=True, slots=True)
class ChangeLine:
    kind: str
    before: str | None
    after: str | None
    note: str | None
    breaks_comparison: bool


@dataclass(frozen=True, slots=True)
class QuestionChanges:
    id: str
    label: str
    """"Vraag 12 (q_recent_type)", or "Vervallen vraag 7 (q_x)"."""
    changes: tuple[ChangeLine, ...]


@dataclass(frozen=True, slots=True)
class DiffDocument:
    old: str
    new: str
    title: str
    questions: tuple[QuestionChanges, ...]
    unchanged: int
    comparable: tuple[str, ...]
    """Question labels that can be compared between the versions as they are."""


def build(old: CompiledQuestionnaire, new: CompiledQuestionnaire) -> DiffDocument:
    diff = diff_versions(old.definition, new.definition)
    numbers_old, numbers_new = _numbers(old.definition), _numbers(new.definition)
    words_old = _Words(old.definition, numbers_old)
    words_new = _Words(new.definition, numbers_new)
    grouped: dict[str, list[ChangeLine]] = {}
    for change in diff.changes:
        grouped.setdefault(change.question, []).append(
            _line(change, words_old, words_new)
        )
    questions = tuple(
        QuestionChanges(qid, _label(qid, numbers_old, numbers_new), tuple(lines))
        for qid, lines in grouped.items()
    )
    return DiffDocument(
        old=diff.old,
        new=diff.new,
        title=new.definition.title,
        questions=questions,
        unchanged=len(diff.unchanged),
        comparable=tuple(
            _label(qid, numbers_old, numbers_new) for qid in diff.unchanged
        ),
    )


def _label(qid: str, old: dict[str, int], new: dict[str, int]) -> str:
    if qid in new:
        return f"Vraag {new[qid]} ({qid})"
    if qid in old:
        return f"Vervallen vraag {old[qid]} ({qid})"
    return f"Toelichting {qid}"


def _line(change: Change, words_old: _Words, words_new: _Words) -> ChangeLine:
    d = change.detail
    kind = change.kind_label
    before = after = note = None
    match change.kind:
        case "added":
            note = f"op pagina {d['page']}"
        case "removed":
            note = f"stond op pagina {d['page']}"
        case "routing_changed":
            before = _routing(str(d["before"]), words_old)
            after = _routing(str(d["after"]), words_new)
        case "option_added" | "option_removed":
            note = f"{d['code']} ‘{d['label']}’"
        case "option_recoded":
            note = f"‘{d['label']}’"
            before, after = str(d["before"]), str(d["after"])
        case "option_relabelled":
            note = f"code {d['code']}"
            before, after = str(d["before"]), str(d["after"])
        case "row_added" | "row_removed":
            note = f"{d['row']}: ‘{d['text']}’"
        case "row_reworded":
            note = str(d["row"])
            before, after = str(d["before"]), str(d["after"])
        case "type_changed":
            before = document_type_label(str(d["before"]))
            after = document_type_label(str(d["after"]))
        case _:
            before = None if d.get("before") is None else str(d["before"])
            after = None if d.get("after") is None else str(d["after"])
    return ChangeLine(kind, before, after, note, change.kind in BREAKS_COMPARISON)


def _routing(source: str, words: _Words) -> str:
    if not source:
        return "iedereen"
    try:
        return words.sentence(source)
    except ex.ExpressionError:
        return source
