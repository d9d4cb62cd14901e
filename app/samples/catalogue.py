"""The sample design's vocabulary: tiers, functions and function types.

Codes are what invitations, routing (``function in [...]``), the monitor and
exports use; labels are Dutch as in the report's tables. Aliases map what real
address files say ("Lid AB", "Commissaris van de Koning") to the codes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

TIERS: dict[str, str] = {
    "gemeente": "Gemeente",
    "provincie": "Provincie",
    "waterschap": "Waterschap",
}

FUNCTION_TYPES: dict[str, str] = {
    "voorzitter": "Voorzitters",
    "dagelijks_bestuur": "Leden dagelijks bestuur",
    "volksvertegenwoordiger": "Volksvertegenwoordigers",
}


@dataclass(frozen=True)
class Function:
    code: str
    label: str
    plural: str
    tier: str
    function_type: str
    salutation: str
    """Salutation in invitation mails: "Geachte burgemeester"."""


FUNCTIONS: dict[str, Function] = {
    f.code: f
    for f in (
        Function(
            "burgemeester",
            "Burgemeester",
            "Burgemeesters",
            "gemeente",
            "voorzitter",
            "Geachte burgemeester",
        ),
        Function(
            "wethouder",
            "Wethouder",
            "Wethouders",
            "gemeente",
            "dagelijks_bestuur",
            "Geachte wethouder",
        ),
        Function(
            "raadslid",
            "Raadslid",
            "Raadsleden",
            "gemeente",
            "volksvertegenwoordiger",
            "Geacht raadslid",
        ),
        Function(
            "cdk",
            "Commissaris van de Koning",
            "CvK",
            "provincie",
            "voorzitter",
            "Geachte commissaris",
        ),
        Function(
            "gedeputeerde",
            "Gedeputeerde",
            "Gedeputeerden",
            "provincie",
            "dagelijks_bestuur",
            "Geachte gedeputeerde",
        ),
        Function(
            "statenlid",
            "Statenlid",
            "Statenleden",
            "provincie",
            "volksvertegenwoordiger",
            "Geacht statenlid",
        ),
        Function(
            "dijkgraaf",
            "Dijkgraaf/watergraaf",
            "Dijkgraven/watergraven",
            "waterschap",
            "voorzitter",
            "Geachte dijkgraaf",
        ),
        Function(
            "lid_db",
            "Lid dagelijks bestuur",
            "DB-leden",
            "waterschap",
            "dagelijks_bestuur",
            "Geachte heer/mevrouw",
        ),
        Function(
            "lid_ab",
            "Lid algemeen bestuur",
            "AB-leden",
            "waterschap",
            "volksvertegenwoordiger",
            "Geachte heer/mevrouw",
        ),
    )
}

FUNCTION_ALIASES: dict[str, str] = {
    "burgemeester": "burgemeester",
    "wethouder": "wethouder",
    "raadslid": "raadslid",
    "gemeenteraadslid": "raadslid",
    "cdk": "cdk",
    "cvk": "cdk",
    "commissaris van de koning": "cdk",
    "commissaris van de koningin": "cdk",
    "gedeputeerde": "gedeputeerde",
    "statenlid": "statenlid",
    "lid provinciale staten": "statenlid",
    "dijkgraaf": "dijkgraaf",
    "watergraaf": "dijkgraaf",
    "dijkgraaf/watergraaf": "dijkgraaf",
    "lid_db": "lid_db",
    "lid db": "lid_db",
    "db-lid": "lid_db",
    "lid dagelijks bestuur": "lid_db",
    "heemraad": "lid_db",
    "lid_ab": "lid_ab",
    "lid ab": "lid_ab",
    "ab-lid": "lid_ab",
    "lid algemeen bestuur": "lid_ab",
}

EMAIL_KINDS: dict[str, str] = {"persoonlijk": "Persoonlijk", "algemeen": "Algemeen"}

GENDERS: dict[str, str] = {"man": "Man", "vrouw": "Vrouw", "anders": "Anders"}


def function_type_of(function: str | None) -> str | None:
    found = FUNCTIONS.get(function or "")
    return found.function_type if found else None


def normalise_function(value: str) -> str | None:
    """Map what an address file says to a function code, or None if unknown."""
    return FUNCTION_ALIASES.get(" ".join(value.strip().lower().split()))


# --- Address-file vocabulary (what real files say → codes) -------------------

# More spellings seen in hand-built address files; added to FUNCTION_ALIASES
# below so ``normalise_function`` keeps one lookup table.
_MORE_FUNCTION_ALIASES: dict[str, str] = {
    "lid gemeenteraad": "raadslid",
    "lid van de gemeenteraad": "raadslid",
    "lid van de raad": "raadslid",
    "commissaris van de koning(in)": "cdk",
    "commissaris": "cdk",
    "kings commissioner": "cdk",
    "lid gedeputeerde staten": "gedeputeerde",
    "gs-lid": "gedeputeerde",
    "lid provinciale staten van": "statenlid",
    "lid van provinciale staten": "statenlid",
    "ps-lid": "statenlid",
    "statenlid provincie": "statenlid",
    "dijkgraaf / watergraaf": "dijkgraaf",
    "voorzitter waterschap": "dijkgraaf",
    "hoogheemraad": "lid_db",
    "lid dagelijks bestuur waterschap": "lid_db",
    "lid van het dagelijks bestuur": "lid_db",
    "lid algemeen bestuur waterschap": "lid_ab",
    "lid van het algemeen bestuur": "lid_ab",
    "lid verenigde vergadering": "lid_ab",
    "mayor": "burgemeester",
    "alderman": "wethouder",
    "council member": "raadslid",
    "councillor": "raadslid",
}
FUNCTION_ALIASES.update(_MORE_FUNCTION_ALIASES)

TIER_ALIASES: dict[str, str] = {
    "gemeente": "gemeente",
    "gemeenten": "gemeente",
    "gem": "gemeente",
    "municipality": "gemeente",
    "municipalities": "gemeente",
    "provincie": "provincie",
    "provincies": "provincie",
    "prov": "provincie",
    "province": "provincie",
    "provinces": "provincie",
    "waterschap": "waterschap",
    "waterschappen": "waterschap",
    "hoogheemraadschap": "waterschap",
    "wetterskip": "waterschap",
    "water board": "waterschap",
    "waterboard": "waterschap",
    "water boards": "waterschap",
}

EMAIL_KIND_ALIASES: dict[str, str] = {
    "persoonlijk": "persoonlijk",
    "persoonlijk adres": "persoonlijk",
    "p": "persoonlijk",
    "uniek": "persoonlijk",
    "individueel": "persoonlijk",
    "direct": "persoonlijk",
    "personal": "persoonlijk",
    "algemeen": "algemeen",
    "algemeen adres": "algemeen",
    "a": "algemeen",
    "generiek": "algemeen",
    "secretariaat": "algemeen",
    "general": "algemeen",
    "generic": "algemeen",
}

GENDER_ALIASES: dict[str, str | None] = {
    "man": "man",
    "m": "man",
    "male": "man",
    "mannelijk": "man",
    "dhr": "man",
    "dhr.": "man",
    "de heer": "man",
    "vrouw": "vrouw",
    "v": "vrouw",
    "f": "vrouw",
    "female": "vrouw",
    "vrouwelijk": "vrouw",
    "mevr": "vrouw",
    "mevr.": "vrouw",
    "mevrouw": "vrouw",
    "anders": "anders",
    "x": "anders",
    "other": "anders",
    "non-binair": "anders",
    "onbekend": None,
    "unknown": None,
    "-": None,
    "?": None,
}

PANELS: dict[str, str] = {
    "flitspanel": "Flitspanel (ICTU)",
    "io_panel": "I&O Research Panel",
}

PANEL_ALIASES: dict[str, str] = {
    "flitspanel": "flitspanel",
    "flitspanel (ictu)": "flitspanel",
    "ictu flitspanel": "flitspanel",
    "io_panel": "io_panel",
    "i&o research panel": "io_panel",
    "i&o panel": "io_panel",
    "io panel": "io_panel",
    "i&o": "io_panel",
}


def _key(value: str) -> str:
    return " ".join(value.strip().lower().split())


def normalise_tier(value: str) -> str | None:
    return TIER_ALIASES.get(_key(value))


def normalise_email_kind(value: str) -> str | None:
    return EMAIL_KIND_ALIASES.get(_key(value))


def normalise_panel(value: str) -> str:
    """Known panels get their code; another panel keeps a slug of its name."""
    key = _key(value)
    known = PANEL_ALIASES.get(key)
    if known:
        return known
    slug = "".join(c if c.isalnum() else "_" for c in key).strip("_")
    return "_".join(part for part in slug.split("_") if part)[:64]


def suggest(value: str, choices: dict[str, str]) -> str | None:
    """The code a misspelt value most likely meant ("did you mean"), if any."""
    found = difflib.get_close_matches(_key(value), list(choices), n=1, cutoff=0.7)
    return choices[found[0]] if found else None


def tier_order(tier: str | None) -> int:
    order = list(TIERS)
    return order.index(tier) if tier in TIERS else len(order)


def function_order(function: str | None) -> int:
    order = list(FUNCTIONS)
    return order.index(function) if function in FUNCTIONS else len(order)


def functions_of_type(function_type: str) -> list[str]:
    return [f.code for f in FUNCTIONS.values() if f.function_type == function_type]
