"""The pure core: an export frame and a table definition in, a ``ReportTable`` out.

Weighted percentages use the export's ``weight`` column; every cell also
carries the unweighted n it rests on. Negative export codes are missing and
never counted (unless the table includes a kind such as "weet niet").

Significance: a two-sided two-proportion z-test (statsmodels'
``proportions_ztest``) on the weighted shares, with Kish's effective sample
size n_eff = (Σw)²/Σw² standing in for n, so unequal weights widen the test as
they widen the sampling variance. One level (95%) for every table, named in
its footnote. A breakdown group is tested against the other groups together;
an edition against the previous edition, whose n is the published base.
Cells below ``min_n`` respondents show the unweighted count and are never
tested; cells below ``min_cell`` respondents are not shown at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportions_ztest

from app.reports.catalog import MISSING_BY_NAME, Catalog, VarInfo
from app.reports.definition import Condition, ReportFile, RowDef, TableDef
from app.reports.model import Cell, Column, Mark, ReportTable, Row
from app.reports.reference import Reference

LEVEL = 0.95
TOTAL = "totaal"


@dataclass(frozen=True)
class Thresholds:
    min_n: int = 50
    """Below this many respondents a cell shows a count, not a percentage, and is not tested."""
    min_cell: int = 5
    """Below this many respondents a cell is suppressed (``Settings.disclosure_k``)."""
    level: float = LEVEL


def thousands(n: int) -> str:
    """Dutch thousands separator: 1076 → "1.076"."""
    return f"{n:,}".replace(",", ".")


def percent_text(level: float) -> str:
    return f"{level * 100:g}%"


# --- conditions ---------------------------------------------------------------------


class Frame:
    """Numeric columns of the export as float arrays, read once per table set."""

    def __init__(self, frame: pd.DataFrame, catalog: Catalog) -> None:
        self.frame = frame
        self.catalog = catalog
        self.length = len(frame)
        self._cache: dict[str, np.ndarray] = {}
        w = (
            frame["weight"].to_numpy(dtype=float)
            if "weight" in frame
            else np.ones(len(frame))
        )
        self.w = np.where(np.isfinite(w), w, 0.0)
        self.w2 = self.w * self.w

    def column(self, name: str) -> np.ndarray:
        found = self._cache.get(name)
        if found is None:
            found = pd.to_numeric(self.frame[name], errors="coerce").to_numpy(
                dtype=float
            )
            found = np.where(np.isnan(found), -6.0, found)
            self._cache[name] = found
        return found

    def info(self, name: str) -> VarInfo:
        return self.catalog.variables[name]

    def valid(self, name: str, include: Sequence[str] = ()) -> np.ndarray:
        x = self.column(name)
        mask = x >= 0
        for kind in include:
            mask |= x == MISSING_BY_NAME[kind]
        return mask

    def holds(self, cond: Condition) -> np.ndarray:
        """True where the condition holds (missing values never hold)."""
        x = self.column(cond.variable)
        if cond.values is not None:
            info = self.info(cond.variable)
            codes = [info.code_of(v) for v in cond.values]
            return np.isin(x, [c for c in codes if c is not None])
        if cond.range is not None:
            return (x >= cond.range[0]) & (x <= cond.range[1])
        if cond.above is not None:
            return x > cond.above
        return x >= 0

    def where(self, conditions: Sequence[Condition]) -> np.ndarray:
        mask = np.ones(self.length, dtype=bool)
        for cond in conditions:
            mask &= self.holds(cond)
        return mask


# --- rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowData:
    key: str
    label: str
    valid: np.ndarray
    hit: np.ndarray


def row_data(data: Frame, table: TableDef) -> list[RowData]:
    include = table.include_missing
    if table.rows:
        return [_indicator(data, row, include) for row in table.rows]
    if table.categories:
        return _categories(data, table)
    assert table.multiple
    return _multiple(data, table, table.multiple[0])


def _indicator(data: Frame, row: RowDef, include: Sequence[str]) -> RowData:
    valid = data.valid(row.variable, include)
    hit = data.holds(row)
    for alternative in row.or_:
        valid = valid | data.valid(alternative.variable, include)
        hit = hit | data.holds(alternative)
    hit = hit & valid
    for extra in row.and_:
        hit &= data.holds(extra)
    return RowData(row.key, row.label, valid, hit)


def _categories(data: Frame, table: TableDef) -> list[RowData]:
    assert table.categories
    info = data.info(table.categories)
    x = data.column(info.name)
    excluded = {c for v in table.exclude if (c := info.code_of(v)) is not None}
    included_missing = [MISSING_BY_NAME[k] for k in table.include_missing]
    valid = ((x >= 0) | np.isin(x, included_missing)) & ~np.isin(x, list(excluded))
    codes = [code for code, _ in info.values if code not in excluded]
    codes += [c for c in included_missing if c in info.missing and c not in excluded]
    return [
        RowData(_code_key(info, code), info.label_of(code), valid, valid & (x == code))
        for code in codes
    ]


def _code_key(info: VarInfo, code: int) -> str:
    for name, value in info.names.items():
        if value == code:
            return name
    for name, value in MISSING_BY_NAME.items():
        if value == code:
            return name
    return str(code)


def _multiple(data: Frame, table: TableDef, question: str) -> list[RowData]:
    """Percentages of respondents who answered the question (not of answers)."""
    info = data.catalog.multiples[question]
    columns = {o.name: data.column(o.column) for o in info.options}
    answered = np.zeros(data.length, dtype=bool)
    for x in columns.values():
        answered |= x >= 0
    excluded_names = {str(v) for v in table.exclude}
    dropped = np.zeros(data.length, dtype=bool)
    kept = []
    for option in info.options:
        x = columns[option.name]
        out = (
            option.name in excluded_names
            or str(option.code) in excluded_names
            or (
                option.missing is not None
                and option.missing not in table.include_missing
            )
            or (option.missing is not None and option.missing in excluded_names)
        )
        if out:
            dropped |= x == 1
        else:
            kept.append(option)
    base = answered & ~dropped
    rows = []
    for option in kept:
        x = columns[option.name]
        valid = base & (x != -1)  # -1: the option was not shown to this respondent
        rows.append(RowData(option.name, option.label, valid, valid & (x == 1)))
    return rows


# --- columns ------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupData:
    breakdown: str
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    index: np.ndarray
    """Group number per respondent; len(keys) = in no group."""


def group_data(data: Frame, report: ReportFile, name: str) -> GroupData:
    spec = report.breakdowns[name]
    info = data.info(spec.variable)
    x = data.column(spec.variable)
    index = np.full(data.length, len(spec.groups), dtype=np.int64)
    for i in reversed(range(len(spec.groups))):
        group = spec.groups[i]
        if group.values is not None:
            codes = [info.code_of(v) for v in group.values]
            member = np.isin(x, [c for c in codes if c is not None])
        else:
            assert group.range is not None
            member = (x >= group.range[0]) & (x <= group.range[1])
        index[member] = i
    return GroupData(
        name,
        tuple(g.key for g in spec.groups),
        tuple(g.label for g in spec.groups),
        index,
    )


@dataclass
class Sums:
    n: np.ndarray
    hits: np.ndarray
    sw: np.ndarray
    swy: np.ndarray
    sw2: np.ndarray

    def share(self, i: int) -> float:
        return float(self.swy[i] / self.sw[i]) if self.sw[i] > 0 else float("nan")

    def neff(self, i: int) -> float:
        return float(self.sw[i] ** 2 / self.sw2[i]) if self.sw2[i] > 0 else 0.0


def _sums(
    data: Frame, row: RowData, base: np.ndarray, index: np.ndarray | None, size: int
) -> Sums:
    sel = base & row.valid
    idx = np.zeros(int(sel.sum()), dtype=np.int64) if index is None else index[sel]
    w = data.w[sel]
    y = row.hit[sel]
    return Sums(
        np.bincount(idx, minlength=size)[:size],
        np.bincount(idx[y], minlength=size)[:size],
        np.bincount(idx, weights=w, minlength=size)[:size],
        np.bincount(idx[y], weights=w[y], minlength=size)[:size],
        np.bincount(idx, weights=data.w2[sel], minlength=size)[:size],
    )


def z_test(p1: float, n1: float, p2: float, n2: float, level: float) -> float | None:
    """p-value of the two-proportion z-test, or None when it cannot be computed."""
    if n1 <= 0 or n2 <= 0 or np.isnan(p1) or np.isnan(p2):
        return None
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    if pooled <= 0 or pooled >= 1:
        return None  # both shares 0% or both 100%: no difference to test
    _, pvalue = proportions_ztest(np.array([p1 * n1, p2 * n2]), np.array([n1, n2]))
    return float(pvalue)


def _mark(p1: float, pvalue: float | None, p2: float, level: float) -> Mark | None:
    if pvalue is None or pvalue >= 1 - level:
        return None
    return "hoger" if p1 > p2 else "lager"


class _Flags:
    def __init__(self) -> None:
        self.small = False
        self.suppressed = False
        self.complementary = False
        self.tested = False
        self.untestable: set[int] = set()


def _cell(
    n: int,
    hits: int,
    share: float,
    t: Thresholds,
    flags: _Flags,
    mark: Mark | None = None,
) -> Cell:
    if n == 0:
        return Cell(None, None, 0)
    if n < t.min_cell:
        flags.suppressed = True
        return Cell(None, None, n, None, True)
    if n < t.min_n:
        flags.small = True
        return Cell(None, hits, n)
    return Cell(round(100 * share, 6), None, n, mark)


# --- the table ----------------------------------------------------------------------


def compute_table(  # noqa: C901 -- columns, rows, tests and notes of one table
    frame: Frame,
    report: ReportFile,
    table: TableDef,
    *,
    reference: Reference | None = None,
    thresholds: Thresholds = Thresholds(),
) -> ReportTable:
    if table.multiple and len(table.multiple) > 1:
        return _series_table(frame, report, table, thresholds)
    t = thresholds
    flags = _Flags()
    base = frame.where(report.bases[table.base].where)
    rows = row_data(frame, table)
    groups = [group_data(frame, report, name) for name in table.breakdowns]
    edition = report.edition
    ref_table = table.reference_table or table.id
    test = table.test_kind

    # column layout: (key, label, breakdown, group index or None)
    layout: list[tuple[str, str, str | None, GroupData | None, int | None]] = []
    if table.total:
        layout.append((TOTAL, "Totaal", None, None, None))
    for group in groups:
        for index, (key, label) in enumerate(
            zip(group.keys, group.labels, strict=True)
        ):
            layout.append((key, label, group.breakdown, group, index))

    any_valid = np.zeros(frame.length, dtype=bool)
    for row in rows:
        any_valid |= row.valid
    counted = base & any_valid
    n_total = int(counted.sum())

    columns: list[Column] = []
    previous = table.editions[-1] if table.editions else None
    for year in table.editions:
        for key, label, breakdown, _, _ in layout:
            ns = {
                v.n
                for r in rows
                if (
                    v := reference.get(ref_table, r.key, key, year)
                    if reference
                    else None
                )
                is not None
            }
            columns.append(
                Column(
                    f"{key}_{year}",
                    _edition_label(label, key, year),
                    breakdown,
                    year,
                    ns.pop() if len(ns) == 1 else None,
                )
            )
    for key, label, breakdown, g, i in layout:
        mask = counted if g is None else counted & (g.index == i)
        columns.append(
            Column(
                f"{key}_{edition}" if table.editions else key,
                _edition_label(label, key, edition) if table.editions else label,
                breakdown,
                edition if table.editions else None,
                int(mask.sum()),
            )
        )

    out_rows: list[Row] = []
    for row in rows:
        cells: list[Cell] = []
        for year in table.editions:
            for key, *_ in layout:
                value = (
                    reference.get(ref_table, row.key, key, year) if reference else None
                )
                cells.append(
                    Cell(value.percent, None, value.n or 0)
                    if value is not None
                    else Cell(None, None, 0)
                )
        total = _sums(frame, row, base, None, 1)
        by_group = {
            g.breakdown: _sums(frame, row, base, g.index, len(g.keys)) for g in groups
        }
        for key, _, _breakdown, g, i in layout:
            sums, j = (total, 0) if g is None else (by_group[g.breakdown], i)
            assert j is not None
            n, share = int(sums.n[j]), sums.share(j)
            mark: Mark | None = None
            if n >= t.min_n:
                if test == "groups" and g is not None:
                    mark = _group_mark(sums, j, t, flags)
                elif (
                    test == "editions"
                    and previous is not None
                    and reference is not None
                ):
                    prior = reference.get(ref_table, row.key, key, previous)
                    if prior is not None and prior.n:
                        flags.tested = True
                        pvalue = z_test(
                            share, sums.neff(j), prior.percent / 100, prior.n, t.level
                        )
                        mark = _mark(share, pvalue, prior.percent / 100, t.level)
                    elif prior is not None:
                        flags.untestable.add(previous)
            cells.append(_cell(n, int(sums.hits[j]), share, t, flags, mark))
        offset = len(table.editions) * len(layout)
        for g in groups:
            positions = [offset + k for k, entry in enumerate(layout) if entry[3] is g]
            _complement(cells, positions, flags)
        out_rows.append(Row(row.key, row.label, tuple(cells)))

    base_spec = report.bases[table.base]
    note = f", {table.base_note}" if table.base_note else ""
    year_note = f", {edition}" if table.editions else ""
    return ReportTable(
        id=table.id,
        number=table.number,
        title=table.title,
        base_label=f"Basis: {base_spec.label}{note} (n={thousands(n_total)}{year_note})",
        chart=table.chart,
        columns=tuple(columns),
        rows=tuple(out_rows),
        footnotes=_footnotes(table, flags, t, previous, reference),
        n_total=n_total,
    )


def _complement(cells: list[Cell], positions: list[int], flags: _Flags) -> None:
    """Secondary suppression: with one group of a breakdown hidden, the others and
    the total would give it away; hide the smallest other shown group as well."""
    hidden = [k for k in positions if cells[k].suppressed]
    shown = [k for k in positions if not cells[k].suppressed and cells[k].n > 0]
    if len(hidden) == 1 and shown:
        k = min(shown, key=lambda k: (cells[k].n, k))
        cells[k] = Cell(None, None, cells[k].n, None, True)
        flags.complementary = True


def _edition_label(label: str, key: str, year: int) -> str:
    return str(year) if key == TOTAL else f"{label} {year}"


def _group_mark(sums: Sums, j: int, t: Thresholds, flags: _Flags) -> Mark | None:
    others = [k for k in range(len(sums.n)) if k != j]
    n_rest = int(sums.n[others].sum())
    if n_rest < t.min_n:
        return None
    sw, swy, sw2 = sums.sw[others].sum(), sums.swy[others].sum(), sums.sw2[others].sum()
    if sw <= 0 or sw2 <= 0:
        return None
    flags.tested = True
    p1, p2 = sums.share(j), float(swy / sw)
    pvalue = z_test(p1, sums.neff(j), p2, float(sw * sw / sw2), t.level)
    return _mark(p1, pvalue, p2, t.level)


def _footnotes(
    table: TableDef,
    flags: _Flags,
    t: Thresholds,
    previous: int | None,
    reference: Reference | None,
) -> tuple[str, ...]:
    notes: list[str] = list(table.footnotes)
    if table.multiple:
        notes.append(
            "Meerdere antwoorden mogelijk: percentages van respondenten, die samen meer dan 100% kunnen zijn."
        )
    level = percent_text(t.level)
    test = table.test_kind
    method = (
        "tweezijdige z-toets voor twee proporties op gewogen percentages, met de "
        "effectieve steekproefomvang (Kish) voor de weging"
    )
    if test == "groups" and table.breakdowns:
        notes.append(
            f"Hoger/lager: significant verschil met de andere groepen samen ({method}; betrouwbaarheid {level})."
        )
    elif test == "editions" and previous is not None:
        notes.append(
            f"Hoger/lager: significant verschil met {previous} ({method}; voor {previous} de gepubliceerde basis; betrouwbaarheid {level})."
        )
    else:
        notes.append(
            f"Verschillen zijn niet getoetst (betrouwbaarheid van de toetsen: {level})."
        )
    if flags.untestable:
        years = ", ".join(str(y) for y in sorted(flags.untestable))
        notes.append(
            f"Voor {years} is geen basis gepubliceerd: daarmee is niet getoetst."
        )
    if flags.small:
        notes.append(
            f"Minder dan {t.min_n} respondenten: ongewogen aantal in plaats van een percentage, niet getoetst."
        )
    if flags.suppressed:
        notes.append(
            f"Niet getoond: cellen met minder dan {t.min_cell} respondenten, omdat die tot personen herleidbaar kunnen zijn."
            + (
                " Daarom is ook de kleinste andere groep van die uitsplitsing niet getoond, zodat de cel niet uit het totaal is af te leiden."
                if flags.complementary
                else ""
            )
        )
    if table.editions and reference is not None:
        years = ", ".join(str(y) for y in table.editions)
        notes.append(
            f"{years}: gepubliceerde cijfers van eerdere edities (ongewogen n alleen waar gepubliceerd)."
        )
    return tuple(notes)


def _series_table(
    frame: Frame, report: ReportFile, table: TableDef, t: Thresholds
) -> ReportTable:
    """Several multiple-response questions side by side (e.g. discussed / reported)."""
    assert table.multiple
    flags = _Flags()
    base = frame.where(report.bases[table.base].where)
    per_question = [
        {r.key: r for r in _multiple(frame, table, q)} for q in table.multiple
    ]
    keys: list[str] = []
    labels: dict[str, str] = {}
    for rows in per_question:
        for key, row in rows.items():
            if key not in labels:
                keys.append(key)
                labels[key] = row.label
    columns = []
    counted_all = np.zeros(frame.length, dtype=bool)
    for q, label, rows in zip(
        table.multiple, table.series_labels, per_question, strict=True
    ):
        answered = np.zeros(frame.length, dtype=bool)
        for row in rows.values():
            answered |= row.valid
        counted_all |= base & answered
        columns.append(Column(q, label, None, None, int((base & answered).sum())))
    out_rows = []
    for key in keys:
        cells = []
        for rows in per_question:
            found = rows.get(key)
            if found is None:
                cells.append(Cell(None, None, 0))
                continue
            sums = _sums(frame, found, base, None, 1)
            cells.append(
                _cell(int(sums.n[0]), int(sums.hits[0]), sums.share(0), t, flags)
            )
        out_rows.append(Row(key, labels[key], tuple(cells)))
    n_total = int(counted_all.sum())
    base_spec = report.bases[table.base]
    note = f", {table.base_note}" if table.base_note else ""
    return ReportTable(
        id=table.id,
        number=table.number,
        title=table.title,
        base_label=f"Basis: {base_spec.label}{note} (n={thousands(n_total)})",
        chart=table.chart,
        columns=tuple(columns),
        rows=tuple(out_rows),
        footnotes=_footnotes(table, flags, t, None, None),
        n_total=n_total,
    )


def compute_tables(
    frame: pd.DataFrame,
    report: ReportFile,
    catalog: Catalog,
    *,
    reference: Reference | None = None,
    thresholds: Thresholds = Thresholds(),
) -> list[ReportTable]:
    data = Frame(frame, catalog)
    return [
        compute_table(data, report, table, reference=reference, thresholds=thresholds)
        for table in report.tables
    ]
