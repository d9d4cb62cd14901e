"""Export columns for rotated questions: the order each respondent was shown.

For every question that rotates its options or statements in any selected
version, a text column ``<question>_order`` holds the codes (options) or
statement ids (grid rows) in the order this respondent saw them, space
separated, e.g. ``"3 1 4 2 98"``. The order is recomputed with the function
the respondent pages used (``app.questionnaires.rotation``, seeded by the
invitation), so nothing is stored on the respondent's path and the column
equals what the browser showed. Options hidden by routing are included in
their rotated place: the column describes the list, routing the visibility.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.exports.variables import Variable
from app.questionnaires import rotation
from app.questionnaires.compiler import CompiledQuestionnaire


def order_name(question_id: str) -> str:
    return f"{question_id}_order"


def _rotated(versions: Sequence[CompiledQuestionnaire]) -> dict[str, str]:
    found: dict[str, str] = {}
    for cq in versions:
        for q in cq.questions.values():
            if rotation.rotates_options(q.model):
                found.setdefault(q.id, "antwoordcodes")
            elif rotation.rotates_rows(q.model):
                found.setdefault(q.id, "stellingen")
    return found


def rotation_variables(versions: Sequence[CompiledQuestionnaire]) -> list[Variable]:
    return [
        Variable(
            order_name(qid),
            f"Getoonde volgorde {qid} ({what})",
            "paradata",
            "text",
            "nominal",
            question=qid,
            text=(
                f"De {what} van {qid} in de volgorde waarin deze respondent ze zag "
                "(willekeurig per respondent, vaste plaats voor 'anders', 'weet "
                "niet', 'wil ik niet zeggen'); leeg als de vraag in de versie van "
                "de respondent niet roteert."
            ),
        )
        for qid, what in _rotated(versions).items()
    ]


class RotationEncoder:
    """Fills the ``_order`` columns of a row; built once per layout."""

    def __init__(
        self, names: Sequence[str], versions: Sequence[CompiledQuestionnaire]
    ) -> None:
        column = {name: i for i, name in enumerate(names)}
        self.plans: list[list[tuple[int, Any]]] = []
        for cq in versions:
            plan = []
            for q in cq.questions.values():
                col = column.get(order_name(q.id))
                if col is not None and (
                    rotation.rotates_options(q.model) or rotation.rotates_rows(q.model)
                ):
                    plan.append((col, q))
            self.plans.append(plan)

    @property
    def active(self) -> bool:
        return any(self.plans)

    def fill(self, row: list[Any], *, version: int, invitation_id: int | None) -> None:
        if invitation_id is None:
            return
        for column, q in self.plans[version]:
            if rotation.rotates_options(q.model):
                items = [
                    str(o.code)
                    for o in rotation.options_in_order(
                        q.model, q.options, invitation_id
                    )
                ]
            else:
                items = [
                    r.id for r in rotation.rows_in_order(q.model, q.rows, invitation_id)
                ]
            row[column] = " ".join(items)
