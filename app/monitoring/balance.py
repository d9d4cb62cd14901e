"""Representativeness on the monitor: R-indicators now, per day, and what to do.

Built from the tallies the monitor already reads (no scan of invitations):

* **now**: cells by tier, function, e-mail kind, gender (employees: panel),
  eligible invitations (AAPOR: all but NE) and respondents (I + P), fitted as
  in ``rindicators``;
* **per day**: the curve tallies hold responses per hour by tier, function,
  function type and panel (not e-mail kind or gender), so the daily R uses the
  questionnaire's variables among those (officials: tier and function). Each
  day's cells are today's eligible invitations with the responses up to the
  end of that local day. Fits of days whose counts have not changed come from
  a small cache. The curve tallies do not know eligibility: a cell's
  cumulative respondents are capped at its eligible respondents now, so a
  respondent marked not eligible afterwards only weighs on the days before;
* **suggestions**: the categories with the most negative partial indicators,
  each with a link to the mailing plan prefilled with a reminder audience for
  that category (people without response in it), showing its size.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.monitoring import queries
from app.monitoring.chart import Marker
from app.monitoring.layouts import DIMENSIONS
from app.monitoring.rindicators import (
    CategoryIndicator,
    Cell,
    RIndicators,
    r_indicators,
    variables_for,
)
from app.monitoring.tables import Group
from app.monitoring.tallies import CURVE_KEYS
from app.samples import catalogue

MAILED = ("officials", "organisations")
AUDIENCE_PARAMS = {
    "tier": "tiers",
    "function": "functions",
    "email_kind": "email_kinds",
    "gender": "genders",
}
TIER_PLURALS = {
    "gemeente": "gemeenten",
    "provincie": "provincies",
    "waterschap": "waterschappen",
}
GENDER_PLURALS = {"man": "mannen", "vrouw": "vrouwen", "anders": "anders"}


@dataclass(frozen=True)
class Suggestion:
    indicator: CategoryIndicator
    label: str
    audience_url: str | None


@dataclass(frozen=True)
class DayPoint:
    day: dt.date
    r: float | None
    response_rate: float | None


@dataclass(frozen=True)
class Balance:
    now: RIndicators | None
    suggestions: list[Suggestion]
    days: list[DayPoint]
    day_variables: tuple[str, ...]
    markers: list[Marker]


def cells_from_groups(groups: Sequence[Group], variables: Sequence[str]) -> list[Cell]:
    merged: dict[tuple[str, ...], list[int]] = {}
    for group in groups:
        key = tuple(group.values.get(v, "") or "" for v in variables)
        eligible = group.tally.invited - group.tally.ne
        responded = group.tally.i + group.tally.p
        entry = merged.setdefault(key, [0, 0])
        entry[0] += eligible
        entry[1] += responded
    return [
        Cell(dict(zip(variables, key, strict=True)), n, r)
        for key, (n, r) in merged.items()
        if n > 0
    ]


def category_label(variable: str, code: str) -> str:
    if code == "":
        return f"{DIMENSIONS[variable].label.lower()} onbekend"
    if variable == "function" and code in catalogue.FUNCTIONS:
        f = catalogue.FUNCTIONS[code]
        return f"{f.plural.lower()} in {TIER_PLURALS.get(f.tier, f.tier)}"
    if variable == "tier":
        return TIER_PLURALS.get(code, code)
    if variable == "gender":
        return GENDER_PLURALS.get(code, code)
    if variable == "email_kind":
        return f"{catalogue.EMAIL_KINDS.get(code, code).lower()} e-mailadres"
    return DIMENSIONS[variable].label_of(code) if variable in DIMENSIONS else code


def nl_decimal(value: float, decimals: int | None = None) -> str:
    """−0,04 (a true minus sign, a decimal comma); small values get a decimal more."""
    if decimals is None:
        decimals = 2 if abs(value) >= 0.01 or value == 0 else 3
    text = f"{abs(value):.{decimals}f}".replace(".", ",")
    return ("−" if value < 0 and text.strip("0,") else "") + text


def suggestion_url(
    wave_slug: str, questionnaire: str, indicator: CategoryIndicator
) -> str | None:
    param = AUDIENCE_PARAMS.get(indicator.variable)
    if questionnaire not in MAILED or param is None or indicator.category == "":
        return None
    query = urlencode(
        {
            "questionnaire": questionnaire,
            "kind": "reminder",
            "name": f"herinnering-{indicator.category}"[:64].replace("_", "-"),
            "only_without_response": "on",
            param: indicator.category,
        }
    )
    return f"/staff/waves/{wave_slug}/mailings?{query}#toevoegen"


_CACHE: OrderedDict[tuple[object, ...], RIndicators | None] = OrderedDict()
_CACHE_SIZE = 2048


def _cached(cells: list[Cell], variables: tuple[str, ...]) -> RIndicators | None:
    key = (
        variables,
        tuple(sorted((tuple(c.values.items()), c.n, c.responded) for c in cells)),
    )
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = r_indicators(cells, variables)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


async def build_balance(
    session: AsyncSession,
    *,
    wave_slug: str,
    wave_id: int,
    questionnaire: str,
    timezone: ZoneInfo,
    groups: Sequence[Group],
    days: Sequence[dt.date],
    markers: list[Marker],
) -> Balance:
    variables = variables_for(questionnaire)
    now = _cached(cells_from_groups(groups, variables), tuple(variables))
    suggestions = [
        Suggestion(
            c,
            category_label(c.variable, c.category),
            suggestion_url(wave_slug, questionnaire, c),
        )
        for c in (now.most_negative(3) if now else [])
    ]
    day_variables = tuple(v for v in variables if v in CURVE_KEYS)
    base: dict[tuple[str, ...], int] = defaultdict(int)
    reached: dict[tuple[str, ...], int] = defaultdict(int)
    for cell in cells_from_groups(groups, day_variables):
        key = tuple(cell.values[v] for v in day_variables)
        base[key] += cell.n
        reached[key] += cell.responded
    per_day: dict[tuple[str, ...], dict[dt.date, int]] = defaultdict(dict)
    for values, hour, n in await queries.curve_cells(
        session, wave_id=wave_id, questionnaire=questionnaire
    ):
        at = dt.datetime(
            int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]),
            tzinfo=dt.UTC,
        )  # fmt: skip
        day = at.astimezone(timezone).date()
        key = tuple(values.get(v, "") or "" for v in day_variables)
        per_day[key][day] = per_day[key].get(day, 0) + n
    points = []
    total = sum(base.values())
    for day in days:
        cells = []
        for key, n in base.items():
            # the curve also counts respondents marked not eligible later:
            # never more than the cell's eligible respondents now
            responded = min(
                reached[key],
                sum(c for d, c in per_day.get(key, {}).items() if d <= day),
            )
            cells.append(Cell(dict(zip(day_variables, key, strict=True)), n, responded))
        result = _cached(cells, day_variables)
        rate = sum(c.responded for c in cells) / total if total else None
        points.append(DayPoint(day, result.r if result else None, rate))
    return Balance(now, suggestions, points, day_variables, markers)


@dataclass(frozen=True)
class BalanceChart:
    width: int
    height: int
    left: int
    top: int
    bottom: int
    points: str
    dots: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, str]]
    markers: list[tuple[float, str]]
    title: str
    desc: str


def balance_chart(balance: Balance, timezone: str) -> BalanceChart | None:
    """R per day as a line (y from 0.5 to 1), mailings as dashed verticals."""
    zone = ZoneInfo(timezone or "Europe/Amsterdam")
    known = [p for p in balance.days if p.r is not None]
    if not balance.days or not known:
        return None
    width, height, left, top, bottom, right = 640, 220, 48, 16, 36, 16
    span = max(len(balance.days) - 1, 1)
    low = min(0.5, min(p.r for p in known if p.r is not None))

    def x(i: float) -> float:
        return left + (width - left - right) * i / span

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (1 - low))

    index = {p.day: i for i, p in enumerate(balance.days)}
    dots = [
        (
            round(x(index[p.day]), 1),
            round(y(p.r), 1),
            f"{p.day:%d-%m}: R = {nl_decimal(p.r, 3)}",
        )
        for p in known
        if p.r is not None
    ]
    ticks = [(round(y(v), 1), nl_decimal(v, 2)) for v in (low, (low + 1) / 2, 1.0)]
    first = balance.days[0].day
    markers = []
    for m in balance.markers:
        day = m.at.astimezone(zone).date()
        if day in index:
            markers.append((round(x(index[day]), 1), m.label))
    last = known[-1]
    return BalanceChart(
        width,
        height,
        left,
        top,
        bottom,
        " ".join(f"{a},{b}" for a, b, _ in dots),
        dots,
        ticks,
        markers,
        title="R-indicator per dag",
        desc=(
            f"R-indicator aan het eind van elke dag vanaf {first:%d-%m-%Y}, naar "
            f"{', '.join(DIMENSIONS[v].label.lower() for v in balance.day_variables)}; "
            f"laatste waarde {nl_decimal(last.r or 0, 3)} op {last.day:%d-%m-%Y}. "
            "Gestippelde lijnen: verzendingen."
        ),
    )


def labels_of(variables: Sequence[str], separator: str) -> str:
    return separator.join(
        DIMENSIONS[v].label.lower() if v in DIMENSIONS else v for v in variables
    )


TEMPLATE_HELPERS = {
    "nl_decimal": nl_decimal,
    "category_label": category_label,
    "balance_chart": balance_chart,
    "labels_of": labels_of,
}
