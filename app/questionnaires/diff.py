"""What changed between two versions of a questionnaire, question by question.

Analysts decide from this what is comparable between editions, so the output is
precise (exact before/after values) and stable: questions in the order of the
newer version, then removed questions in the order of the older one; within a
question, the kinds of change in a fixed order. Conditions are compared in their
canonical form, so re-spacing a condition is not a routing change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.questionnaires import expressions as ex
from app.questionnaires.compiler import question_options, question_rows
from app.questionnaires.definition import AnyQuestion, Option, Questionnaire

CHANGE_LABELS = {
    "added": "vraag toegevoegd",
    "removed": "vraag verwijderd",
    "moved": "naar andere pagina verplaatst",
    "reworded": "vraagtekst gewijzigd",
    "type_changed": "vraagsoort gewijzigd",
    "routing_changed": "routering gewijzigd",
    "range_changed": "antwoordbereik gewijzigd",
    "option_added": "antwoordoptie toegevoegd",
    "option_removed": "antwoordoptie verwijderd",
    "option_relabelled": "antwoordtekst gewijzigd",
    "option_recoded": "antwoordcode gewijzigd",
    "row_added": "rij toegevoegd",
    "row_removed": "rij verwijderd",
    "row_reworded": "rijtekst gewijzigd",
}
"""Staff pages show these; the CLI report and JSON keep the English keys."""

DETAIL_LABELS = {
    "page": "pagina",
    "before": "was",
    "after": "nu",
    "text": "tekst",
    "code": "code",
    "label": "antwoord",
    "row": "rij",
}


@dataclass(frozen=True)
class Change:
    question: str
    kind: str
    """added, removed, moved, reworded, type_changed, routing_changed, range_changed,
    option_added, option_removed, option_relabelled, option_recoded,
    row_added, row_removed, row_reworded"""
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        """The kind of change in the staff's Dutch."""
        return CHANGE_LABELS.get(self.kind, self.kind)

    @property
    def detail_labelled(self) -> list[tuple[str, object]]:
        return [(DETAIL_LABELS.get(k, k), v) for k, v in self.detail.items()]


@dataclass(frozen=True)
class VersionDiff:
    old: str
    new: str
    changes: tuple[Change, ...]
    unchanged: tuple[str, ...]
    """Questions present in both versions with no change at all."""

    def of_kind(self, kind: str) -> list[str]:
        return [c.question for c in self.changes if c.kind == kind]

    def as_dict(self) -> dict[str, object]:
        return {
            "old": self.old,
            "new": self.new,
            "changes": [
                {"question": c.question, "kind": c.kind, **c.detail}
                for c in self.changes
            ],
            "unchanged": list(self.unchanged),
        }


@dataclass(frozen=True)
class _Placed:
    question: AnyQuestion
    page: str
    routing: str


def _placed(qn: Questionnaire) -> dict[str, _Placed]:
    placed: dict[str, _Placed] = {}
    for block in qn.blocks:
        for page in block.pages:
            for q in page.questions:
                parts = [
                    _canonical(c)
                    for c in (block.relevant, page.relevant, q.relevant)
                    if c
                ]
                placed.setdefault(
                    q.id, _Placed(q, page.id, " and ".join(f"({p})" for p in parts))
                )
    return placed


def _canonical(source: str) -> str:
    try:
        return ex.to_source(ex.parse(source))
    except ex.ExpressionError:
        return " ".join(source.split())


def diff_versions(a: Questionnaire, b: Questionnaire) -> VersionDiff:
    old, new = _placed(a), _placed(b)
    changes: list[Change] = []
    unchanged: list[str] = []
    for qid, after in new.items():
        before = old.get(qid)
        if before is None:
            changes.append(Change(qid, "added", {"page": after.page}))
            continue
        found = _question_changes(qid, before, after, a, b)
        changes.extend(found)
        if not found:
            unchanged.append(qid)
    changes.extend(
        Change(qid, "removed", {"page": before.page})
        for qid, before in old.items()
        if qid not in new
    )
    return VersionDiff(
        f"{a.questionnaire}/{a.version}",
        f"{b.questionnaire}/{b.version}",
        tuple(changes),
        tuple(unchanged),
    )


def _question_changes(
    qid: str, before: _Placed, after: _Placed, a: Questionnaire, b: Questionnaire
) -> list[Change]:
    qa, qb = before.question, after.question
    changes = []
    if before.page != after.page:
        changes.append(
            Change(qid, "moved", {"before": before.page, "after": after.page})
        )
    if qa.text != qb.text:
        changes.append(Change(qid, "reworded", {"before": qa.text, "after": qb.text}))
    if qa.type != qb.type:
        changes.append(
            Change(qid, "type_changed", {"before": qa.type, "after": qb.type})
        )
    if before.routing != after.routing:
        changes.append(
            Change(
                qid,
                "routing_changed",
                {"before": before.routing, "after": after.routing},
            )
        )
    range_a, range_b = _range(qa), _range(qb)
    if range_a != range_b:
        changes.append(
            Change(qid, "range_changed", {"before": range_a, "after": range_b})
        )
    changes += _option_changes(
        qid, question_options(qa, a.scales), question_options(qb, b.scales)
    )
    changes += _row_changes(qid, qa, qb)
    return changes


def _range(q: AnyQuestion) -> str | None:
    low, high = getattr(q, "min", None), getattr(q, "max", None)
    return None if low is None else f"{low}..{high}"


def _option_changes(qid: str, old: list[Option], new: list[Option]) -> list[Change]:
    """Match options by code; a code that vanished while its label reappears under
    another new code is a recode, which breaks comparability silently if missed."""
    by_code_old = {o.code: o for o in old}
    by_code_new = {o.code: o for o in new}
    fresh = {o.label.casefold(): o for o in new if o.code not in by_code_old}
    changes: list[Change] = []
    recoded: set[int] = set()
    for option in old:
        if option.code in by_code_new:
            if by_code_new[option.code].label != option.label:
                detail = {
                    "code": option.code,
                    "before": option.label,
                    "after": by_code_new[option.code].label,
                }
                changes.append(Change(qid, "option_relabelled", detail))
        elif (target := fresh.get(option.label.casefold())) is not None:
            recoded.add(target.code)
            detail = {
                "label": option.label,
                "before": option.code,
                "after": target.code,
            }
            changes.append(Change(qid, "option_recoded", detail))
        else:
            changes.append(
                Change(
                    qid, "option_removed", {"code": option.code, "label": option.label}
                )
            )
    for option in new:
        if option.code not in by_code_old and option.code not in recoded:
            changes.append(
                Change(
                    qid, "option_added", {"code": option.code, "label": option.label}
                )
            )
    return changes


def _row_changes(qid: str, qa: AnyQuestion, qb: AnyQuestion) -> list[Change]:
    old = {r.id: r for r in question_rows(qa)}
    new = {r.id: r for r in question_rows(qb)}
    changes: list[Change] = []
    for row_id, row in old.items():
        if row_id not in new:
            changes.append(
                Change(qid, "row_removed", {"row": row_id, "text": row.text})
            )
        elif new[row_id].text != row.text:
            changes.append(
                Change(
                    qid,
                    "row_reworded",
                    {"row": row_id, "before": row.text, "after": new[row_id].text},
                )
            )
    changes += [
        Change(qid, "row_added", {"row": rid, "text": r.text})
        for rid, r in new.items()
        if rid not in old
    ]
    return changes


_TEMPLATES = {
    "added": "+ {q}: added on page {page}",
    "removed": "- {q}: removed (was on page {page})",
    "moved": "~ {q}: moved from page {before} to page {after}",
    "reworded": "~ {q}: text changed\n    was: {before}\n    now: {after}",
    "type_changed": "~ {q}: type changed from {before} to {after}",
    "routing_changed": "~ {q}: routing changed\n    was: {before}\n    now: {after}",
    "range_changed": "~ {q}: answer range changed from {before} to {after}",
    "option_added": "~ {q}: option {code} ‘{label}’ added",
    "option_removed": "~ {q}: option {code} ‘{label}’ removed",
    "option_relabelled": "~ {q}: option {code} relabelled from ‘{before}’ to ‘{after}’",
    "option_recoded": "~ {q}: option ‘{label}’ recoded from {before} to {after}",
    "row_added": "~ {q}: row {row} ‘{text}’ added",
    "row_removed": "~ {q}: row {row} ‘{text}’ removed",
    "row_reworded": "~ {q}: row {row} reworded\n    was: {before}\n    now: {after}",
}


def render_text(diff: VersionDiff) -> str:
    """The CLI's report: one line (or a was/now pair) per change."""
    lines = [f"{diff.old} → {diff.new}"]
    for change in diff.changes:
        detail = {
            k: "(none)" if v in (None, "") else v for k, v in change.detail.items()
        }
        lines.append(_TEMPLATES[change.kind].format(q=change.question, **detail))
    lines.append(f"{len(diff.unchanged)} question(s) unchanged")
    return "\n".join(lines)
