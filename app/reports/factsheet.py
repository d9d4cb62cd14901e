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
from app.reports.model import Cell, ReportTable
from app.reports.views import ShownTable, present
from app.reports.wording import (
    Comparison,
    Word,
    capitalize_first,
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

    Table ids are those of the report definitions; the tables given to
    ``build_factsheet`` are already restricted to the tier, except ``tiers``.
    """

    forms: str = "factsheet_vormen"
    """Trend: rows = total and the forms of aggression, columns = editions."""
    total_row: str = "totaal"
    severity: str = "factsheet_ernst"
    """Trend: rows = less and more serious (share of everyone), columns = editions."""
    serious_row: str = "ernstig"
    tiers: str = "factsheet_bestuurslagen"
    """Rows = tiers (their codes as keys), columns = editions."""
    ways: str | None = "factsheet_wijze"
    effects: str | None = "factsheet_gevolgen"
    reference_editions: int = 2
    """The headline compares with this many editions before the current one."""
    minor_below: float = 10.0
    """Forms below this share "komen weinig voor"."""


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
    effects_sentence: str
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class FactsheetDataMissing(LookupError):
    """A table or row the factsheet needs was not computed."""


def _column_index(table: ReportTable, edition: int) -> int:
    for i, column in enumerate(table.columns):
        if column.edition == edition:
            return i
    raise FactsheetDataMissing(f"{table.id}: no column for edition {edition}")


def _row(table: ReportTable, key: str):
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
) -> list[Comparison]:
    """The current share of ``row_key`` against up to ``count`` earlier editions.

    Uses each edition's printed percentage and base (the cell's ``n``); an
    edition without a percentage (a small cell, not asked) is skipped.
    """
    row = _row(table, row_key)
    current = row.cells[_column_index(table, edition)]
    if current.percent is None:
        return []
    earlier = sorted(
        (c.edition, i)
        for i, c in enumerate(table.columns)
        if c.edition is not None and c.edition < edition
    )
    comparisons = []
    for ref_edition, index in earlier[-count:] if count else []:
        ref = row.cells[index]
        if ref.percent is None or ref.n <= 0:
            continue
        word = compare_share(
            current.percent, n_effective or current.n, ref.percent, ref.n
        )
        comparisons.append(Comparison(ref_edition, word))
    return comparisons


def _tiers_sentence(
    table: ReportTable, *, tier: Tier, edition: int, outcome: str
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
        words.append(
            (compare_share(focal.percent, focal.n, cell.percent, cell.n), other.plural)
        )
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


def build_factsheet(
    tables: Mapping[str, ReportTable],
    *,
    tier: str,
    edition: int,
    spec: FactsheetSpec | None = None,
    n_effective: float | None = None,
) -> Factsheet:
    """The factsheet of ``tier`` from its computed tables (see ``FactsheetSpec``)."""
    spec = spec or FactsheetSpec()
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose one of {', '.join(TIERS)}")
    t = TIERS[tier]
    try:
        forms = tables[spec.forms]
        severity = tables[spec.severity]
    except KeyError as exc:
        raise FactsheetDataMissing(f"table {exc.args[0]} was not computed") from None
    population = f"de politieke ambtsdragers in {t.plural}"
    outcome = "agressie en/of intimidatie"

    total = _row(forms, spec.total_row).cells[_column_index(forms, edition)]
    if total.percent is None:
        raise FactsheetDataMissing(
            f"{forms.id}: too few respondents in {t.plural} for a percentage"
        )
    comparisons = compare_with_editions(
        forms,
        spec.total_row,
        edition=edition,
        count=spec.reference_editions,
        n_effective=n_effective,
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

    index = _column_index(forms, edition)
    shown_forms = [
        (row, row.cells[index])
        for row in forms.rows
        if row.key != spec.total_row and row.cells[index].percent is not None
    ]
    shown_forms.sort(key=lambda rc: -(rc[1].percent or 0.0))
    major = [rc for rc in shown_forms if (rc[1].percent or 0) >= spec.minor_below]
    minor = [rc for rc in shown_forms if (rc[1].percent or 0) < spec.minor_below]
    forms_sentence = ""
    if major:
        listed = [f"{_lower_first(r.label)} ({_pct(c)})" for r, c in major]
        joined = (
            listed[0]
            if len(listed) == 1
            else ", ".join(listed[:-1]) + " en " + listed[-1]
        )
        forms_sentence = (
            f"Politieke ambtsdragers van {t.plural} ervaren met name {joined}."
        )
    if minor:
        names = [_lower_first(r.label) for r, _ in minor]
        subject = capitalize_first(" en ".join(names))
        verb = "komt" if len(names) == 1 else "komen"
        forms_sentence += f" {subject} {verb} weinig voor."
    forms_sentence = (forms_sentence.strip() + " (Figuur 1).").replace(". (", " (")

    severity_sentence = ""
    serious = _row(severity, spec.serious_row).cells[_column_index(severity, edition)]
    if serious.percent is not None:
        severity_sentence = (
            f"Van alle politieke ambtsdragers van {t.plural} maakte "
            f"{quantifier(serious.percent)} ({_pct(serious)}) in {edition} een "
            "incident mee dat zij als (zeer) ernstig beschouwen (Figuur 2)."
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
    }
    tiers_sentence = ""
    if spec.tiers in tables:
        tiers_sentence = _tiers_sentence(
            tables[spec.tiers], tier=t, edition=edition, outcome=outcome
        )
        figures["bestuurslagen"] = Figure(
            "Figuur 3",
            "Ervaring met agressie en intimidatie. Uitgesplitst naar bestuurslaag en jaar.",
            present(tables[spec.tiers]),
        )
    ways_sentence = effects_sentence = ""
    if spec.ways and spec.ways in tables:
        ways = tables[spec.ways]
        figures["wijze"] = Figure(
            "Figuur 4",
            f"Meest voorkomende wijze(n) waarop agressie werd geuit tegen politieke "
            f"ambtsdragers van {t.plural}. Meerdere antwoorden mogelijk.",
            present(ways),
        )
        ways_sentence = _top_sentence(
            ways,
            "De meest genoemde wijze waarop agressie tegen politieke ambtsdragers "
            f"van {t.plural} werd geuit",
        )
    if spec.effects and spec.effects in tables:
        effects = tables[spec.effects]
        figures["gevolgen"] = Figure(
            "Figuur 5",
            "Welke effecten of gevolgen hebben agressie en intimidatie voor u? "
            "Meerdere antwoorden mogelijk.",
            present(effects),
        )
        effects_sentence = _top_sentence(
            effects, "Het meest genoemde gevolg van agressie en intimidatie"
        )
    return Factsheet(
        tier=t,
        edition=edition,
        population=population,
        heading=heading,
        headline=headline,
        forms_sentence=forms_sentence,
        severity_sentence=severity_sentence,
        tiers_sentence=tiers_sentence,
        ways_sentence=ways_sentence,
        effects_sentence=effects_sentence,
        figures=figures,
    )


def _top_sentence(table: ReportTable, lead: str) -> str:
    """ "<lead> is <label> (p%)." for the row with the largest share in the first column."""
    candidates: Sequence[tuple[str, float]] = [
        (row.label, row.cells[0].percent)
        for row in table.rows
        if row.cells
        and row.cells[0].percent is not None
        and not row.key.startswith(("geen", "none", "weet_niet"))
    ]  # type: ignore[misc]
    if not candidates:
        return ""
    label, percent = max(candidates, key=lambda lp: lp[1])
    return f"{lead} is: {_lower_first(label)} ({whole_percent(percent)}%)."
