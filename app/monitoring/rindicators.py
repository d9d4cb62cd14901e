"""R-indicators: how evenly the response is spread over the frame attributes.

Schouten, Cobben & Bethlehem (2009); Schouten, Shlomo & Skinner (2011).
Response propensities ρ̂ are the fitted values of a logistic regression of
"responded" (reached the response threshold) on the frame attributes every
invitation has: main effects of the categorical variables, an unknown value
("") being a category of its own. The attributes are categorical, so the
sample is fitted as cells (one per combination of values, with its count and
its respondents): statsmodels' binomial GLM with the logit link on cells is the
same maximum-likelihood fit as ``Logit`` on one row per invitation, at the cost
of a few hundred rows instead of a million. Columns that are linear
combinations of others (a function lies within one tier) are dropped before
fitting; categories without any respondent give propensities near 0 (the fit
warns of separation; the fitted values are still the right limit). A
saturated model (as many independent columns as cells) is not iterated: its
fitted values are the cells' own response rates.

With N eligible invitations (design weights 1) and ρ̄ the mean propensity:

* S(ρ̂) = sqrt(Σ (ρ̂_i − ρ̄)² / (N − 1)), R = 1 − 2·S(ρ̂);
* the maximal absolute bias of a response mean, in standard deviations of the
  variable: B_m = (1 − R) / (2·ρ̄); the coefficient of variation of the
  propensities CV = S(ρ̂) / ρ̄;
* unconditional partial indicators (SSS 2011): per variable
  P_u(Z) = sqrt(Σ_k N_k (ρ̄_k − ρ̄)² / (N − 1)), per category
  P_u(Z, k) = sqrt(N_k / (N − 1)) · (ρ̄_k − ρ̄), negative where a category
  responds below average; Σ_k P_u(Z, k)² = P_u(Z)².

Not eligible invitations are left out; nothing is computed without at least
one respondent and one non-respondent.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

VARIABLES: dict[str, tuple[str, ...]] = {
    "officials": ("tier", "function", "email_kind", "gender"),
    "employees": ("tier", "gender", "panel"),
    "organisations": ("tier",),
}
DEFAULT_VARIABLES = ("tier", "gender")


def variables_for(questionnaire: str) -> tuple[str, ...]:
    return VARIABLES.get(questionnaire, DEFAULT_VARIABLES)


@dataclass(frozen=True)
class Cell:
    """Eligible invitations with one combination of attribute values."""

    values: Mapping[str, str]
    n: int
    responded: int


@dataclass(frozen=True)
class CategoryIndicator:
    variable: str
    category: str
    n: int
    mean_propensity: float
    partial: float
    """P_u(Z, k)."""


@dataclass(frozen=True)
class VariableIndicator:
    variable: str
    partial: float
    """P_u(Z)."""
    categories: tuple[CategoryIndicator, ...]


@dataclass(frozen=True)
class RIndicators:
    n: int
    responded: int
    mean_propensity: float
    sd_propensity: float
    r: float
    max_bias: float
    cv: float
    variables: tuple[VariableIndicator, ...]
    model_variables: tuple[str, ...]

    def most_negative(
        self, limit: int = 3, below: float = 0.0
    ) -> list[CategoryIndicator]:
        """Categories responding furthest below average, worst first."""
        categories = [
            c for v in self.variables for c in v.categories if c.partial < below
        ]
        return sorted(categories, key=lambda c: c.partial)[:limit]


def _design(
    cells: Sequence[Cell], variables: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Intercept plus one dummy per category (reference dropped), without
    columns that are linear combinations of earlier ones."""
    columns = [np.ones(len(cells))]
    for name in variables:
        levels = sorted({c.values.get(name, "") for c in cells})
        for level in levels[1:]:
            columns.append(
                np.array(
                    [1.0 if c.values.get(name, "") == level else 0.0 for c in cells]
                )
            )
    kept: list[np.ndarray] = []
    rank = 0
    for column in columns:
        trial = np.column_stack([*kept, column])
        new_rank = int(np.linalg.matrix_rank(trial))
        if new_rank > rank:
            kept.append(column)
            rank = new_rank
    return np.column_stack(kept), list(variables)


def propensities(cells: Sequence[Cell], variables: Sequence[str]) -> np.ndarray:
    """Fitted response propensity per cell (statsmodels binomial GLM, logit)."""
    n = np.array([c.n for c in cells], dtype=np.float64)
    y = np.array([c.responded for c in cells], dtype=np.float64)
    x, _ = _design(cells, variables)
    if x.shape[1] == 1:  # no variable with two categories: one rate for all
        return np.full(len(cells), y.sum() / n.sum())
    if x.shape[1] == len(cells):
        # saturated (one parameter per cell, e.g. function within tier): the
        # maximum-likelihood fit reproduces each cell's own rate exactly
        return y / n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            model = sm.GLM(
                np.column_stack([y, n - y]), x, family=sm.families.Binomial()
            )
            fitted = model.fit(maxiter=100)
    return np.asarray(fitted.fittedvalues, dtype=float)


def r_indicators(cells: Sequence[Cell], variables: Sequence[str]) -> RIndicators | None:
    """R, its companions and the unconditional partial indicators; None
    without both respondents and non-respondents."""
    cells = [c for c in cells if c.n > 0]
    total = sum(c.n for c in cells)
    responded = sum(c.responded for c in cells)
    if total < 2 or responded == 0 or responded == total:
        return None
    used = [v for v in variables if len({c.values.get(v, "") for c in cells}) > 1]
    rho = propensities(cells, used)
    n = np.array([c.n for c in cells], dtype=float)
    mean = float((n * rho).sum() / total)
    sd = math.sqrt(float((n * (rho - mean) ** 2).sum()) / (total - 1))
    r = 1 - 2 * sd
    indicators = []
    for name in used:
        groups: dict[str, tuple[float, float]] = {}
        for cell, p in zip(cells, rho, strict=True):
            key = cell.values.get(name, "")
            count, mass = groups.get(key, (0.0, 0.0))
            groups[key] = (count + cell.n, mass + cell.n * p)
        categories = []
        for key, (count, mass) in groups.items():
            mean_k = mass / count
            partial = math.sqrt(count / (total - 1)) * (mean_k - mean)
            categories.append(CategoryIndicator(name, key, int(count), mean_k, partial))
        variable_partial = math.sqrt(sum(c.partial**2 for c in categories))
        indicators.append(
            VariableIndicator(
                name,
                variable_partial,
                tuple(sorted(categories, key=lambda c: c.partial)),
            )
        )
    return RIndicators(
        n=total,
        responded=responded,
        mean_propensity=mean,
        sd_propensity=sd,
        r=r,
        max_bias=(1 - r) / (2 * mean),
        cv=sd / mean,
        variables=tuple(indicators),
        model_variables=tuple(used),
    )
