"""Monitor tables from tallied groups: pure roll-ups, no database.

The database returns a few hundred groups (one per combination of sample
attributes and state); everything on the page is a sum over some of them.
``row_specs`` turns a layout into the rows of a table (headings, details,
subtotals, totals, in report order); the builders fill them with tallies.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.monitoring.layouts import UNKNOWN, Dimension, Layout, Split
from app.monitoring.states import Tally, ratio
from app.samples import catalogue

Filters = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Group:
    values: Mapping[str, str]
    tally: Tally


@dataclass(frozen=True)
class RowSpec:
    label: str
    kind: str
    """heading | detail | subtotal | total"""
    depth: int
    filters: Filters


def sum_groups(groups: Iterable[Group], filters: Filters) -> Tally:
    total = Tally()
    for group in groups:
        if all(group.values.get(key, UNKNOWN) == code for key, code in filters):
            total.add(group.tally)
    return total


def _present(groups: Iterable[Group], key: str, filters: Filters) -> set[str]:
    return {
        g.values.get(key, UNKNOWN)
        for g in groups
        if all(g.values.get(k, UNKNOWN) == c for k, c in filters)
    }


def row_specs(
    dims: Sequence[Dimension],
    groups: Sequence[Group],
    *,
    totals: Sequence[Dimension] = (),
) -> list[RowSpec]:
    specs: list[RowSpec] = []
    _nest(specs, dims, groups, filters=(), depth=0)
    for dim in totals:
        for code in dim.ordered(_present(groups, dim.key, ())):
            label = f"Totaal {dim.label_of(code).lower()}"
            specs.append(RowSpec(label, "subtotal", 0, ((dim.key, code),)))
    specs.append(RowSpec("Totaal", "total", 0, ()))
    return specs


def _nest(
    specs: list[RowSpec],
    dims: Sequence[Dimension],
    groups: Sequence[Group],
    *,
    filters: Filters,
    depth: int,
) -> None:
    dim, rest = dims[0], dims[1:]
    within = filters[-1][1] if filters and dim.parent else None
    for code in dim.ordered(_present(groups, dim.key, filters), within=within):
        inner = (*filters, (dim.key, code))
        label = dim.label_of(code)
        if not rest:
            specs.append(RowSpec(label, "detail", depth, inner))
            continue
        specs.append(RowSpec(label, "heading", depth, inner))
        _nest(specs, rest, groups, filters=inner, depth=depth + 1)
        specs.append(RowSpec(f"Totaal {label.lower()}", "subtotal", depth, inner))


# --- reference counts of an earlier edition ---------------------------------


@dataclass(frozen=True)
class ReferenceRecord:
    tier: str
    function: str
    invited: int | None
    responses: int
    note: str = ""


@dataclass(frozen=True)
class ReferenceFigures:
    invited: int | None
    responses: int
    notes: tuple[str, ...]

    @property
    def rate(self) -> float | None:
        return ratio(self.responses, self.invited)


def _matches(record: ReferenceRecord, filters: Filters) -> bool:
    for key, code in filters:
        if key == "tier":
            value = record.tier
        elif key == "function":
            value = record.function
        elif key == "function_type":
            value = catalogue.function_type_of(record.function) or UNKNOWN
        else:
            return False  # earlier editions are not known by e-mail kind etc.
        if value != code:
            return False
    return True


def reference_for(
    records: Sequence[ReferenceRecord], filters: Filters
) -> ReferenceFigures | None:
    """The earlier edition's figures for a row, at the finest level it has.

    Per tier, function cells are used when the edition has them, else the
    tier's total; a national total counts only when nothing is per tier.
    """
    matched = [r for r in records if _matches(r, filters)]
    by_tier: dict[str, list[ReferenceRecord]] = defaultdict(list)
    for record in matched:
        by_tier[record.tier].append(record)
    chosen: list[ReferenceRecord] = []
    for cells in by_tier.values():
        chosen += [r for r in cells if r.function] or cells
    if any(r.tier for r in chosen):
        chosen = [r for r in chosen if r.tier]
    if not chosen:
        return None
    invited = (
        None
        if any(r.invited is None for r in chosen)
        else sum(r.invited or 0 for r in chosen)
    )
    notes = tuple(sorted({r.note for r in chosen if r.note}))
    return ReferenceFigures(invited, sum(r.responses for r in chosen), notes)


def difference_pp(current: float | None, earlier: float | None) -> float | None:
    if current is None or earlier is None:
        return None
    return (current - earlier) * 100


# --- the tables ---------------------------------------------------------------


@dataclass
class MainRow:
    spec: RowSpec
    tally: Tally
    reference: ReferenceFigures | None = None

    @property
    def difference_pp(self) -> float | None:
        earlier = self.reference.rate if self.reference else None
        return difference_pp(self.tally.response_rate, earlier)


def main_table(
    layout: Layout,
    groups: Sequence[Group],
    reference: Sequence[ReferenceRecord] = (),
) -> list[MainRow]:
    rows = []
    for spec in row_specs(layout.rows, groups, totals=layout.totals):
        tally = sum_groups(groups, spec.filters)
        figures = reference_for(reference, spec.filters) if reference else None
        rows.append(MainRow(spec, tally, figures))
    return rows


@dataclass
class SplitRow:
    spec: RowSpec
    total: Tally
    cells: list[Tally]

    def invited_shares(self) -> list[float | None]:
        return [ratio(c.invited, self.total.invited) for c in self.cells]

    def response_shares(self) -> list[float | None]:
        return [ratio(c.response, self.total.response) for c in self.cells]


@dataclass
class SplitTable:
    split: Split
    codes: list[str]
    labels: list[str]
    rows: list[SplitRow]


def split_table(split: Split, groups: Sequence[Group]) -> SplitTable:
    codes = split.by.ordered(_present(groups, split.by.key, ()))
    rows = []
    for spec in row_specs(split.rows, groups):
        cells = [
            sum_groups(groups, (*spec.filters, (split.by.key, code))) for code in codes
        ]
        rows.append(SplitRow(spec, sum_groups(groups, spec.filters), cells))
    return SplitTable(split, codes, [split.by.label_of(c) for c in codes], rows)


# --- composition: who responded, against who was sampled ---------------------

LOW_RATIO = 0.8
HIGH_RATIO = 1.25
ALPHA = 0.05


@dataclass(frozen=True)
class CompositionRow:
    label: str
    sample: int
    responses: int
    sample_share: float | None
    response_share: float | None
    ratio: float | None
    p_value: float | None
    flag: str
    """'' | 'onder' | 'over'"""


@dataclass
class CompositionTable:
    dimension: Dimension
    rows: list[CompositionRow]
    unknown_sample: int = 0
    unknown_responses: int = 0
    totals: tuple[int, int] = field(default=(0, 0))


def _p_value(r1: int, n1: int, r2: int, n2: int) -> float | None:
    """Two-sided two-proportion z-test: this group's response rate vs the rest."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (r1 + r2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance == 0:
        return None
    z = (r1 / n1 - r2 / n2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def composition_table(dim: Dimension, groups: Sequence[Group]) -> CompositionTable:
    """Shares in the eligible sample and in the response, per known value.

    Eligible sample = invited minus not eligible; response = AAPOR I + P.
    Unknown values (gender is often not in the address file) are left out of
    the shares and reported apart. A group is flagged when its share in the
    response is below 0.8 (or above 1.25) times its share in the sample *and*
    its response rate differs significantly (p < 0.05) from the rest's.
    """
    per_code: dict[str, Tally] = {}
    for code in dim.ordered(_present(groups, dim.key, ())):
        per_code[code] = sum_groups(groups, ((dim.key, code),))
    unknown = per_code.pop(UNKNOWN, Tally())
    sample = {c: t.invited - t.ne for c, t in per_code.items()}
    responses = {c: t.i + t.p for c, t in per_code.items()}
    n_total, r_total = sum(sample.values()), sum(responses.values())
    rows = []
    for code in per_code:
        n, r = sample[code], responses[code]
        sample_share, response_share = ratio(n, n_total), ratio(r, r_total)
        rel = (
            None
            if sample_share is None or response_share is None or not sample_share
            else response_share / sample_share
        )
        p = _p_value(r, n, r_total - r, n_total - n)
        flag = ""
        if rel is not None and p is not None and p < ALPHA:
            flag = "onder" if rel < LOW_RATIO else "over" if rel > HIGH_RATIO else ""
        rows.append(
            CompositionRow(
                dim.label_of(code), n, r, sample_share, response_share, rel, p, flag
            )
        )
    return CompositionTable(
        dim,
        rows,
        unknown.invited - unknown.ne,
        unknown.i + unknown.p,
        (n_total, r_total),
    )
