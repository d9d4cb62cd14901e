"""Survey weights: post-stratification and raking (iterative proportional fitting).

Pure numpy, no survey library: the two cases the Monitor needs are short and
exact, and analysts can audit every step. Both work on *cells* (the distinct
combinations of the weighting variables) with their respondent counts, so the
export computes weights from a GROUP BY and streams rows in constant memory;
every respondent of a cell gets the cell's weight.

Weights are normalised to mean 1 over the respondents, so the weighted n
equals the unweighted n and weighted percentages are directly comparable.

Empty cells: a stratum with population but no respondents is merged with its
sibling strata into the parent (for the officials: a municipal function with
no respondents merges the municipal functions into "gemeente"); a stratum
without parent, or whose parent is empty too, is left out and named in the
warnings. Respondents in a cell without a population count keep weight 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

Cell = Hashable


@dataclass(frozen=True)
class Stratum:
    name: str
    population: float
    respondents: int
    weight: float


@dataclass(frozen=True)
class MarginRow:
    value: str
    target: float
    respondents: int
    weighted: float
    """Weighted respondents after raking (before normalisation to mean 1)."""


@dataclass(frozen=True)
class Weights:
    cell_weights: dict[Cell, float]
    """Weight of every sample cell (respondents of unknown cells: 1.0)."""
    strata: tuple[Stratum, ...] = ()
    warnings: tuple[str, ...] = ()
    iterations: int | None = None
    converged: bool | None = None
    margins: dict[str, tuple[MarginRow, ...]] = field(default_factory=dict)


def poststratify(
    sample: Mapping[Cell, int],
    population: Mapping[Cell, float],
    parent: Callable[[Cell], Cell | None] = lambda _cell: None,
) -> Weights:
    """Weight each stratum to its population share; respondents keep their total."""
    pop: dict[Cell, float] = {c: float(n) for c, n in population.items() if n > 0}
    stratum_of: dict[Cell, Cell | None] = {}
    for cell in sample:
        up = parent(cell)
        if cell in pop:
            stratum_of[cell] = cell
        elif up is not None and up in pop:
            stratum_of[cell] = up
        else:
            stratum_of[cell] = None
    warnings: list[str] = []
    while True:
        n = _stratum_counts(sample, stratum_of)
        empty = [s for s in pop if n.get(s, 0) == 0]
        collapsible = [s for s in empty if parent(s) is not None]
        if not collapsible:
            break
        for up in sorted({parent(s) for s in collapsible}, key=str):
            members = [s for s in pop if parent(s) == up]
            empty_here = sorted(str(s) for s in members if n.get(s, 0) == 0)
            warnings.append(
                f"Geen respondenten in {', '.join(empty_here)}: samengevoegd tot {up}."
            )
            pop[up] = pop.get(up, 0.0) + sum(pop.pop(s) for s in members)
            for cell, s in stratum_of.items():
                if s in members:
                    stratum_of[cell] = up
    n = _stratum_counts(sample, stratum_of)
    for s in sorted((s for s in pop if n.get(s, 0) == 0), key=str):
        warnings.append(
            f"Geen respondenten in {s} (populatie {pop.pop(s):g}): buiten de weging."
        )
    unknown = sorted({str(c) for c, s in stratum_of.items() if s is None})
    if unknown:
        warnings.append(
            "Respondenten zonder populatieaantal (gewicht 1): "
            + ", ".join(unknown)
            + "."
        )
    covered = sum(n.values())
    total = sum(pop.values())
    weights = {s: (pop[s] / total) * covered / n[s] for s in pop} if total else {}
    strata = tuple(
        Stratum(str(s), pop[s], n[s], weights[s]) for s in sorted(pop, key=str)
    )
    return Weights(
        {
            c: weights.get(s, 1.0) if s is not None else 1.0
            for c, s in stratum_of.items()
        },
        strata,
        tuple(warnings),
    )


def _stratum_counts(
    sample: Mapping[Cell, int], stratum_of: Mapping[Cell, Cell | None]
) -> dict[Cell, int]:
    counts: dict[Cell, int] = {}
    for cell, n in sample.items():
        s = stratum_of[cell]
        if s is not None and n > 0:
            counts[s] = counts.get(s, 0) + n
    return counts


class RakingError(ValueError):
    """Raking found no weights meeting every margin; ``reason`` says why (Dutch)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def rake(
    sample: Mapping[tuple[Hashable, ...], int],
    margins: Sequence[tuple[str, Mapping[Hashable, float]]],
    *,
    max_iterations: int = 10_000,
    tolerance: float = 1e-9,
) -> Weights:
    """Iterative proportional fitting of cell weights to one margin per dimension.

    ``sample`` maps a cell (one value per dimension, in the order of ``margins``)
    to its respondent count. A value without a target in a margin (unknown
    gender, say) is held at its current weighted total while the known values
    are fitted to the target *shares*; a target value without respondents is
    dropped from its margin with a warning.

    Converged means every margin's weighted shares are within ``tolerance``
    (relative) of its targets. With every combination of values present this
    always happens; when combinations without respondents make the margins
    impossible to meet together, or fitting is too slow, ``RakingError``
    says so and why, rather than returning weights that meet no margin.
    """
    cells = [c for c, n in sample.items() if n > 0]
    counts = np.array([sample[c] for c in cells], dtype=float)
    w = np.ones(len(cells))
    warnings: list[str] = []
    dims: list[tuple[str, list[tuple[Hashable, np.ndarray, float]]]] = []
    for d, (name, targets) in enumerate(margins):
        cats: list[tuple[Hashable, np.ndarray, float]] = []
        for value, target in targets.items():
            mask = np.array([c[d] == value for c in cells], dtype=bool)
            if not np.isfinite(target) or target <= 0:
                continue
            if not mask.any() or counts[mask].sum() == 0:
                warnings.append(
                    f"Geen respondenten met {name} = {value}: uit die marge gelaten."
                )
                continue
            cats.append((value, mask, float(target)))
        known = {v for v, _, _ in cats}
        unknown = sorted({str(c[d]) for c in cells if c[d] not in known})
        if unknown:
            warnings.append(
                f"{name} onbekend of zonder marge ({', '.join(unknown)}): niet naar {name} gewogen."
            )
        if len(cats) == 1:
            cats = []  # one value: nothing to fit, its share is all of the known
        dims.append((name, cats))
    iterations = 0
    converged = not cells or not any(cats for _, cats in dims)
    worst = 0.0
    history: list[float] = []
    while not converged and iterations < max_iterations:
        iterations += 1
        for _, cats in dims:
            if not cats:
                continue
            current = np.array([(w * counts)[m].sum() for _, m, _ in cats])
            wanted = np.array([t for _, _, t in cats])
            goal = wanted / wanted.sum() * current.sum()
            for (_, mask, _), factor in zip(cats, goal / current, strict=True):
                w[mask] *= factor
        worst = _worst_margin_error(w * counts, dims)
        history.append(worst)
        converged = worst < tolerance
    if not converged:
        raise RakingError(_why_not(cells, dims, iterations, worst, history))
    weighted = w * counts
    if cells:
        w /= weighted.sum() / counts.sum()
    result: dict[Cell, float] = {c: float(x) for c, x in zip(cells, w, strict=True)}
    return Weights(
        result,
        warnings=tuple(warnings),
        iterations=iterations,
        converged=converged,
        margins={
            name: tuple(
                MarginRow(str(v), t, int(counts[m].sum()), float(weighted[m].sum()))
                for v, m, t in cats
            )
            for name, cats in dims
        },
    )


def _worst_margin_error(
    weighted: np.ndarray,
    dims: Sequence[tuple[str, list[tuple[Hashable, np.ndarray, float]]]],
) -> float:
    """Largest relative gap between a weighted share and its target share."""
    worst = 0.0
    for _, cats in dims:
        if not cats:
            continue
        current = np.array([weighted[m].sum() for _, m, _ in cats])
        targets = np.array([t for _, _, t in cats])
        goal = targets / targets.sum() * current.sum()
        worst = max(worst, float(np.max(np.abs(current - goal) / goal)))
    return worst


def _why_not(
    cells: Sequence[tuple[Hashable, ...]],
    dims: Sequence[tuple[str, list[tuple[Hashable, np.ndarray, float]]]],
    iterations: int,
    worst: float,
    history: Sequence[float],
) -> str:
    text = (
        f"De weging (raking) haalt de populatieverdeling niet: na {iterations} "
        f"rondes wijkt een marge nog {worst:.1%} af."
    )
    present = {tuple(c[d] for d, (_, cats) in enumerate(dims) if cats) for c in cells}
    values = [[v for v, _, _ in cats] for _, cats in dims if cats]
    names = [name for name, cats in dims if cats]
    missing = [combo for combo in itertools.product(*values) if combo not in present]
    stalled = len(history) > 10 and history[-1] > 0.5 * history[len(history) // 2]
    if missing:
        shown = "; ".join(
            " en ".join(f"{n} = {v}" for n, v in zip(names, combo, strict=True))
            for combo in missing[:5]
        )
        more = f" (en {len(missing) - 5} andere)" if len(missing) > 5 else ""
        text += (
            f" Er zijn combinaties zonder respondenten ({shown}{more}), waardoor de "
            "marges niet tegelijk te halen zijn."
        )
    elif stalled:
        text += " De marges zijn met deze respondenten niet tegelijk te halen."
    text += (
        " Kies een eenvoudiger weging (bijvoorbeeld poststratificatie op één "
        "kenmerk) of exporteer ongewogen."
    )
    return text


def expand(weights: Weights, cells: Sequence[Cell]) -> np.ndarray:
    """Per-respondent weights for a list of respondents' cells (tests, diagnostics)."""
    return np.array([weights.cell_weights.get(c, 1.0) for c in cells])
