"""Paradata columns of an export: time per block and the last page reached.

Per block of the selected versions (in questionnaire order, union over
versions) a column ``t_<block>`` with the seconds the respondent spent on the
block's pages they submitted, by the rule of ``app.responses.paradata`` (first
arrival to first submit per page). Missing codes: -1 routing skipped the block,
-2 the respondent stopped before it, -4 the block is not in their version, -6
a page time of the block is unknown or a pause (over 30 minutes). And
``last_page``: the page a partial respondent stopped on (the first page of
their route not submitted), or the last page of a complete respondent's route,
coded in questionnaire order with "page id: title" labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.exports.missing import Missing
from app.exports.variables import Variable
from app.questionnaires.compiler import CompiledQuestionnaire
from app.responses.paradata import usable

NOT_ASKED = int(Missing.NOT_ASKED)
NOT_REACHED = int(Missing.NOT_REACHED)
NOT_IN_VERSION = int(Missing.NOT_IN_VERSION)
UNKNOWN = int(Missing.UNKNOWN)
LAST_PAGE = "last_page"


def _blocks(versions: Sequence[CompiledQuestionnaire]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for cq in versions:
        for block in cq.definition.blocks:
            seen.setdefault(block.id, block.title or block.id)
    return list(seen.items())


def _pages(versions: Sequence[CompiledQuestionnaire]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for cq in versions:
        for page in cq.pages:
            seen.setdefault(page.id, f"{page.id}: {page.model.title or page.id}")
    return list(seen.items())


def block_name(block_id: str) -> str:
    return f"t_{block_id}"


def paradata_variables(versions: Sequence[CompiledQuestionnaire]) -> list[Variable]:
    """The paradata columns for responses to ``versions``."""
    out = [
        Variable(
            block_name(block_id),
            f"Tijd in blok '{title}' (seconden)",
            "paradata",
            "float",
            "scale",
            text=(
                "Som over de verstuurde pagina's van het blok van de tijd van eerste "
                "tonen tot eerste versturen; een pagina boven 30 minuten telt als "
                "pauze (dan onbekend)."
            ),
            missing=(NOT_ASKED, NOT_REACHED, NOT_IN_VERSION, UNKNOWN),
        )
        for block_id, title in _blocks(versions)
    ]
    pages = _pages(versions)
    out.append(
        Variable(
            LAST_PAGE,
            "Laatst bereikte pagina",
            "paradata",
            "coded",
            "nominal",
            text=(
                "Gestopt: de pagina waarop de respondent zou verdergaan. "
                "Afgerond: de laatste pagina van de route."
            ),
            values=tuple((i + 1, label) for i, (_, label) in enumerate(pages)),
            missing=(UNKNOWN,),
        )
    )
    return out


@dataclass(frozen=True)
class _VersionPlan:
    blocks: tuple[tuple[int, tuple[str, ...], int], ...]
    """(column, page ids of the block, index of its first page)."""
    absent: tuple[int, ...]
    """Columns of blocks this version does not have."""
    page_ids: tuple[str, ...]


class ParadataEncoder:
    """Fills the paradata columns of a row; built once per layout."""

    def __init__(
        self, names: Sequence[str], versions: Sequence[CompiledQuestionnaire]
    ) -> None:
        column = {name: i for i, name in enumerate(names)}
        self.last_page = column.get(LAST_PAGE)
        self.codes = {page_id: i + 1 for i, (page_id, _) in enumerate(_pages(versions))}
        all_blocks = [b for b, _ in _blocks(versions)]
        self.plans = []
        for cq in versions:
            own = []
            for block in cq.definition.blocks:
                col = column.get(block_name(block.id))
                if col is None:
                    continue
                ids = tuple(p.id for p in block.pages)
                own.append((col, ids, cq.page_by_id[ids[0]].index))
            present = {b.id for b in cq.definition.blocks}
            absent = tuple(
                column[block_name(b)]
                for b in all_blocks
                if b not in present and block_name(b) in column
            )
            self.plans.append(
                _VersionPlan(tuple(own), absent, tuple(p.id for p in cq.pages))
            )

    @property
    def active(self) -> bool:
        return self.last_page is not None or any(p.blocks for p in self.plans)

    def fill(
        self,
        row: list[Any],
        *,
        version: int,
        complete: bool,
        submitted: Sequence[str],
        stop: float,
        times: dict[str, float | None],
    ) -> None:
        plan = self.plans[version]
        route = set(submitted)
        for column in plan.absent:
            row[column] = NOT_IN_VERSION
        for column, pages, first_index in plan.blocks:
            on_route = [p for p in pages if p in route]
            if not on_route:
                row[column] = NOT_REACHED if first_index >= stop else NOT_ASKED
                continue
            seconds = [times.get(p) for p in on_route]
            if all(usable(s) for s in seconds):
                row[column] = round(sum(s for s in seconds if s is not None), 1)
            else:
                row[column] = UNKNOWN
        if self.last_page is None:
            return
        page_id: str | None = None
        if complete:
            page_id = submitted[-1] if submitted else None
        elif stop < len(plan.page_ids):
            page_id = plan.page_ids[int(stop)]
        row[self.last_page] = self.codes.get(page_id, UNKNOWN) if page_id else UNKNOWN
