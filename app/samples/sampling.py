"""Drawing a sample: the pure core (no session).

The service feeds in the population twice. First as *cells*, counts of units
that share every design field (a GROUP BY, constant memory), from which
``plan_draw`` decides what to take: which clusters, and which positions within
each stratum. Then as a stream of units in a stable order (by e-mail address
in binary collation, then name and id: the same on SQLite and PostgreSQL, and
independent of the order of the file's rows), where ``DrawPlan.decide`` says for
each unit whether it is in. Memory grows with the sample, not the population.

Reproducible by construction: every random choice comes from
``random.Random(f"veldwerk:{seed}:...")`` and uses only ``Random.random()``,
whose sequence Python guarantees across versions (``Random.sample`` is not
guaranteed), so a stored design + seed give the same sample again.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.samples import catalogue
from app.samples.design import (
    Census,
    ClusterSample,
    Component,
    SampleDesign,
    SimpleRandomSample,
)

UNKNOWN = "onbekend"
Values = dict[str, str | None]


class PlanError(ValueError):
    """The design cannot be drawn from this population (message in Dutch)."""


@dataclass(frozen=True)
class Cell:
    """Units sharing all design fields, and how many there are."""

    values: Values
    count: int


def rng_for(seed: int, purpose: str) -> random.Random:
    # Reproducible on purpose: a draw must be repeatable from its seed. Link
    # tokens come from ``secrets``, never from here.
    return random.Random(f"veldwerk:{seed}:{purpose}")  # noqa: S311


def choose_positions(rng: random.Random, population: int, n: int) -> list[int]:
    """``n`` distinct positions out of ``range(population)``, uniformly.

    A partial Fisher-Yates shuffle kept in a dict (memory grows with n, not with
    the population), drawing with ``rng.random()`` only.
    """
    if n > population:
        raise ValueError("n larger than the population")
    swapped: dict[int, int] = {}
    chosen: list[int] = []
    for i in range(n):
        j = i + int(rng.random() * (population - i))
        chosen.append(swapped.get(j, j))
        swapped[j] = swapped.get(i, i)
    return chosen


def choose_clusters(
    rng: random.Random, keys: Sequence[str], k: int, always: Iterable[str] = ()
) -> set[str]:
    """The ``always`` clusters plus a simple random sample of ``k`` of the others."""
    always_in = set(always)
    others = sorted(set(keys) - always_in)
    if k > len(others):
        raise PlanError(
            f"er zijn maar {len(others)} organisaties om uit te loten, geen {k}"
        )
    return always_in | {others[p] for p in choose_positions(rng, len(others), k)}


def stratum_key(values: Values, by: Sequence[str]) -> str:
    return "/".join(values.get(name) or UNKNOWN for name in by)


def normalise_organisation(name: str) -> str:
    """ "Gemeente Den Haag" and "den haag" are the same organisation."""
    plain = " ".join(name.lower().split())
    plain = re.sub(
        r"^(gemeente|provincie|waterschap|hoogheemraadschap|wetterskip)\s+", "", plain
    )
    return re.sub(r"[^0-9a-zà-ÿ]+", "", plain)


def cluster_key(values: Values, cluster_by: str) -> str | None:
    if cluster_by == "organisation_code" and values.get("organisation_code"):
        return values["organisation_code"]
    name = values.get("organisation")
    return "naam:" + normalise_organisation(name) if name else None


@dataclass
class ComponentPlan:
    index: int
    component: Component
    population: int = 0
    strata: Counter[str] = field(default_factory=Counter)
    positions: dict[str, set[int] | None] = field(default_factory=dict)
    """SRS: stratum → chosen positions, or None when the stratum is taken whole."""
    clusters: dict[str, str] = field(default_factory=dict)
    """Cluster key → organisation name, for all eligible clusters."""
    chosen: set[str] = field(default_factory=set)
    always: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)

    def decide(self, values: Values) -> bool:
        component = self.component
        if isinstance(component, Census):
            return True
        if isinstance(component, ClusterSample):
            return cluster_key(values, component.cluster_by) in self.chosen
        key = stratum_key(values, component.stratify_by)
        position = self.seen[key]
        self.seen[key] += 1
        chosen = self.positions.get(key)
        return chosen is None or position in chosen


@dataclass
class DrawPlan:
    design: SampleDesign
    seed: int
    components: list[ComponentPlan]
    population: Counter[str]
    """Summary stratum → units in the population (selected by any component or not)."""
    _memo: dict[tuple[Any, ...], int | None] = field(default_factory=dict)

    def component_for(self, values: Values) -> ComponentPlan | None:
        key = tuple(map(values.get, _FIELDS))
        if key not in self._memo:
            self._memo[key] = next(
                (
                    plan.index
                    for plan in self.components
                    if plan.component.selects(values)
                ),
                None,
            )
        index = self._memo[key]
        return None if index is None else self.components[index]

    def decide(self, values: Values) -> ComponentPlan | None:
        """The component that takes this unit, or None (units must come in stream order)."""
        if "function_type" not in values:
            values = with_function_type(values)
        plan = self.component_for(values)
        if plan is None or not plan.decide(values):
            return None
        return plan


_FIELDS = (
    "tier",
    "function",
    "function_type",
    "organisation_code",
    "organisation",
    "panel",
    "email_kind",
    "gender",
)


def with_function_type(values: Values) -> Values:
    return {
        **values,
        "function_type": catalogue.function_type_of(values.get("function")),
    }


def plan_draw(design: SampleDesign, cells: Iterable[Cell], seed: int) -> DrawPlan:
    """Decide clusters and positions from the population's cell counts."""
    plans = [ComponentPlan(i, c) for i, c in enumerate(design.components)]
    plan = DrawPlan(design, seed, plans, Counter())
    for cell in cells:
        values = with_function_type(cell.values)
        plan.population[stratum_key(values, design.summary_by)] += cell.count
        owner = plan.component_for(values)
        if owner is None:
            continue
        owner.population += cell.count
        component = owner.component
        if isinstance(component, SimpleRandomSample):
            owner.strata[stratum_key(values, component.stratify_by)] += cell.count
        elif isinstance(component, ClusterSample):
            key = cluster_key(values, component.cluster_by)
            if key is None:
                raise PlanError(
                    f"{_name(owner)}: {cell.count} personen zonder organisatie "
                    "kunnen niet in een clustersteekproef"
                )
            owner.clusters.setdefault(key, values.get("organisation") or key)
    for owner in plans:
        if owner.population == 0:
            raise PlanError(f"{_name(owner)} selecteert niemand uit het adresbestand")
        component = owner.component
        rng = rng_for(seed, f"component:{owner.index}")
        if isinstance(component, ClusterSample):
            _plan_clusters(owner, component, rng)
        elif isinstance(component, SimpleRandomSample):
            _plan_strata(owner, component, rng)
    return plan


FRAME_COUNT_FIELDS = ("tier", "function", "function_type", "gender")
"""The fields whose frame counts a draw stores: the population that exports
weight to (tier, function; gender for the employees)."""


def frame_counts(
    design: SampleDesign, cells: Iterable[Cell]
) -> dict[str, dict[str, int]]:
    """Units of the frame the design covers, per value of each weighting field.

    ``cells`` are *all* contacts of the frames (also those invited by an
    earlier draw): the population a draw represents is the whole address
    file the design selects from, whatever part of it was sampled. A census
    takes its stratum whole; a cluster or simple random sample takes part of
    it, and the frame count of the stratum is what its inclusion probability
    (sampled / frame) refers to. Units no component selects are outside the
    design's population and not counted.
    """
    plan = DrawPlan(
        design,
        0,
        [ComponentPlan(i, c) for i, c in enumerate(design.components)],
        Counter(),
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in FRAME_COUNT_FIELDS}
    for cell in cells:
        values = with_function_type(cell.values)
        if plan.component_for(values) is None:
            continue
        for name in FRAME_COUNT_FIELDS:
            value = values.get(name)
            if value:
                counts[name][value] = counts[name].get(value, 0) + cell.count
    return {name: found for name, found in counts.items() if found}


def _plan_clusters(
    owner: ComponentPlan, component: ClusterSample, rng: random.Random
) -> None:
    by_name = {
        normalise_organisation(name): key for key, name in owner.clusters.items()
    }
    by_code = {key.lower(): key for key in owner.clusters}
    for wanted in component.always_include:
        key = by_code.get(wanted.strip().lower()) or by_name.get(
            normalise_organisation(wanted)
        )
        if key is None:
            names = {normalise_organisation(n): n for n in owner.clusters.values()}
            hint = catalogue.suggest(normalise_organisation(wanted), names)
            raise PlanError(
                f"{_name(owner)}: organisatie '{wanted}' komt niet voor in het adresbestand"
                + (f"; bedoelt u '{hint}'?" if hint else "")
            )
        owner.always.append(key)
    owner.chosen = choose_clusters(
        rng, sorted(owner.clusters), component.clusters, owner.always
    )


def _plan_strata(
    owner: ComponentPlan, component: SimpleRandomSample, rng: random.Random
) -> None:
    for key in sorted(owner.strata):
        size = owner.strata[key]
        n = component.n_by_stratum.get(key, component.n)
        if n is None:
            owner.positions[key] = None
            continue
        if n > size:
            owner.warnings.append(
                f"stratum {key}: gevraagd {n}, maar er zijn er {size}; allen genomen"
            )
            owner.positions[key] = None
            continue
        owner.positions[key] = set(choose_positions(rng, size, n))
    for key in component.n_by_stratum:
        if key not in owner.strata:
            owner.warnings.append(f"stratum {key} komt niet voor in het adresbestand")


def _name(owner: ComponentPlan) -> str:
    return f"onderdeel {owner.index + 1}" + (
        f" ({owner.component.label})" if owner.component.label else ""
    )


def assigner(
    seed: int, design: SampleDesign
) -> list[tuple[str, list[str], random.Random]]:
    """Per ``assign`` attribute: name, values and its own random stream."""
    return [
        (a.name, a.values, rng_for(seed, f"assign:{a.name}")) for a in design.assign
    ]


def assign_values(
    streams: list[tuple[str, list[str], random.Random]],
) -> dict[str, str]:
    return {
        name: values[int(rng.random() * len(values))] for name, values, rng in streams
    }


def summarise(
    plan: DrawPlan,
    sampled: Counter[str],
    sampled_by_component: Counter[int],
) -> dict[str, Any]:
    """What the manager checks the draw against, stored with the sample."""
    by = plan.design.summary_by
    strata = []
    for key in sorted(plan.population, key=lambda k: _stratum_order(k, by)):
        population = plan.population[key]
        strata.append(
            {
                "key": key,
                "values": dict(zip(by, key.split("/"), strict=True)),
                "label": stratum_label(key, by),
                "population": population,
                "sampled": sampled[key],
                "share": sampled[key] / population if population else None,
            }
        )
    components = []
    for owner in plan.components:
        entry: dict[str, Any] = {
            "label": owner.component.label,
            "kind": owner.component.kind,
            "population": owner.population,
            "sampled": sampled_by_component[owner.index],
            "warnings": owner.warnings,
        }
        if isinstance(owner.component, ClusterSample):
            entry["clusters"] = {
                "population": len(owner.clusters),
                "drawn": len(owner.chosen),
                "always": sorted(owner.always),
                "always_names": [owner.clusters[k] for k in sorted(owner.always)],
                "chosen": sorted(
                    ({"key": k, "name": owner.clusters[k]} for k in owner.chosen),
                    key=lambda c: c["name"],
                ),
            }
        if isinstance(owner.component, SimpleRandomSample):
            entry["strata"] = {
                key: {
                    "population": owner.strata[key],
                    "n": None
                    if owner.positions.get(key) is None
                    else len(owner.positions[key] or ()),
                }
                for key in sorted(owner.strata)
            }
        components.append(entry)
    total = sum(plan.population.values())
    return {
        "seed": plan.seed,
        "population": total,
        "sampled": sum(sampled.values()),
        "strata": strata,
        "components": components,
    }


def stratum_label(key: str, by: Sequence[str]) -> str:
    parts = []
    for name, value in zip(by, key.split("/"), strict=True):
        if name == "tier":
            parts.append(catalogue.TIERS.get(value, value))
        elif name == "function":
            parts.append(
                catalogue.FUNCTIONS[value].plural
                if value in catalogue.FUNCTIONS
                else value
            )
        elif name == "panel":
            parts.append(catalogue.PANELS.get(value, value))
        else:
            parts.append(value)
    return " · ".join(parts)


def _stratum_order(key: str, by: Sequence[str]) -> tuple[Any, ...]:
    order: list[Any] = []
    for name, value in zip(by, key.split("/"), strict=True):
        if name == "tier":
            order.append(catalogue.tier_order(value))
        elif name == "function":
            order.append(catalogue.function_order(value))
        order.append(value)
    return tuple(order)
