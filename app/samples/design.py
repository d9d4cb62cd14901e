"""Sampling designs: declarative, stored as JSON with the sample, checked on input.

A design is a list of components, each taking the part of the population its
conditions select (``where`` / ``exclude`` on frame fields). A person belongs
to the *first* component that selects them, so "the raadsleden by cluster
sample, then everyone else by census" needs no negations. Components:

- ``census``: everybody selected;
- ``cluster``: a simple random sample of ``clusters`` organisations (plus the
  ``always_include`` ones), then everybody selected in those organisations;
- ``simple_random``: ``n`` per stratum (``stratify_by``), ``n_by_stratum``
  overriding per stratum (``null`` = everybody in that stratum).

``assign`` gives each invitation a random value of an attribute (a split
ballot: ``ballot`` a/b), from the same seed.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from app.samples import catalogue
from app.samples.fields import FrameKind

FieldName = Literal[
    "tier",
    "function",
    "function_type",
    "organisation_code",
    "organisation",
    "panel",
    "email_kind",
    "gender",
]
FIELD_NAMES: tuple[str, ...] = get_args(FieldName)

_CODED: dict[str, dict[str, str]] = {
    "tier": catalogue.TIERS,
    "function": {code: f.label for code, f in catalogue.FUNCTIONS.items()},
    "function_type": catalogue.FUNCTION_TYPES,
    "email_kind": catalogue.EMAIL_KINDS,
    "gender": catalogue.GENDERS,
}


def _check_conditions(conditions: dict[str, list[str]]) -> dict[str, list[str]]:
    for name, values in conditions.items():
        if not values:
            raise ValueError(f"voorwaarde op '{name}' heeft geen waarden")
        known = _CODED.get(name)
        if known is None:
            continue
        for value in values:
            if value not in known:
                hint = catalogue.suggest(value, {k: k for k in known})
                raise ValueError(
                    f"onbekende waarde '{value}' voor {name}"
                    + (f"; bedoelt u '{hint}'?" if hint else "")
                    + f" (mogelijk: {', '.join(known)})"
                )
    return conditions


class _Component(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(default="", max_length=200)
    where: dict[FieldName, list[str]] = Field(default_factory=dict)
    exclude: dict[FieldName, list[str]] = Field(default_factory=dict)

    _conditions = field_validator("where", "exclude")(_check_conditions)

    def selects(self, values: dict[str, str | None]) -> bool:
        """Whether a unit with these field values falls in this component."""
        for name, allowed in self.where.items():
            if values.get(name) not in allowed:
                return False
        return not any(
            values.get(name) in refused for name, refused in self.exclude.items()
        )


class Census(_Component):
    kind: Literal["census"] = "census"


class ClusterSample(_Component):
    kind: Literal["cluster"] = "cluster"
    cluster_by: Literal["organisation_code", "organisation"] = "organisation_code"
    """Organisations without a code are keyed by their name."""
    clusters: int = Field(ge=0)
    """Organisations drawn at random, on top of ``always_include``."""
    always_include: list[str] = Field(default_factory=list)
    """Codes or names of organisations that are always in (e.g. the G4)."""


class SimpleRandomSample(_Component):
    kind: Literal["simple_random"] = "simple_random"
    stratify_by: list[FieldName] = Field(default_factory=list)
    n: int | None = Field(default=None, ge=0)
    """Per stratum; None takes everybody (unless ``n_by_stratum`` says otherwise)."""
    n_by_stratum: dict[str, int | None] = Field(default_factory=dict)
    """Stratum key (values of ``stratify_by`` joined by "/") → n, None for all."""

    @model_validator(mode="after")
    def _strata_need_stratification(self) -> SimpleRandomSample:
        if self.n_by_stratum and not self.stratify_by:
            raise ValueError("n_by_stratum vraagt om stratify_by")
        for key, n in self.n_by_stratum.items():
            if n is not None and n < 0:
                raise ValueError(f"n voor stratum '{key}' is negatief")
            if len(key.split("/")) != len(self.stratify_by):
                raise ValueError(
                    f"stratum '{key}' past niet bij stratify_by {self.stratify_by}"
                )
        return self


Component = Annotated[
    Census | ClusterSample | SimpleRandomSample, Field(discriminator="kind")
]


class RandomAttribute(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    values: list[str] = Field(min_length=2)


_TIER_FUNCTION: list[FieldName] = ["tier", "function"]


class SampleDesign(BaseModel):
    """What to draw for one questionnaire from a wave's frames of one kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frame_kind: FrameKind
    components: list[Component] = Field(min_length=1)
    summary_by: list[FieldName] = Field(default_factory=lambda: _TIER_FUNCTION.copy())
    """The strata the summary (and each invitation's ``stratum``) is given by."""
    assign: list[RandomAttribute] = Field(default_factory=list)


PRESETS: dict[str, dict[str, Any]] = {
    "officials-2024": {
        "frame_kind": "officials",
        "components": [
            {
                "kind": "census",
                "label": "Alle ambtsdragers behalve raadsleden",
                "exclude": {"function": ["raadslid"]},
            },
            {
                "kind": "cluster",
                "label": "Raadsleden van 122 willekeurige gemeenten en de G4",
                "where": {"function": ["raadslid"]},
                "clusters": 122,
                "always_include": ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht"],
            },
        ],
        "summary_by": ["tier", "function"],
    },
    "employees-2024": {
        "frame_kind": "employees",
        "components": [
            {
                "kind": "simple_random",
                "label": "I&O-panel: 400 gemeentemedewerkers, alle provincie- en waterschapsmedewerkers",
                "where": {"panel": ["io_panel"]},
                "stratify_by": ["tier"],
                "n_by_stratum": {
                    "gemeente": 400,
                    "provincie": None,
                    "waterschap": None,
                },
            }
        ],
        "summary_by": ["tier"],
        "assign": [{"name": "ballot", "values": ["a", "b"]}],
    },
    "organisations-2024": {
        "frame_kind": "organisations",
        "components": [{"kind": "census", "label": "Alle organisaties"}],
        "summary_by": ["tier"],
    },
    "census": {
        "frame_kind": "officials",
        "components": [{"kind": "census", "label": "Iedereen in het adresbestand"}],
    },
}

PRESET_LABELS: dict[str, str] = {
    "officials-2024": "Ambtsdragers 2024: census behalve raadsleden + clustersteekproef raadsleden (122 + G4)",
    "employees-2024": "Medewerkers 2024: I&O-panel, 400 gemeente, rest volledig; split ballot a/b",
    "organisations-2024": "Organisaties 2024: alle secretarissen",
    "census": "Volledige telling van het adresbestand",
}


def preset(name: str) -> SampleDesign:
    return SampleDesign.model_validate(PRESETS[name])


def parse_design(text: str) -> SampleDesign:
    """A design from the JSON a manager typed, or ``ValueError`` with readable lines."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}: {exc.msg})"
        ) from exc
    try:
        return SampleDesign.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"]) or "ontwerp"
            lines.append(f"{where}: {error['msg']}")
        raise ValueError("; ".join(lines)) from exc


def design_json(design: SampleDesign | dict[str, Any]) -> str:
    data = (
        design.model_dump(mode="json") if isinstance(design, SampleDesign) else design
    )
    return json.dumps(data, indent=2, ensure_ascii=False)
