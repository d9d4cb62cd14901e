"""Disclosure control for the shareable export: k-anonymity on quasi-identifiers.

Pure. There are 12 King's commissioners and 21 dike-reeves: function, tier,
gender, age group, party and migration background together can single out a
person in a file of answers about threats. The *shareable* file therefore
holds no combination of the quasi-identifiers it contains that fewer than
``k`` respondents share. Steps, each applied only while such combinations
remain, and each listed in the codebook with what it did and why:

1. global recodes of rare values (fewer than ``k`` respondents in the whole
   file): a rare function is shown only by its function type, a rare party
   becomes "overig", other rare values are suppressed;
2. age groups merged in pairs (18–39, 40–59, 60+);
3. parties in the remaining rare combinations → "overig" (a function is
   not coarsened for a combination: that would hide it for everybody);
4. local suppression: column by column (the most revealing first), the value
   of every respondent still in a rare combination is suppressed;
5. respondents still in a rare combination when nothing is left to suppress
   are left out of the file.

Suppressed values get the missing code ``SUPPRESSED`` (-6, "onbekend"), so
"negative means missing" stays the one rule. The input is the export's own
codes, row by row; the result is a ``Plan`` applied to the same rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.exports.missing import Missing

SUPPRESSED = int(Missing.UNKNOWN)
DEFAULT_K = 5

ATTRIBUTE_QUASI = {
    "tier": "tier",
    "function": "function",
    "function_type": "function_type",
    "gender": "gender",
    "size_class": "size",
    "grootteklasse": "size",
    "gemeentegrootte": "size",
    "inwonersklasse": "size",
}
ANSWER_QUASI = {"q_gender": "gender", "q_age": "age", "q_party": "party"}
MIGRATION_PREFIX = "q_born"

SUPPRESSION_ORDER = (
    "party",
    "migration",
    "age",
    "gender",
    "size",
    "function",
    "function_type",
    "tier",
)
"""Local suppression goes column by column in this order: the least needed
for the report's breakdowns first, tier (every table's first split) last."""

KIND_LABELS = {
    "tier": "bestuurslaag",
    "function": "functie",
    "function_type": "type functie",
    "gender": "geslacht",
    "size": "grootteklasse",
    "age": "leeftijdsgroep",
    "party": "politieke partij",
    "migration": "geboorteland (migratieachtergrond)",
}


def quasi_kind(name: str) -> str | None:
    """The kind of quasi-identifier a variable is, or None."""
    if name in ATTRIBUTE_QUASI:
        return ATTRIBUTE_QUASI[name]
    if name in ANSWER_QUASI:
        return ANSWER_QUASI[name]
    if name.startswith(MIGRATION_PREFIX):
        return "migration"
    return None


@dataclass(frozen=True)
class Quasi:
    """A quasi-identifier column: its variable name, kind and value labels."""

    name: str
    kind: str
    labels: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    variable: str
    action: str
    """recode, merge, suppress or leave_out"""
    detail: str
    why: str
    rows: int


@dataclass
class Plan:
    k: int
    quasi: tuple[Quasi, ...]
    recodes: dict[str, dict[int, int]] = field(default_factory=dict)
    relabels: dict[str, dict[int, str]] = field(default_factory=dict)
    suppressed: dict[int, set[str]] = field(default_factory=dict)
    left_out: set[int] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)
    function_types: dict[str, int] = field(default_factory=dict)

    def apply(self, index: int, values: Mapping[str, int]) -> dict[str, int] | None:
        """Row ``index``'s quasi-identifier values as the shareable file shows
        them, or None when the row is left out."""
        if index in self.left_out:
            return None
        shown = dict(values)
        for name, mapping in self.recodes.items():
            if name in shown and shown[name] in mapping:
                shown[name] = mapping[shown[name]]
        for name in self.suppressed.get(index, ()):
            shown[name] = SUPPRESSED
        return shown

    @property
    def changed(self) -> set[str]:
        changed = set(self.recodes)
        for names in self.suppressed.values():
            changed |= names
        return changed


def _keys(
    rows: Sequence[Mapping[str, int]], names: Sequence[str]
) -> list[tuple[int | None, ...]]:
    return [tuple(row.get(n) for n in names) for row in rows]


def rare_rows(
    rows: Sequence[Mapping[str, int]], names: Sequence[str], k: int
) -> list[int]:
    """Indices of rows whose combination of ``names`` fewer than ``k`` rows share."""
    keys = _keys(rows, names)
    counts = Counter(keys)
    return [i for i, key in enumerate(keys) if counts[key] < k]


def _merge_pairs(labels: Mapping[int, str]) -> tuple[dict[int, int], dict[int, str]]:
    """Consecutive valid codes merged in pairs: (1,2)→1, (3,4)→3, ...; labels
    joined on their numbers ("18 tot en met 29 jaar" + "30 tot en met 39 jaar"
    → "18 tot en met 39 jaar")."""
    codes = sorted(c for c in labels if c >= 0)
    mapping: dict[int, int] = {}
    relabel: dict[int, str] = {}
    for i in range(0, len(codes) - 1, 2):
        low, high = codes[i], codes[i + 1]
        mapping[high] = low
        start = re.match(r"\d+", labels[low])
        if start:
            relabel[low] = re.sub(r"\d+", start.group(0), labels[high], count=1)
        else:
            relabel[low] = f"{labels[low]} / {labels[high]}"
    return mapping, relabel


def _overig_code(labels: Mapping[int, str]) -> int | None:
    for code, label in labels.items():
        if code >= 0 and re.search(r"\b(ander|andere|overig|overige)\b", label, re.I):
            return code
    return None


class _Planner:
    def __init__(
        self,
        rows: Sequence[Mapping[str, int]],
        quasi: Sequence[Quasi],
        k: int,
    ) -> None:
        self.original = rows
        self.rows = [dict(r) for r in rows]
        self.quasi = tuple(quasi)
        self.names = [q.name for q in quasi]
        self.k = k
        self.plan = Plan(k, self.quasi)

    def rare(self) -> list[int]:
        live = [i for i in range(len(self.rows)) if i not in self.plan.left_out]
        shown = [self.rows[i] for i in live]
        return [live[j] for j in rare_rows(shown, self.names, self.k)]

    def recode(
        self, quasi: Quasi, mapping: dict[int, int], detail: str, why: str
    ) -> None:
        mapping = {old: new for old, new in mapping.items() if old != new}
        if not mapping:
            return
        touched = 0
        for row in self.rows:
            value = row.get(quasi.name)
            if value in mapping:
                row[quasi.name] = mapping[value]
                touched += 1
        if not touched:
            return
        existing = self.plan.recodes.setdefault(quasi.name, {})
        for old, new in list(existing.items()):
            existing[old] = mapping.get(new, new)
        for old, new in mapping.items():
            existing.setdefault(old, new)
        action = "suppress" if set(mapping.values()) == {SUPPRESSED} else "recode"
        self.plan.steps.append(Step(quasi.name, action, detail, why, touched))

    def rare_values(self, quasi: Quasi, among: Sequence[int] | None = None) -> set[int]:
        if among is not None:
            found = (self.rows[i].get(quasi.name) for i in among)
            return {v for v in found if v is not None and v >= 0}
        counts = Counter(row.get(quasi.name) for row in self.rows)
        return {v for v, n in counts.items() if v is not None and v >= 0 and n < self.k}

    def coarsen(self, quasi: Quasi, values: set[int], why: str) -> None:
        if not values:
            return
        names = ", ".join(quasi.labels.get(v, str(v)) for v in sorted(values))
        if quasi.kind == "function":
            self.recode(
                quasi, dict.fromkeys(values, SUPPRESSED),
                f"functie {names}: alleen het type functie (variabele function_type) blijft",
                why,
            )  # fmt: skip
        elif quasi.kind == "party":
            overig = _overig_code(quasi.labels)
            target = SUPPRESSED if overig is None else overig
            if overig is not None:
                self.plan.relabels.setdefault(quasi.name, {})[overig] = "Overige partij"
            self.recode(
                quasi, {v: target for v in values if v != overig},
                f"partij {names} → overig", why,
            )  # fmt: skip
        else:
            self.recode(
                quasi, dict.fromkeys(values, SUPPRESSED),
                f"{KIND_LABELS.get(quasi.kind, quasi.kind)} {names} → afgeschermd (-6)",
                why,
            )  # fmt: skip

    def run(self) -> Plan:  # noqa: C901 -- the recode-then-suppress steps, in order
        if not self.rare():
            return self.plan
        rare_why = f"minder dan {self.k} respondenten in het hele bestand"
        for quasi in self.quasi:
            if quasi.kind in ("tier", "function_type", "age"):
                continue
            self.coarsen(quasi, self.rare_values(quasi), rare_why)
        if self.rare():
            for quasi in self.quasi:
                if quasi.kind == "age":
                    mapping, relabel = _merge_pairs(quasi.labels)
                    self.plan.relabels.setdefault(quasi.name, {}).update(relabel)
                    self.recode(
                        quasi, mapping, "leeftijdsgroepen samengevoegd per twee",
                        f"combinaties van minder dan {self.k} respondenten",
                    )  # fmt: skip
        combo_why = f"in combinaties van minder dan {self.k} respondenten"
        rare = self.rare()
        for quasi in self.quasi:
            if rare and quasi.kind == "party":
                self.coarsen(quasi, self.rare_values(quasi, rare), combo_why)
                rare = self.rare()
        for kind in SUPPRESSION_ORDER:
            for quasi in self.quasi:
                if quasi.kind != kind:
                    continue
                rare = self.rare()
                if not rare:
                    return self.plan
                touched = 0
                for i in rare:
                    if self.rows[i].get(quasi.name) != SUPPRESSED:
                        self.rows[i][quasi.name] = SUPPRESSED
                        self.plan.suppressed.setdefault(i, set()).add(quasi.name)
                        touched += 1
                if touched:
                    self.plan.steps.append(
                        Step(
                            quasi.name, "suppress",
                            f"{KIND_LABELS.get(kind, kind)} afgeschermd (-6) bij "
                            f"{touched} respondenten", combo_why, touched,
                        )
                    )  # fmt: skip
        rare = self.rare()
        if rare:
            self.plan.left_out.update(rare)
            self.plan.steps.append(
                Step(
                    "*", "leave_out",
                    f"{len(rare)} respondenten weggelaten",
                    f"ook met alle kenmerken afgeschermd minder dan {self.k}", len(rare),
                )
            )  # fmt: skip
        return self.plan


def plan(
    rows: Sequence[Mapping[str, int]], quasi: Sequence[Quasi], *, k: int = DEFAULT_K
) -> Plan:
    """The disclosure plan for ``rows`` (quasi-identifier values, export codes)."""
    if k < 2 or not quasi:
        return Plan(k, tuple(quasi))
    return _Planner(rows, quasi, k).run()
