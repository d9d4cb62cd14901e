"""Which weighting each questionnaire gets, as the Monitor's report describes it.

- officials: post-stratification to the population by tier and, within
  municipalities, by function (mayors, aldermen and council members differ
  most in response, and council members were sampled);
- employees: raking to the margins of tier and gender;
- organisations (and any other questionnaire): unweighted, weight 1.

A scheme maps a respondent to a *cell* from sample attributes (and, for gender,
the answer to ``q_gender`` when the sample has no gender) and turns population
counts into cell weights with ``weighting``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.exports import weighting
from app.exports.errors import ExportWeightingError
from app.exports.weighting import Cell, Weights
from app.samples import catalogue

Population = Mapping[str, Mapping[str, float]]
"""variable → value → population count (e.g. ``{"function": {"raadslid": 8800}}``)."""

GENDER_QUESTION = "q_gender"


@dataclass(frozen=True)
class Scheme:
    method: str
    """poststratification, raking or none"""
    title: str
    variables: tuple[str, ...]
    """Population variables the scheme uses (what staff enter counts for)."""
    answer_inputs: tuple[str, ...] = ()
    """Answers the cell needs (read from the answers JSON in the GROUP BY)."""

    def cell(
        self,
        attributes: Mapping[str, Any],
        answers: Mapping[str, Any],
        gender_names: Mapping[int, str],
    ) -> Cell:
        if self.method == "poststratification":
            tier = attributes.get("tier")
            if tier == "gemeente":
                return f"gemeente/{attributes.get('function')}"
            return str(tier)
        if self.method == "raking":
            gender = attributes.get("gender")
            if gender is None:
                code = answers.get(GENDER_QUESTION)
                gender = gender_names.get(code) if isinstance(code, int) else None
            return (attributes.get("tier"), gender)
        return "alle"

    def compute(self, sample: Mapping[Cell, int], population: Population) -> Weights:
        if self.method == "poststratification":
            return weighting.poststratify(sample, official_cells(population), _parent)
        if self.method == "raking":
            margins = [
                (name, dict(population.get(name, {}))) for name in self.variables
            ]
            try:
                return weighting.rake(sample, margins)  # type: ignore[arg-type]
            except weighting.RakingError as exc:
                raise ExportWeightingError(exc.reason) from exc
        return Weights(dict.fromkeys(sample, 1.0))

    def used(self, population: Population) -> list[tuple[str, str]]:
        """(variable, value) of every count ``compute`` uses from ``population``."""
        if self.method == "poststratification":
            functions = [
                f
                for f, n in population.get("function", {}).items()
                if n > 0 and f in catalogue.FUNCTIONS
            ]
            covered = {catalogue.FUNCTIONS[f].tier for f in functions}
            return [("function", f) for f in functions] + [
                ("tier", t)
                for t, n in population.get("tier", {}).items()
                if n > 0 and t not in covered
            ]
        if self.method == "raking":
            return [
                (name, value)
                for name in self.variables
                for value, n in population.get(name, {}).items()
                if n > 0
            ]
        return []


def _parent(cell: Cell) -> Cell | None:
    text = str(cell)
    return "gemeente" if text.startswith("gemeente/") else None


def official_cells(population: Population) -> dict[Cell, float]:
    """Function counts → strata: municipal functions apart, other tiers whole.

    Tier counts stand in for tiers without any function count.
    """
    cells: dict[Cell, float] = {}
    for function, count in population.get("function", {}).items():
        found = catalogue.FUNCTIONS.get(function)
        if found is None:
            continue
        cell = f"gemeente/{function}" if found.tier == "gemeente" else found.tier
        cells[cell] = cells.get(cell, 0.0) + float(count)
    for tier, count in population.get("tier", {}).items():
        covered = any(str(c) == tier or str(c).startswith(f"{tier}/") for c in cells)
        if not covered:
            cells[tier] = float(count)
    return cells


OFFICIALS = Scheme(
    "poststratification",
    "Poststratificatie naar bestuurslaag en, binnen gemeenten, naar functie",
    ("function", "tier"),
)
EMPLOYEES = Scheme(
    "raking",
    "Raking (iteratieve proportionele aanpassing) naar bestuurslaag en geslacht",
    ("tier", "gender"),
    (GENDER_QUESTION,),
)
UNWEIGHTED = Scheme("none", "Ongewogen (gewicht 1 voor iedereen)", ())

SCHEMES: dict[str, Scheme] = {"officials": OFFICIALS, "employees": EMPLOYEES}


def scheme_for(questionnaire: str) -> Scheme:
    return SCHEMES.get(questionnaire, UNWEIGHTED)


POPULATION_VALUES: dict[str, dict[str, str]] = {
    "function": {code: f.label for code, f in catalogue.FUNCTIONS.items()},
    "tier": catalogue.TIERS,
    "gender": {"man": "Man", "vrouw": "Vrouw"},
}
"""What staff can enter population counts for, with Dutch labels."""
