"""Which versions of an item may share one export variable, decided by the version diff.

Responses to several versions of a questionnaire are exported together where an
item is the same, and kept apart where ``app.questionnaires.diff`` reports a
change that alters what the answers mean: other wording, answer options, range,
type or routing (who was asked). A moved question stays one variable (with a
note); a reworded grid row splits only that row. Nothing is merged silently:
every split and every merge across versions is written into the codebook.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from app.questionnaires import expressions as ex
from app.questionnaires.definition import Derived, Questionnaire
from app.questionnaires.diff import Change, VersionDiff, diff_versions

SPLITTING = frozenset(
    {
        "reworded",
        "type_changed",
        "routing_changed",
        "range_changed",
        "option_added",
        "option_removed",
        "option_relabelled",
        "option_recoded",
    }
)
"""Question-level changes after which answers are not comparable."""

KIND_WORDS = {
    "reworded": "vraagtekst gewijzigd",
    "type_changed": "vraagtype gewijzigd",
    "routing_changed": "routing gewijzigd (andere groep gevraagd)",
    "range_changed": "antwoordbereik gewijzigd",
    "option_added": "antwoordoptie toegevoegd",
    "option_removed": "antwoordoptie verwijderd",
    "option_relabelled": "antwoordoptie anders geformuleerd",
    "option_recoded": "antwoordoptie andere code",
    "row_reworded": "stelling anders geformuleerd",
    "moved": "naar een andere pagina verplaatst",
}


@dataclass(frozen=True)
class Group:
    """Consecutive versions (indexes into the selected versions) sharing a variable."""

    versions: tuple[int, ...]
    reasons: tuple[str, ...] = ()
    """Why this group starts a new variable (empty for the first group)."""


class Differ:
    """Version diffs between pairs of selected versions, computed once per pair."""

    def __init__(self, definitions: Sequence[Questionnaire]) -> None:
        self.definitions = tuple(definitions)
        self._diff = cache(self._compute)

    def _compute(self, a: int, b: int) -> VersionDiff:
        return diff_versions(self.definitions[a], self.definitions[b])

    def changes(self, a: int, b: int, question: str) -> list[Change]:
        return [c for c in self._diff(a, b).changes if c.question == question]


def group_versions(
    differ: Differ, question: str, present: Sequence[int], row: str | None = None
) -> list[Group]:
    """Split the versions holding an item (``row``: a grid row or number item) into groups.

    Consecutive holders are compared directly, so a version without the item in
    between does not hide a change.
    """
    if not present:
        return []
    groups: list[list[int]] = [[present[0]]]
    reasons: list[tuple[str, ...]] = [()]
    for before, after in itertools.pairwise(present):
        found = _splitting(differ.changes(before, after, question), row)
        if found:
            groups.append([after])
            reasons.append(found)
        else:
            groups[-1].append(after)
    return [Group(tuple(g), r) for g, r in zip(groups, reasons, strict=True)]


def _splitting(changes: list[Change], row: str | None) -> tuple[str, ...]:
    kinds = [c.kind for c in changes if c.kind in SPLITTING]
    if row is not None:
        kinds += [
            c.kind
            for c in changes
            if c.kind == "row_reworded" and c.detail.get("row") == row
        ]
    return tuple(dict.fromkeys(kinds))


def moves(differ: Differ, question: str, present: Sequence[int]) -> list[Change]:
    return [
        c
        for before, after in itertools.pairwise(present)
        for c in differ.changes(before, after, question)
        if c.kind == "moved"
    ]


def group_derived(definitions: Sequence[Questionnaire], derived_id: str) -> list[Group]:
    """Derived values stay one variable while label and expression stay the same."""
    present = [
        i
        for i, qn in enumerate(definitions)
        if any(d.id == derived_id for d in qn.derived)
    ]
    groups: list[Group] = []
    previous: tuple[str, str] | None = None
    for index in present:
        derived = next(d for d in definitions[index].derived if d.id == derived_id)
        key = _derived_key(derived)
        if previous is None or key == previous:
            if groups:
                groups[-1] = Group((*groups[-1].versions, index), groups[-1].reasons)
            else:
                groups.append(Group((index,)))
        else:
            groups.append(Group((index,), ("definitie gewijzigd",)))
        previous = key
    return groups


def _derived_key(derived: Derived) -> tuple[str, str]:
    try:
        expr = ex.to_source(ex.parse(derived.expr))
    except ex.ExpressionError:
        expr = " ".join(derived.expr.split())
    return derived.label, expr


def describe_reasons(reasons: Sequence[str]) -> str:
    return ", ".join(KIND_WORDS.get(r, r) for r in reasons)
