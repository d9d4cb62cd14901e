"""A simulated official (or employee) who answers like the report's respondents.

``SimulatedOfficial`` draws, with a seeded numpy ``Generator``, what happened
to one official (victim or not, which forms how often, the most recent
incident, what they did about it, their background) from
``app.demo.distributions``, and then answers the questions routing shows
them consistently with it. It only answers; ``simulate.walk`` asks, so every
answer goes through the routing engine and a question routing hides is never
answered. Questions it has no distribution for fall back to the walk's own
random answers. Employees (``employee=True``) take the employees' chapter's
prevalence, forms, online shares and gender mix, the rest as officials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from app.demo import distributions as d
from app.questionnaires.compiler import CompiledQuestion


def _norm(weights: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    keys = list(weights)
    values = np.array([weights[k] for k in keys], dtype=float)
    return keys, values / values.sum()


def _expected_factor() -> float:
    genders, pg = _norm(d.GENDER)
    ages, pa = _norm(d.AGE)
    fg = np.array([d.VICTIM_FACTOR_GENDER.get(g, 1.0) for g in genders])
    fa = np.array([d.VICTIM_FACTOR_AGE[a] for a in ages])
    return float((pg * fg).sum() * (pa * fa).sum())


_FACTOR = _expected_factor()
"""Mean of the gender x age risk factors: dividing by it keeps each function's share."""


class SimulatedOfficial:
    """What happened to one official, and their answers to what they are asked."""

    def __init__(
        self,
        rng: np.random.Generator,
        attributes: Mapping[str, Any],
        *,
        employee: bool = False,
    ) -> None:
        self.rng = rng
        self.employee = employee
        function = str(attributes.get("function") or "")
        tier = str(attributes.get("tier") or "gemeente")
        self.function_type = str(attributes.get("function_type") or "")
        self.gender = self._choice(d.EMPLOYEES_GENDER if employee else d.GENDER)
        self.age = self._choice(d.AGE)
        self.migration = bool(rng.random() < d.MIGRATION)
        self.party = self._choice(d.PARTY)
        self.contact = self._choice(d.CONTACT)
        base = d.VICTIM_BY_FUNCTION.get(function, d.VICTIM_DEFAULT)
        risk = (
            base
            * d.VICTIM_FACTOR_GENDER.get(self.gender, 1.0)
            * d.VICTIM_FACTOR_AGE[self.age]
            / _FACTOR
        )
        if employee:  # no breakdown by gender or age in the employees' chapter
            risk = d.EMPLOYEES_VICTIM_BY_TIER.get(tier, 0.27)
        self.victim = bool(rng.random() < min(risk, 0.95))
        self.counts = {"verbaal": 0, "bedr_intim": 0, "fysiek": 0}
        if self.victim:
            shares = (
                d.EMPLOYEES_FORMS_AMONG_VICTIMS
                if employee
                else d.FORMS_AMONG_VICTIMS.get(tier, d.FORMS_AMONG_VICTIMS["gemeente"])
            )
            met: list[str] = []
            while not met:  # a victim met at least one form
                met = [f for f, p in shares.items() if rng.random() < p]
            for form in met:
                self.counts[form] = 1 + int(rng.poisson(d.EXTRA_INCIDENTS_MEAN))
        self.recent_type: str | None = None
        self.serious: bool | None = None

    # -- drawing helpers --------------------------------------------------------

    def _choice(self, weights: Mapping[str, float]) -> str:
        keys, p = _norm(weights)
        return keys[int(self.rng.choice(len(keys), p=p))]

    def _some(self, shares: Mapping[str, float], offered: Sequence[str]) -> list[str]:
        """Each offered option with its own probability; at least one (the likeliest)."""
        chosen = [o for o in offered if self.rng.random() < shares.get(o, 0.0)]
        if not chosen:
            candidates = [o for o in offered if shares.get(o, 0.0) > 0] or list(offered)
            weights = np.array([shares.get(o, 1.0) or 1.0 for o in candidates])
            pick = int(self.rng.choice(len(candidates), p=weights / weights.sum()))
            chosen = [candidates[pick]]
        return chosen

    # -- answering --------------------------------------------------------------

    def answer(
        self, question: CompiledQuestion, rows: Sequence[Any], options: Sequence[Any]
    ) -> dict[str, Any] | None:
        """The answer to a question routing shows, or None (the walk answers it)."""
        if question.id not in ANSWERED:
            return None
        handler = getattr(self, f"_{question.id}")
        by_name = {o.name: o.code for o in options if o.name}
        value = handler(by_name, [r.id for r in rows])
        return None if value is None else {question.id: value}

    def _q_contact_freq(self, codes: dict[str, int], _rows: list[str]) -> Any:
        return codes.get(self.contact)

    def _q_aggr_count(self, _codes: dict[str, int], rows: list[str]) -> Any:
        return {r: self.counts.get(r, 0) for r in rows}

    def _split(self, form: str, rows: list[str]) -> Any:
        total = self.counts[form]
        share = (d.EMPLOYEES_ONLINE_SHARE if self.employee else d.ONLINE_SHARE)[form]
        online = int(self.rng.binomial(total, share))
        return {"offline": total - online, "online": online} | {
            r: 0 for r in rows if r not in ("offline", "online")
        }

    def _q_split_verbal(self, _codes: dict[str, int], rows: list[str]) -> Any:
        return self._split("verbaal", rows)

    def _q_split_threat(self, _codes: dict[str, int], rows: list[str]) -> Any:
        return self._split("bedr_intim", rows)

    def _q_online_channels(self, codes: dict[str, int], _rows: list[str]) -> Any:
        shares = d.EMPLOYEES_ONLINE_CHANNELS if self.employee else d.ONLINE_CHANNELS
        return sorted(codes[n] for n in self._some(shares, list(codes)))

    def _q_recent_type(self, codes: dict[str, int], _rows: list[str]) -> Any:
        offered = [t for t in d.RECENT_TYPE_WEIGHT if t in codes]
        if not offered:
            return None
        self.recent_type = self._choice({t: d.RECENT_TYPE_WEIGHT[t] for t in offered})
        return codes[self.recent_type]

    def _severity_class(self) -> str:
        if self.serious is None:
            p = d.SERIOUS_BY_TYPE.get(self.recent_type or "verbaal", 0.33)
            self.serious = bool(self.rng.random() < p)
        return "serious" if self.serious else "mild"

    def _q_recent_severity(self, _codes: dict[str, int], _rows: list[str]) -> Any:
        scores = (
            d.SERIOUS_SCORES if self._severity_class() == "serious" else d.MILD_SCORES
        )
        return int(self._choice({str(k): v for k, v in scores.items()}))

    def _q_discussed_with(self, codes: dict[str, int], _rows: list[str]) -> Any:
        if self.rng.random() < d.NOT_DISCUSSED[self._severity_class()]:
            return [codes["niet"]] if "niet" in codes else None
        offered = [o for o in codes if o in d.DISCUSSED_WITH]
        return sorted(codes[o] for o in self._some(d.DISCUSSED_WITH, offered))

    def _q_reported_to(self, codes: dict[str, int], _rows: list[str]) -> Any:
        kind = self.function_type or "volksvertegenwoordiger"
        if self.rng.random() < d.NOT_REPORTED.get(kind, 0.56):
            return [codes["niet"]] if "niet" in codes else None
        shares = d.REPORTED_TO.get(kind, d.REPORTED_TO["volksvertegenwoordiger"])
        scale = 1 - d.NOT_REPORTED.get(kind, 0.56)
        offered = [o for o in codes if shares.get(o, 0) > 0]
        chosen = self._some({o: shares[o] / scale for o in offered}, offered)
        return sorted(codes[o] for o in chosen)

    def _q_external_report(self, codes: dict[str, int], _rows: list[str]) -> Any:
        if self.rng.random() < d.NOT_EXTERNAL:
            return [codes["niet"]] if "niet" in codes else None
        offered = [o for o in codes if o in d.EXTERNAL_TO]
        return sorted(codes[o] for o in self._some(d.EXTERNAL_TO, offered))

    def _q_registered(self, codes: dict[str, int], _rows: list[str]) -> Any:
        yes = d.REGISTERED_YES.get(self.function_type, 0.1)
        roll = self.rng.random()
        if roll < yes:
            return codes.get("ja")
        if roll < yes + d.REGISTERED_DONT_KNOW:
            return codes.get("weet_niet")
        return codes.get("nee")

    def _q_police_report(self, codes: dict[str, int], _rows: list[str]) -> Any:
        if self.rng.random() >= d.POLICE_REPORT[self._severity_class()]:
            return [codes["nee"]] if "nee" in codes else None
        who = self._choice(d.POLICE_BY)
        return [codes[who]] if who in codes else None

    def _q_gender(self, codes: dict[str, int], _rows: list[str]) -> Any:
        return codes.get(self.gender)

    def _q_age(self, codes: dict[str, int], _rows: list[str]) -> Any:
        return codes.get(self.age)

    def _q_born(self, codes: dict[str, int], rows: list[str]) -> Any:
        abroad: set[str] = set()
        if self.migration:
            if self.rng.random() < d.BORN_ABROAD_SELF:
                abroad = {"zelf", "moeder", "vader"}
            else:
                abroad = {str(self.rng.choice(["moeder", "vader"]))}
        return {
            r: codes["buitenland"] if r in abroad else codes["nederland"] for r in rows
        }

    def _q_party(self, codes: dict[str, int], _rows: list[str]) -> Any:
        return codes.get(self.party)


ANSWERED = frozenset(
    name[1:] for name in vars(SimulatedOfficial) if name.startswith("_q_")
)
"""Question ids the simulated official answers from the report's distributions."""
