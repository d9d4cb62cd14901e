"""Synthetic address files with the shape of the real ones (for demos and benchmarks).

Pure and deterministic: ``demo_frame(kind, seed=..., size=...)`` yields rows
(header → value, Dutch headers as a fieldwork manager's file has them) and the
same seed gives the same file. Counts follow the 2024 report: 342
municipalities (with the G4 by their real names and CBS codes), 12 provinces,
21 water boards; per function the totals of Table 4.3 (1,397 aldermen, 8,476
council members, 62 gedeputeerden, 571 statenleden, 91 DB and 502 AB members)
and the share of personal addresses of Table 4.4. People and most places are
made up; every address is under the reserved ``.test`` domain.
"""

# Seeded random on purpose: the same seed must give the same synthetic file.
# ruff: noqa: S311

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

G4 = (
    ("GM0363", "Amsterdam"),
    ("GM0599", "Rotterdam"),
    ("GM0518", "Den Haag"),
    ("GM0344", "Utrecht"),
)
PROVINCES = (
    ("PV20", "Groningen", 43), ("PV21", "Fryslân", 43), ("PV22", "Drenthe", 41),
    ("PV23", "Overijssel", 47), ("PV24", "Flevoland", 41), ("PV25", "Gelderland", 55),
    ("PV26", "Utrecht", 49), ("PV27", "Noord-Holland", 55), ("PV28", "Zuid-Holland", 55),
    ("PV29", "Zeeland", 39), ("PV30", "Noord-Brabant", 55), ("PV31", "Limburg", 47),
)  # fmt: skip
WATER_BOARDS = (
    "Wetterskip Fryslân", "Noorderzijlvest", "Hunze en Aa's", "Drents Overijsselse Delta",
    "Vechtstromen", "Zuiderzeeland", "Vallei en Veluwe", "Rijn en IJssel",
    "Amstel, Gooi en Vecht", "Hollands Noorderkwartier", "Rijnland",
    "De Stichtse Rijnlanden", "Delfland", "Schieland en de Krimpenerwaard",
    "Hollandse Delta", "Rivierenland", "Scheldestromen", "Brabantse Delta", "De Dommel",
    "Aa en Maas", "Limburg",
)  # fmt: skip

# Table 4.4: share of personal addresses per function.
PERSONAL_SHARE = {
    "burgemeester": 0.56, "wethouder": 0.57, "raadslid": 0.98, "cdk": 0.91,
    "gedeputeerde": 0.90, "statenlid": 1.00, "dijkgraaf": 0.95, "lid_db": 0.97,
    "lid_ab": 0.99,
}  # fmt: skip
GENERAL_MAILBOX = {
    "burgemeester": "bestuurssecretariaat", "wethouder": "bestuurssecretariaat",
    "raadslid": "griffie", "cdk": "kabinet", "gedeputeerde": "bestuurssecretariaat",
    "statenlid": "statengriffie", "dijkgraaf": "bestuurssecretariaat",
    "lid_db": "bestuurssecretariaat", "lid_ab": "secretariaat-ab",
}  # fmt: skip
FUNCTION_LABELS = {
    "burgemeester": "Burgemeester", "wethouder": "Wethouder", "raadslid": "Raadslid",
    "cdk": "Commissaris van de Koning", "gedeputeerde": "Gedeputeerde",
    "statenlid": "Statenlid", "dijkgraaf": "Dijkgraaf", "lid_db": "Lid DB",
    "lid_ab": "Lid AB",
}  # fmt: skip

_PREFIXES = (
    "Ooster", "Wester", "Noorder", "Zuider", "Berg", "Hoog", "Laag", "Nieuw", "Oud",
    "Groot", "Klein", "Veen", "Zand", "Heide", "Maas", "Rijn", "Eem", "Vlie", "Dal",
    "Wijk", "Brug", "Dijk", "Hooge", "Linde", "Esch", "Holt", "Wolder", "Beek", "Mol",
    "Wad", "Kroon", "Ven", "Haar", "Loos", "Sluis", "Brink", "Akker", "Bos", "Meer",
)  # fmt: skip
_SUFFIXES = (
    "wolde", "dam", "dijk", "veen", "horst", "hoven", "berg", "broek", "sloot", "hout",
    "meer", "zijl", "wijk", "dorp", "hem", "um", "ingen", "rade", "loo", "beek",
    "voort", "stein", "kerk", "haven", "lo", "burg", "land", "waard",
)  # fmt: skip
_WOMEN = (
    "Anna", "Emma", "Sophie", "Julia", "Lotte", "Sanne", "Fleur", "Eva", "Iris",
    "Marieke", "Annemarie", "Ingrid", "Petra", "Esther", "Yvonne", "Karin", "Linda",
    "Mirjam", "Nadia", "Fatima", "Ayşe", "Saskia", "Hanneke", "Wilma", "Renée",
)  # fmt: skip
_MEN = (
    "Jan", "Pieter", "Kees", "Henk", "Willem", "Gerrit", "Johan", "Bas", "Thijs",
    "Ruud", "Marco", "Erik", "Maarten", "Sander", "Mohamed", "Youssef", "Joost",
    "Hans", "Frank", "Arjen", "Bram", "Lucas", "Jeroen", "Rik", "Mehmet",
)  # fmt: skip
_INFIXES = (
    "",
    "",
    "",
    "",
    "",
    "van",
    "de",
    "van der",
    "van den",
    "van de",
    "ter",
    "den",
)
_SURNAMES = (
    "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
    "Hendriks", "Dekker", "Brouwer", "Dijkstra", "Kok", "Wit", "Vries", "Berg",
    "Linden", "Boer", "Graaf", "Veen", "Wal", "Hoekstra", "Kramer", "Postma",
    "Sánchez", "Çelik", "Öztürk", "El Amrani", "Yılmaz", "Nguyen", "Ramdin",
    "Schouten", "Willems", "Prins", "Huisman", "Koster", "Timmermans", "Groot",
)  # fmt: skip
_PARTIES = (
    "VVD", "CDA", "D66", "GroenLinks-PvdA", "BBB", "PVV", "SP", "ChristenUnie",
    "SGP", "PvdD", "Lokale partij", "Lokale partij", "Lokale partij",
)  # fmt: skip
_JOB_GROUPS = (
    "Beleid / advies / onderzoek", "Management / leidinggevend",
    "Ondersteuning / secretarieel", "Toezicht / handhaving",
    "Maatschappelijke hulpverlening", "Dienstverlening / balie", "Bestuurlijke taken",
    "Anders",
)  # fmt: skip

OFFICIALS_HEADERS = ("Naam", "E-mailadres", "Bestuurslaag", "Organisatie",
                     "Organisatiecode", "Functie", "Soort adres", "Geslacht", "Partij")  # fmt: skip
EMPLOYEES_HEADERS = ("E-mailadres", "Bestuurslaag", "Organisatie", "Organisatiecode",
                     "Geslacht", "Panel", "Functiegroep")  # fmt: skip
ORGANISATIONS_HEADERS = ("Organisatie", "Organisatiecode", "Bestuurslaag",
                         "Naam secretaris", "E-mailadres")  # fmt: skip


@dataclass(frozen=True)
class DemoSize:
    """How big the synthetic country is (the defaults are the real one)."""

    municipalities: int = 342
    provinces: int = 12
    water_boards: int = 21
    aldermen: int = 1397
    council_members: int = 8476
    provincial_executives: int = 62
    provincial_council_members: int = 571
    db_members: int = 91
    ab_members: int = 502
    panel_members: int = 1049
    """I&O Research Panel members working for a municipality, province or water board."""


FULL = DemoSize()
SMALL = DemoSize(
    municipalities=24, provinces=3, water_boards=3, aldermen=98, council_members=520,
    provincial_executives=16, provincial_council_members=140, db_members=13,
    ab_members=70, panel_members=240,
)  # fmt: skip


@dataclass(frozen=True)
class DemoOrganisation:
    code: str
    name: str
    tier: str
    domain: str
    executives: int
    representatives: int


def organisations(seed: int = 2024, size: DemoSize = FULL) -> list[DemoOrganisation]:
    """The synthetic organisations, identical for every kind of file with one seed."""
    rng = random.Random(f"veldwerk-demo:{seed}:organisations")
    result: list[DemoOrganisation] = []
    names = _municipality_names(rng, size.municipalities - len(G4))
    codes = rng.sample(range(1, 2000), len(names) + 8)
    taken = {int(code[2:]) for code, _ in G4}
    free = [c for c in codes if c not in taken][: len(names)]
    municipalities = [*G4[: size.municipalities]] + [
        (f"GM{code:04d}", name) for code, name in zip(free, names, strict=True)
    ]
    seats = _council_sizes(rng, len(municipalities), size.council_members)
    aldermen = _allocate(rng, size.aldermen, [s / 6 for s in seats], 2, 9)
    for (code, name), reps, execs in zip(municipalities, seats, aldermen, strict=True):
        result.append(DemoOrganisation(
            code, f"Gemeente {name}", "gemeente", f"gemeente-{_slug(name)}.test", execs, reps
        ))  # fmt: skip
    provinces = PROVINCES[: size.provinces]
    staten = _allocate(
        rng, size.provincial_council_members, [p[2] for p in provinces], 35, 57
    )
    deputies = _allocate(rng, size.provincial_executives, [1.0] * len(provinces), 3, 8)
    for (code, name, _), reps, execs in zip(provinces, staten, deputies, strict=True):
        result.append(DemoOrganisation(
            code, f"Provincie {name}", "provincie", f"provincie-{_slug(name)}.test", execs, reps
        ))  # fmt: skip
    boards = WATER_BOARDS[: size.water_boards]
    general = _allocate(rng, size.ab_members, [1.0] * len(boards), 15, 35)
    daily = _allocate(rng, size.db_members, [1.0] * len(boards), 3, 7)
    for index, (name, reps, execs) in enumerate(
        zip(boards, general, daily, strict=True)
    ):
        result.append(DemoOrganisation(
            f"WS{index + 1:04d}", f"Waterschap {name}", "waterschap",
            f"ws-{_slug(name)}.test", execs, reps,
        ))  # fmt: skip
    return result


def demo_frame(
    kind: str = "officials", *, seed: int = 2024, size: DemoSize = FULL
) -> Iterator[dict[str, str]]:
    """Rows of a synthetic address file of ``kind`` (officials, employees, organisations)."""
    if kind == "officials":
        return _officials(seed, size)
    if kind == "employees":
        return _employees(seed, size)
    if kind == "organisations":
        return _organisations(seed, size)
    raise ValueError(f"unknown frame kind {kind!r}")


def headers(kind: str) -> tuple[str, ...]:
    return {
        "officials": OFFICIALS_HEADERS,
        "employees": EMPLOYEES_HEADERS,
        "organisations": ORGANISATIONS_HEADERS,
    }[kind]


def write_csv(
    rows: Iterator[dict[str, str]], out: IO[str], *, kind: str, delimiter: str = ";"
) -> int:
    """Write rows as Dutch Excel would (``;``); returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=headers(kind), delimiter=delimiter)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def demo_frame_bytes(
    kind: str = "officials", *, seed: int = 2024, size: DemoSize = FULL
) -> bytes:
    """The whole file as UTF-8 with BOM, ready for ``frames.import_frame``."""
    buffer = io.StringIO()
    write_csv(demo_frame(kind, seed=seed, size=size), buffer, kind=kind)
    return buffer.getvalue().encode("utf-8-sig")


def _officials(seed: int, size: DemoSize) -> Iterator[dict[str, str]]:
    rng = random.Random(f"veldwerk-demo:{seed}:officials")
    people: list[tuple[DemoOrganisation, str]] = []
    chair = {"gemeente": "burgemeester", "provincie": "cdk", "waterschap": "dijkgraaf"}
    execs = {
        "gemeente": "wethouder",
        "provincie": "gedeputeerde",
        "waterschap": "lid_db",
    }
    reps = {"gemeente": "raadslid", "provincie": "statenlid", "waterschap": "lid_ab"}
    for org in organisations(seed, size):
        people.append((org, chair[org.tier]))
        people.extend((org, execs[org.tier]) for _ in range(org.executives))
        people.extend((org, reps[org.tier]) for _ in range(org.representatives))
    personal = _personal_flags(rng, [function for _, function in people])
    used: set[str] = set()
    for (org, function), is_personal in zip(people, personal, strict=True):
        first, infix, last, gender = _person(rng)
        if is_personal:
            email = _unique(used, f"{first[0]}.{_slug(infix + last)}", org.domain)
        else:
            email = f"{GENERAL_MAILBOX[function]}@{org.domain}"
        yield {
            "Naam": " ".join(p for p in (first, infix, last) if p),
            "E-mailadres": email,
            "Bestuurslaag": org.tier,
            "Organisatie": org.name,
            "Organisatiecode": org.code,
            "Functie": FUNCTION_LABELS[function],
            "Soort adres": "persoonlijk" if is_personal else "algemeen",
            "Geslacht": gender,
            "Partij": rng.choice(_PARTIES),
        }


def _employees(seed: int, size: DemoSize) -> Iterator[dict[str, str]]:
    rng = random.Random(f"veldwerk-demo:{seed}:employees")
    orgs = organisations(seed, size)
    weights = [
        {"gemeente": 1.0, "provincie": 4.0, "waterschap": 2.5}[o.tier] for o in orgs
    ]
    for number in range(1, size.panel_members + 1):
        org = rng.choices(orgs, weights)[0]
        first, infix, last, gender = _person(rng)
        yield {
            "E-mailadres": f"{_slug(first)}.{_slug(infix + last)}.{number}@panel-io.test",
            "Bestuurslaag": org.tier,
            "Organisatie": org.name,
            "Organisatiecode": org.code,
            "Geslacht": gender,
            "Panel": "I&O Research Panel",
            "Functiegroep": rng.choice(_JOB_GROUPS),
        }


def _organisations(seed: int, size: DemoSize) -> Iterator[dict[str, str]]:
    rng = random.Random(f"veldwerk-demo:{seed}:secretaries")
    mailbox = {"gemeente": "gemeentesecretaris", "provincie": "provinciesecretaris",
               "waterschap": "secretaris-directeur"}  # fmt: skip
    for org in organisations(seed, size):
        first, infix, last, _ = _person(rng)
        yield {
            "Organisatie": org.name,
            "Organisatiecode": org.code,
            "Bestuurslaag": org.tier,
            "Naam secretaris": " ".join(p for p in (first, infix, last) if p),
            "E-mailadres": f"{mailbox[org.tier]}@{org.domain}",
        }


def _person(rng: random.Random) -> tuple[str, str, str, str]:
    woman = rng.random() < 0.37
    first = rng.choice(_WOMEN if woman else _MEN)
    known = rng.random() < 0.85  # gender "where known"
    gender = ("vrouw" if woman else "man") if known else ""
    return first, rng.choice(_INFIXES), rng.choice(_SURNAMES), gender


def _personal_flags(rng: random.Random, functions: list[str]) -> list[bool]:
    """Exactly the Table 4.4 share of personal addresses per function."""
    flags = [True] * len(functions)
    by_function: dict[str, list[int]] = {}
    for index, function in enumerate(functions):
        by_function.setdefault(function, []).append(index)
    for function, indexes in sorted(by_function.items()):
        general = len(indexes) - round(PERSONAL_SHARE[function] * len(indexes))
        for index in rng.sample(indexes, general):
            flags[index] = False
    return flags


def _council_sizes(rng: random.Random, count: int, total: int) -> list[int]:
    """Odd council sizes (9 to 45, the G4 at 45) adding up to ``total``."""
    sizes = [45] * min(4, count) + [rng.choice((9, 11, 13, 15, 17, 19, 19, 21, 21, 23, 23, 25, 25, 27, 29, 31, 33, 35, 37, 39)) for _ in range(count - min(4, count))]  # fmt: skip
    others = list(range(min(4, count), count))
    while others and abs(diff := total - sum(sizes)) >= 2:
        index = rng.choice(others)
        step = 2 if diff > 0 else -2
        if 9 <= sizes[index] + step <= 39:
            sizes[index] += step
    if others and total - sum(sizes) in (1, -1):
        sizes[others[0]] += total - sum(sizes)
    return sizes


def _allocate(
    rng: random.Random, total: int, weights: list[float], low: int, high: int
) -> list[int]:
    """Integers proportional to ``weights`` within [low, high] that add up to ``total``."""
    scale = total / sum(weights)
    values = [min(high, max(low, round(w * scale))) for w in weights]
    guard = 0
    while (diff := total - sum(values)) != 0 and guard < 100_000:
        guard += 1
        index = rng.randrange(len(values))
        step = 1 if diff > 0 else -1
        if low <= values[index] + step <= high:
            values[index] += step
    return values


def _municipality_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    reserved = {name for _, name in G4}
    while len(names) < count:
        name = rng.choice(_PREFIXES) + rng.choice(_SUFFIXES)
        if rng.random() < 0.08:
            name = rng.choice(("Sint-", "Ter ", "Ten ")) + name
        if name not in reserved:
            names.add(name)
    return sorted(names)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def _unique(used: set[str], local: str, domain: str) -> str:
    candidate = f"{local}@{domain}"
    number = 2
    while candidate in used:
        candidate = f"{local}{number}@{domain}"
        number += 1
    used.add(candidate)
    return candidate
