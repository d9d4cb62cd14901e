"""The factsheet per tier (gemeente, provincie, waterschap), in the layout of seed 001.

``build_factsheet`` is pure: the computed tables of one tier (forms over editions,
severity over editions, the tiers compared, ways of expression, effects) in, a
view model with its sentences out. The sentences' words come from
:mod:`app.reports.wording` (quantifier rule, comparison sentence) and the
meer/minder/evenveel decisions from :func:`app.reports.comparison.compare_share`
against each reference edition's published percentage and base — never from the
raw difference. The texts around them live in ``templates/reports/factsheet.html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.reports.comparison import compare_share
from app.reports.model import Cell, ReportTable, Row
from app.reports.views import ShownTable, pivot_editions, present
from app.reports.wording import (
    Comparison,
    Word,
    capitalize_first,
    headline_count_sentence,
    headline_sentence,
    quantifier,
    whole_percent,
)


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    """The tier's code in the sample and export (gemeente, provincie, waterschap)."""
    plural: str
    """"provincies"."""
    title: str
    """"Provincies"."""


TIERS: dict[str, Tier] = {
    "gemeente": Tier("gemeente", "gemeenten", "Gemeenten"),
    "provincie": Tier("provincie", "provincies", "Provincies"),
    "waterschap": Tier("waterschap", "waterschappen", "Waterschappen"),
}


@dataclass(frozen=True)
class FactsheetSpec:
    """Which computed table and row plays which part in the factsheet.

    Table ids are those of the report definitions (``{tier}`` is filled in:
    ``factsheet_provincie_vormen``); those tables are restricted to the tier,
    except ``tiers``, which holds every tier across the editions.
    """

    forms: str = "factsheet_{tier}_vormen"
    """Rows = total and the forms of aggression, columns = editions."""
    total_row: str = "victim"
    severity: str = "factsheet_{tier}_ernst"
    """Rows = less and more serious (share of everyone), columns = editions."""
    serious_row: str = "ernstig"
    tiers: str = "factsheet_bestuurslagen"
    """Tiers × editions (pivoted by :func:`app.reports.views.pivot_editions`)."""
    ways: str = "factsheet_{tier}_uiting"
    reporting: str = "factsheet_{tier}_melden"
    effects: str = "factsheet_{tier}_effecten"
    reference_editions: int = 2
    """The headline compares with this many editions before the current one."""
    minor_below: float = 10.0
    """Forms below this share "komen weinig voor"."""

    def table_id(self, name: str, tier: str) -> str:
        return str(getattr(self, name)).format(tier=tier)


@dataclass(frozen=True)
class Figure:
    number: str
    title: str
    shown: ShownTable


@dataclass(frozen=True)
class Factsheet:
    tier: Tier
    edition: int
    population: str
    heading: str
    headline: str
    forms_sentence: str
    severity_sentence: str
    tiers_sentence: str
    ways_sentence: str
    reporting_sentence: str
    effects_sentence: str
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """E.g. which earlier editions could not be tested (no published base)."""


class FactsheetDataMissing(LookupError):
    """A table or row the factsheet needs was not computed."""


def _column_index(table: ReportTable, edition: int) -> int:
    """The column of ``edition``; in a table without editions, its first column."""
    for i, column in enumerate(table.columns):
        if column.edition == edition:
            return i
    if table.columns and all(c.edition is None for c in table.columns):
        return 0
    raise FactsheetDataMissing(f"{table.id}: no column for edition {edition}")


def _row(table: ReportTable, key: str) -> Row:
    for row in table.rows:
        if row.key == key:
            return row
    raise FactsheetDataMissing(f"{table.id}: no row {key!r}")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _pct(cell: Cell) -> str:
    return f"{whole_percent(cell.percent or 0.0)}%"


def compare_with_editions(
    table: ReportTable,
    row_key: str,
    *,
    edition: int,
    count: int,
    n_effective: float | None = None,
) -> tuple[list[Comparison], list[int]]:
    """The current share of ``row_key`` against the ``count`` editions before it.

    Uses each edition's printed percentage and base (the cell's ``n``). Returns the
    comparisons and the editions that could not be tested: printed without a
    base, so no test and no comparison word.
    """
    row = _row(table, row_key)
    current = row.cells[_column_index(table, edition)]
    if current.percent is None:
        return [], []
    earlier = sorted(
        (c.edition, i)
        for i, c in enumerate(table.columns)
        if c.edition is not None and c.edition < edition
    )
    comparisons: list[Comparison] = []
    untested: list[int] = []
    for ref_edition, index in earlier[-count:] if count else []:
        ref = row.cells[index]
        if ref.percent is None:
            continue
        if ref.n <= 0:
            untested.append(ref_edition)
            continue
        word = compare_share(
            current.percent, n_effective or current.n, ref.percent, ref.n
        )
        comparisons.append(Comparison(ref_edition, word))
    return comparisons, untested


def _tiers_sentence(
    table: ReportTable,
    *,
    tier: Tier,
    edition: int,
    outcome: str,
    n_effective: Mapping[str, float],
) -> str:
    try:
        index = _column_index(table, edition)
        focal = _row(table, tier.key).cells[index]
    except FactsheetDataMissing:
        return ""
    if focal.percent is None:
        return ""
    words: list[tuple[Word, str]] = []
    for key, other in TIERS.items():
        if key == tier.key:
            continue
        try:
            cell = _row(table, key).cells[index]
        except FactsheetDataMissing:
            continue
        if cell.percent is None:
            continue
        word = compare_share(
            focal.percent,
            n_effective.get(tier.key, focal.n),
            cell.percent,
            n_effective.get(key, cell.n),
        )
        words.append((word, other.plural))
    if not words:
        return ""
    order = ("evenveel", "meer", "minder")
    clauses: list[tuple[Word, list[str]]] = []
    for word, name in sorted(words, key=lambda w: order.index(w[0])):
        if clauses and clauses[-1][0] == word:
            clauses[-1][1].append(name)
        else:
            clauses.append((word, [name]))
    link = {"meer": "dan", "minder": "dan", "evenveel": "als"}
    first_word, first_names = clauses[0]
    text = (
        f"In {edition} kregen politieke ambtsdragers van {tier.plural} {first_word} "
        f"te maken met {outcome} {link[first_word]} die van {' en '.join(first_names)}"
    )
    for word, names in clauses[1:]:
        text += f", maar {word} {link[word]} die van {' en '.join(names)}"
    return text + " (Figuur 3)."


def _table(
    tables: Mapping[str, ReportTable], spec: FactsheetSpec, name: str, tier: str
) -> ReportTable | None:
    return tables.get(spec.table_id(name, tier))


def build_factsheet(
    tables: Mapping[str, ReportTable],
    *,
    tier: str,
    edition: int,
    spec: FactsheetSpec | None = None,
    n_effective: Mapping[str, float] | None = None,
) -> Factsheet:
    """The factsheet of ``tier`` from the computed tables (see ``FactsheetSpec``).

    ``n_effective`` (per tier: Kish's effective n of the current share of victims)
    makes the tests account for the weights, as the report tables' tests do;
    without it the unweighted n is used.
    """
    spec = spec or FactsheetSpec()
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose one of {', '.join(TIERS)}")
    t = TIERS[tier]
    n_eff = dict(n_effective or {})
    forms = _table(tables, spec, "forms", tier)
    severity = _table(tables, spec, "severity", tier)
    trend = _table(tables, spec, "tiers", tier)
    for name, found in (("forms", forms), ("severity", severity), ("tiers", trend)):
        if found is None:
            raise FactsheetDataMissing(
                f"table {spec.table_id(name, tier)} was not computed"
            )
    assert forms is not None and severity is not None and trend is not None
    trend = pivot_editions(trend)
    population = f"de politieke ambtsdragers in {t.plural}"
    outcome = "agressie en/of intimidatie"

    total = _row(trend, t.key).cells[_column_index(trend, edition)]
    comparisons: list[Comparison] = []
    untested: list[int] = []
    if total.percent is not None:
        comparisons, untested = compare_with_editions(
            trend,
            t.key,
            edition=edition,
            count=spec.reference_editions,
            n_effective=n_eff.get(t.key),
        )
        headline = headline_sentence(
            edition=edition,
            percent=total.percent,
            population=population,
            outcome=f"te maken met {outcome}",
            comparisons=comparisons,
        )
        heading = (
            f"{capitalize_first(quantifier(total.percent))} politieke ambtsdragers "
            f"{t.plural} kreeg te maken met agressie"
        )
    elif total.count is not None:
        headline = headline_count_sentence(
            edition=edition,
            count=total.count,
            n=total.n,
            population=population.removeprefix("de "),
            outcome=f"te maken met {outcome}",
        )
        heading = f"Agressie tegen politieke ambtsdragers van {t.plural}"
    else:
        raise FactsheetDataMissing(
            f"{trend.id}: no figure for {t.plural} in {edition} (suppressed or empty)"
        )
    notes: list[str] = []
    if untested:
        years = " en ".join(str(y) for y in untested)
        notes.append(
            f"Met {years} is niet vergeleken: voor dat jaar is geen basis (n) "
            "gepubliceerd, dus kan niet worden getoetst of het verschil significant is."
        )

    figures: dict[str, Figure] = {
        "vormen": Figure(
            "Figuur 1",
            f"Ervaringen politieke ambtsdragers {t.plural} met verschillende vormen "
            "van agressie en intimidatie. Uitgesplitst naar jaar.",
            present(forms),
        ),
        "ernst": Figure(
            "Figuur 2",
            f"Ernst recentste incident van politieke ambtsdragers {t.plural}, "
            "beoordeeld op schaal van 1-7. Uitgesplitst naar jaar.",
            present(severity),
        ),
        "bestuurslagen": Figure(
            "Figuur 3",
            "Ervaring met agressie en intimidatie. Uitgesplitst naar bestuurslaag en jaar.",
            present(trend),
        ),
    }
    ways = _table(tables, spec, "ways", tier)
    reporting = _table(tables, spec, "reporting", tier)
    effects = _table(tables, spec, "effects", tier)
    if ways is not None:
        figures["wijze"] = Figure(
            "Figuur 4",
            "Meest voorkomende wijze(n) waarop agressie werd geuit tegen politieke "
            f"ambtsdragers van {t.plural}. Meerdere antwoorden mogelijk.",
            present(ways),
        )
    if reporting is not None:
        figures["melden"] = Figure(
            "Figuur 5",
            f"% politieke ambtsdragers van {t.plural} dat het incident intern heeft "
            "besproken, intern heeft gemeld en/of extern heeft gemeld.",
            present(reporting),
        )
    if effects is not None:
        figures["gevolgen"] = Figure(
            "Figuur 6",
            "Welke effecten of gevolgen hebben agressie en intimidatie voor u? "
            "Meerdere antwoorden mogelijk.",
            present(effects),
        )
    return Factsheet(
        tier=t,
        edition=edition,
        population=population,
        heading=heading,
        headline=headline,
        forms_sentence=_forms_sentence(forms, spec, t, edition),
        severity_sentence=_severity_sentence(severity, spec, t, edition),
        tiers_sentence=_tiers_sentence(
            trend, tier=t, edition=edition, outcome=outcome, n_effective=n_eff
        ),
        ways_sentence=_top_sentence(
            ways,
            "De meest genoemde wijze waarop agressie tegen politieke ambtsdragers "
            f"van {t.plural} werd geuit",
        ),
        reporting_sentence=_reporting_sentence(reporting, t),
        effects_sentence=_top_sentence(
            effects, "Het meest genoemde gevolg van agressie en intimidatie"
        ),
        figures=figures,
        notes=tuple(notes),
    )


def _forms_sentence(
    forms: ReportTable, spec: FactsheetSpec, t: Tier, edition: int
) -> str:
    index = _column_index(forms, edition)
    shown = [
        (row, row.cells[index])
        for row in forms.rows
        if row.key != spec.total_row and row.cells[index].percent is not None
    ]
    shown.sort(key=lambda rc: -(rc[1].percent or 0.0))
    major = [rc for rc in shown if (rc[1].percent or 0) >= spec.minor_below]
    minor = [rc for rc in shown if (rc[1].percent or 0) < spec.minor_below]
    parts: list[str] = []
    if major:
        listed = [f"{_lower_first(r.label)} ({_pct(c)})" for r, c in major]
        joined = (
            listed[0]
            if len(listed) == 1
            else ", ".join(listed[:-1]) + " en " + listed[-1]
        )
        parts.append(
            f"Politieke ambtsdragers van {t.plural} ervaren met name {joined}."
        )
    if minor:
        names = [_lower_first(r.label) for r, _ in minor]
        verb = "komt" if len(names) == 1 else "komen"
        parts.append(f"{capitalize_first(' en '.join(names))} {verb} weinig voor.")
    if not parts:
        return ""
    return " ".join(parts)[:-1] + " (Figuur 1)."


def _severity_sentence(
    severity: ReportTable, spec: FactsheetSpec, t: Tier, edition: int
) -> str:
    serious = _row(severity, spec.serious_row).cells[_column_index(severity, edition)]
    if serious.percent is None:
        return ""
    return (
        f"Van alle politieke ambtsdragers van {t.plural} maakte "
        f"{quantifier(serious.percent)} ({_pct(serious)}) in {edition} een "
        "incident mee dat zij als (zeer) ernstig beschouwen (Figuur 2)."
    )


def _reporting_sentence(table: ReportTable | None, t: Tier) -> str:
    """ "Van de … die te maken kregen met agressie, besprak bijna de helft (46%) het
    incident intern; …" for each row with a percentage."""
    if table is None:
        return ""
    parts = [
        f"{_lower_first(row.label)}: {quantifier(row.cells[0].percent)} "
        f"({whole_percent(row.cells[0].percent)}%)"
        for row in table.rows
        if row.cells and row.cells[0].percent is not None
    ]
    if not parts:
        return ""
    return (
        f"Van de politieke ambtsdragers van {t.plural} die te maken kregen met "
        f"agressie: {'; '.join(parts)} (Figuur 5)."
    )


def _top_sentence(table: ReportTable | None, lead: str) -> str:
    """ "<lead> is <label> (p%)." for the row with the largest share in the first column."""
    if table is None:
        return ""
    candidates: Sequence[tuple[str, float]] = [
        (row.label, row.cells[0].percent)
        for row in table.rows
        if row.cells
        and row.cells[0].percent is not None
        and not row.key.startswith(("geen", "none", "weet_niet"))
    ]
    if not candidates:
        return ""
    label, percent = max(candidates, key=lambda lp: lp[1])
    return f"{lead} is: {_lower_first(label)} ({whole_percent(percent)}%)."
