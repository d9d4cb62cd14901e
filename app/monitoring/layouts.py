"""What the monitor breaks each questionnaire down by: a declarative list.

A ``Dimension`` is a sample attribute the tallies are grouped by (a column of
``monitor_counts``) with its Dutch labels in report order. A ``Layout`` says,
per questionnaire kind, which dimensions make the main table (Table 4.3 /
1.3 / 1.5), the split table (Table 4.4: by e-mail kind; employees by panel),
the composition check and the curve. Adding a breakdown is adding a line here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.samples import catalogue

UNKNOWN = ""
"""How the tallies store a missing attribute."""


@dataclass(frozen=True)
class Dimension:
    key: str
    """Column in ``monitor_counts``: tier, function, function_type, ..."""
    label: str
    labels: Mapping[str, str]
    """Known codes in report order, with their Dutch labels."""
    parent: Mapping[str, str] = field(default_factory=dict)
    """Code → code of the enclosing dimension (function → tier), for nesting."""
    show_all: bool = True
    """List known codes even when nobody was invited with them (a zero row)."""

    def label_of(self, code: str) -> str:
        if code == UNKNOWN:
            return "Onbekend"
        return self.labels.get(code, code)

    def ordered(
        self, present: Iterable[str], *, within: str | None = None
    ) -> list[str]:
        """Codes to show: known ones in report order, then others found in the
        data alphabetically, 'unknown' last. ``within`` keeps the codes that
        belong to one value of the enclosing dimension."""
        present = set(present)
        known = [
            code
            for code in self.labels
            if (self.show_all or code in present)
            and (within is None or self.parent.get(code, within) == within)
        ]
        extra = sorted(c for c in present if c not in self.labels and c != UNKNOWN)
        tail = [UNKNOWN] if UNKNOWN in present else []
        return known + extra + tail


TIER = Dimension("tier", "Bestuurslaag", catalogue.TIERS)
FUNCTION = Dimension(
    "function",
    "Functie",
    {code: f.plural for code, f in catalogue.FUNCTIONS.items()},
    parent={code: f.tier for code, f in catalogue.FUNCTIONS.items()},
)
FUNCTION_TYPE = Dimension("function_type", "Functietype", catalogue.FUNCTION_TYPES)
EMAIL_KIND = Dimension("email_kind", "Soort e-mailadres", catalogue.EMAIL_KINDS)
GENDER = Dimension("gender", "Geslacht", catalogue.GENDERS, show_all=False)
PANEL = Dimension(
    "panel",
    "Panel",
    # The samples domain names the panels; until then the two of the report.
    getattr(
        catalogue,
        "PANELS",
        {"flitspanel": "Flitspanel (ICTU)", "io_panel": "I&O Research Panel"},
    ),
    show_all=False,
)

DIMENSIONS: dict[str, Dimension] = {
    d.key: d for d in (TIER, FUNCTION, FUNCTION_TYPE, EMAIL_KIND, GENDER, PANEL)
}
CURVE_DIMENSIONS = ("tier", "function", "function_type", "panel")
"""Dimensions ``monitor_curve`` is kept by."""


@dataclass(frozen=True)
class Split:
    rows: tuple[Dimension, ...]
    by: Dimension
    title: str
    note: str = ""


@dataclass(frozen=True)
class Layout:
    title: str
    rows: tuple[Dimension, ...]
    """Nesting of the main table; a subtotal row closes each outer group."""
    totals: tuple[Dimension, ...] = ()
    """Extra blocks of totals below the main rows (Table 1.2's per function type)."""
    split: Split | None = None
    composition: tuple[Dimension, ...] = (TIER,)
    curve: tuple[Dimension, ...] = (TIER,)
    """Groupings the daily curve can be drawn by; the first is the default."""


LAYOUTS: dict[str, Layout] = {
    "officials": Layout(
        title="Politieke ambtsdragers",
        rows=(TIER, FUNCTION),
        totals=(FUNCTION_TYPE,),
        split=Split(
            rows=(TIER, FUNCTION),
            by=EMAIL_KIND,
            title="Respons naar soort e-mailadres",
            note="Zoals Tabel 4.4: het aandeel persoonlijke adressen per functie "
            "en de verdeling van de respons over algemene en persoonlijke adressen.",
        ),
        composition=(TIER, FUNCTION, GENDER),
        curve=(FUNCTION_TYPE, TIER, FUNCTION),
    ),
    "employees": Layout(
        title="Medewerkers",
        rows=(TIER,),
        split=Split(
            rows=(TIER,),
            by=PANEL,
            title="Respons naar panel",
            note="Zoals Tabel 1.3: per bestuurslaag de respons uit elk panel.",
        ),
        composition=(TIER, GENDER, PANEL),
        curve=(TIER, PANEL),
    ),
    "organisations": Layout(
        title="Organisaties",
        rows=(TIER,),
        composition=(TIER,),
        curve=(TIER,),
    ),
}
DEFAULT_LAYOUT = Layout(title="Vragenlijst", rows=(TIER,), composition=(TIER, GENDER))


def layout_for(questionnaire: str) -> Layout:
    return LAYOUTS.get(questionnaire, DEFAULT_LAYOUT)
