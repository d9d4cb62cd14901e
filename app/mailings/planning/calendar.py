"""The fieldwork calendar and rule resolution: pure functions, no database.

A ``Calendar`` knows the fieldwork window, the sending weekdays and hours, the
Dutch public holidays (from the ``holidays`` library) and the recesses, per
tier where they differ. ``resolve`` turns a declarative rule into a concrete
moment: it computes the rule's nominal moment and moves it forward to the next
allowed sending slot (a sending weekday, no holiday, no recess of the tier,
within sending hours), explaining every move. ``before_closing`` moves
backward instead, so that it never slides past the closing date. Fixed
moments are never moved, only warned about.

Liberation Day (5 May): ``holidays.NL`` lists it as a public holiday only in
lustrum years (what many collective agreements give as a day off) and as an
"optional" holiday every year. Government employers (CAO Gemeenten, CAO Rijk)
give it every year, and our respondents work in government, so by default the
calendar treats it as a holiday every year (``liberation_day_every_year``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from app.mailings.planning.schemas import (
    AfterMailing,
    AfterRecess,
    BeforeClosing,
    Fixed,
    OnOpening,
    Rule,
)

WEEKDAYS_NL = (
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
)
MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
MAX_SEARCH_DAYS = 400


def format_date_nl(day: dt.date) -> str:
    """``dinsdag 21 mei 2024``."""
    return (
        f"{WEEKDAYS_NL[day.weekday()]} {day.day} {MONTHS_NL[day.month - 1]} {day.year}"
    )


def format_moment_nl(moment: dt.datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{format_date_nl(local.date())} {local:%H:%M}"


def dutch_holidays(
    years: Iterable[int], *, liberation_day_every_year: bool = True
) -> dict[dt.date, str]:
    categories = ("public", "optional") if liberation_day_every_year else ("public",)
    found = holidays.country_holidays(
        "NL", years=sorted(set(years)), categories=categories, language="nl"
    )
    return dict(found.items())


@dataclass(frozen=True)
class RecessPeriod:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    tier: str | None = None
    """None: every tier (unless a tier has its own period with the same name)."""

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Issue:
    level: Literal["warning", "info", "error"]
    code: str
    message: str


@dataclass(frozen=True)
class Resolution:
    """A rule resolved for one tier: the moment (UTC) or None when it cannot be."""

    tier: str | None
    at: dt.datetime | None
    issues: tuple[Issue, ...] = ()

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level != "info")


@dataclass(frozen=True)
class Calendar:
    timezone: str = "Europe/Amsterdam"
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    sending_weekdays: frozenset[int] = frozenset({2, 3, 4})
    """ISO weekdays (1 = Monday)."""
    send_from: dt.time = dt.time(9, 0)
    send_until: dt.time = dt.time(16, 0)
    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    recesses: tuple[RecessPeriod, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        timezone: str = "Europe/Amsterdam",
        opens_on: dt.date | None = None,
        closes_on: dt.date | None = None,
        sending_weekdays: Iterable[int] = (2, 3, 4),
        send_from: dt.time = dt.time(9, 0),
        send_until: dt.time = dt.time(16, 0),
        liberation_day_every_year: bool = True,
        recesses: Iterable[RecessPeriod] = (),
        today: dt.date | None = None,
    ) -> Calendar:
        anchors = [d for d in (opens_on, closes_on, today) if d is not None]
        anchors = anchors or [dt.date.today()]
        years = range(
            min(a.year for a in anchors) - 1, max(a.year for a in anchors) + 2
        )
        return cls(
            timezone=timezone,
            opens_on=opens_on,
            closes_on=closes_on,
            sending_weekdays=frozenset(sending_weekdays),
            send_from=send_from,
            send_until=send_until,
            holidays=dutch_holidays(
                years, liberation_day_every_year=liberation_day_every_year
            ),
            recesses=tuple(recesses),
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # -- days ---------------------------------------------------------------
    def recesses_for(self, tier: str | None) -> list[RecessPeriod]:
        """The periods that apply to ``tier``: its own, plus general ones whose
        name it does not override."""
        own = [r for r in self.recesses if tier is not None and r.tier == tier]
        overridden = {r.name for r in own}
        general = [
            r for r in self.recesses if r.tier is None and r.name not in overridden
        ]
        return own + general

    def recess_on(self, day: dt.date, tier: str | None) -> RecessPeriod | None:
        return next((r for r in self.recesses_for(tier) if r.contains(day)), None)

    def find_recess(self, name: str, tier: str | None) -> RecessPeriod | None:
        return next((r for r in self.recesses_for(tier) if r.name == name), None)

    def holiday_on(self, day: dt.date) -> str | None:
        return self.holidays.get(day)

    def is_working_day(self, day: dt.date, tier: str | None) -> bool:
        """Monday to Friday, no public holiday, no recess of the tier."""
        return (
            day.isoweekday() <= 5
            and day not in self.holidays
            and self.recess_on(day, tier) is None
        )

    def is_sending_day(self, day: dt.date, tier: str | None) -> bool:
        return (
            day.isoweekday() in self.sending_weekdays
            and day not in self.holidays
            and self.recess_on(day, tier) is None
        )

    def why_not_sending(self, day: dt.date, tier: str | None) -> str | None:
        if (name := self.holiday_on(day)) is not None:
            return f"feestdag ({name})"
        if (recess := self.recess_on(day, tier)) is not None:
            return f"reces ({recess.name})"
        if day.isoweekday() not in self.sending_weekdays:
            return f"geen verzenddag ({WEEKDAYS_NL[day.weekday()]})"
        return None

    def add_working_days(self, day: dt.date, count: int, tier: str | None) -> dt.date:
        """The ``count``-th working day after ``day`` (negative: before)."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        for _ in range(MAX_SEARCH_DAYS):
            if remaining == 0:
                return day
            day += dt.timedelta(days=step)
            if self.is_working_day(day, tier):
                remaining -= 1
        raise ValueError("no working day found within a year")

    # -- moments ------------------------------------------------------------
    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def at_local(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.tz)

    def in_slot(self, moment: dt.datetime, tier: str | None) -> bool:
        local = self.local(moment)
        return (
            self.is_sending_day(local.date(), tier)
            and self.send_from <= local.time() < self.send_until
        )

    def next_slot(self, moment: dt.datetime, tier: str | None) -> dt.datetime:
        """The first moment at or after ``moment`` when mail may go out (UTC)."""
        local = self.local(moment)
        day, time = local.date(), local.time()
        if time >= self.send_until:
            day, time = day + dt.timedelta(days=1), self.send_from
        elif time < self.send_from:
            time = self.send_from
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_sending_day(day, tier):
                return self.at_local(day, time).astimezone(dt.UTC)
            day += dt.timedelta(days=1)  # same time of day: it is within hours
        raise ValueError("no sending day within a year: check the sending weekdays")

    def previous_slot(self, moment: dt.datetime, tier: str | None) -> dt.datetime:
        """The last slot moment at or before ``moment`` (keeping the time of day)."""
        local = self.local(moment)
        day, time = local.date(), local.time()
        if time < self.send_from:
            day, time = day - dt.timedelta(days=1), self.send_from
        elif time >= self.send_until:
            time = self.send_from
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_sending_day(day, tier):
                return self.at_local(day, time).astimezone(dt.UTC)
            day -= dt.timedelta(days=1)
        raise ValueError("no sending day within a year: check the sending weekdays")


# -- rule resolution -----------------------------------------------------------

Resolved = Mapping[str, Mapping[str | None, Resolution]]


def resolve(
    calendar: Calendar,
    rule: Rule,
    *,
    tier: str | None,
    resolved: Resolved | None = None,
) -> Resolution:
    """The moment ``rule`` means for ``tier``; ``resolved`` holds the mailings
    resolved so far (for ``after_mailing``)."""
    issues: list[Issue] = []
    if isinstance(rule, Fixed):
        at = rule.at.replace(tzinfo=calendar.tz).astimezone(dt.UTC)
        issues += _fixed_issues(calendar, rule, at, tier)
        return Resolution(tier, at, tuple(issues + _window_issues(calendar, at)))
    nominal = _nominal(calendar, rule, tier, resolved or {}, issues)
    if nominal is None:
        return Resolution(tier, None, tuple(issues))
    if isinstance(rule, BeforeClosing):
        at = calendar.previous_slot(nominal, tier)
    else:
        at = calendar.next_slot(nominal, tier)
    if at != nominal.astimezone(dt.UTC):
        issues.append(_moved(calendar, nominal, at, tier))
    return Resolution(tier, at, tuple(issues + _window_issues(calendar, at)))


def _nominal(
    calendar: Calendar,
    rule: Rule,
    tier: str | None,
    resolved: Resolved,
    issues: list[Issue],
) -> dt.datetime | None:
    time = getattr(rule, "at", None) or calendar.send_from
    if isinstance(rule, OnOpening):
        if calendar.opens_on is None:
            issues.append(
                Issue("error", "no_window", "De wave heeft geen openingsdatum.")
            )
            return None
        return calendar.at_local(calendar.opens_on, time)
    if isinstance(rule, BeforeClosing):
        if calendar.closes_on is None:
            issues.append(
                Issue("error", "no_window", "De wave heeft geen sluitingsdatum.")
            )
            return None
        day = calendar.add_working_days(calendar.closes_on, -rule.working_days, tier)
        return calendar.at_local(day, time)
    if isinstance(rule, AfterRecess):
        recess = calendar.find_recess(rule.recess, tier)
        if recess is None:
            issues.append(
                Issue(
                    "error",
                    "unknown_recess",
                    f"Er is geen reces '{rule.recess}'"
                    + (f" voor {tier}." if tier else "."),
                )
            )
            return None
        day = calendar.add_working_days(recess.ends_on, rule.working_days, tier)
        return calendar.at_local(day, time)
    assert isinstance(rule, AfterMailing)
    base = resolved.get(rule.mailing, {})
    reference = base.get(tier) or base.get(None)
    if reference is None and base:
        reference = next(iter(base.values()))
    if reference is None or reference.at is None:
        issues.append(
            Issue(
                "error",
                "unknown_mailing",
                f"Mailing '{rule.mailing}' bestaat niet of heeft geen moment.",
            )
        )
        return None
    local = calendar.local(reference.at)
    if rule.working_days:
        day = calendar.add_working_days(local.date(), rule.days, tier)
    else:
        day = local.date() + dt.timedelta(days=rule.days)
    return calendar.at_local(day, rule.at or local.time())


def _moved(
    calendar: Calendar, nominal: dt.datetime, at: dt.datetime, tier: str | None
) -> Issue:
    local = calendar.local(nominal)
    reason = calendar.why_not_sending(local.date(), tier) or "buiten de verzenduren"
    return Issue(
        "info",
        "moved",
        f"Verschoven van {format_moment_nl(nominal, calendar.tz)} naar "
        f"{format_moment_nl(at, calendar.tz)}: {reason}.",
    )


def _fixed_issues(
    calendar: Calendar, rule: Fixed, at: dt.datetime, tier: str | None
) -> list[Issue]:
    local = calendar.local(at)
    issues = []
    if (name := calendar.holiday_on(local.date())) is not None:
        issues.append(Issue("warning", "holiday", f"Valt op een feestdag ({name})."))
    if (recess := calendar.recess_on(local.date(), tier)) is not None:
        issues.append(Issue("warning", "recess", f"Valt in het reces '{recess.name}'."))
    if local.date().isoweekday() not in calendar.sending_weekdays:
        issues.append(
            Issue(
                "warning",
                "weekday",
                f"Valt op een {WEEKDAYS_NL[local.weekday()]}, geen verzenddag.",
            )
        )
    if not calendar.send_from <= local.time() < calendar.send_until:
        hours = f"{calendar.send_from:%H:%M}–{calendar.send_until:%H:%M}"
        if rule.outside_hours_ok:
            issues.append(
                Issue(
                    "warning", "hours", f"Buiten de verzenduren ({hours}), zo bedoeld."
                )
            )
        else:
            issues.append(
                Issue(
                    "warning",
                    "hours",
                    f"Buiten de verzenduren ({hours}): de mail wacht tot het volgende verzendmoment.",
                )
            )
    return issues


def _window_issues(calendar: Calendar, at: dt.datetime) -> list[Issue]:
    day = calendar.local(at).date()
    if calendar.opens_on is not None and day < calendar.opens_on:
        return [
            Issue("warning", "before_window", "Valt vóór de opening van het veldwerk.")
        ]
    if calendar.closes_on is not None and day > calendar.closes_on:
        return [
            Issue("warning", "after_window", "Valt na de sluiting van het veldwerk.")
        ]
    return []


@dataclass(frozen=True)
class PlanEntry:
    name: str
    rule: Rule


def resolve_plan(
    calendar: Calendar, entries: Sequence[PlanEntry], tiers: Iterable[str | None]
) -> dict[str, dict[str | None, Resolution]]:
    """Resolve every mailing of a plan for every tier, references first.

    A mailing whose reference is missing, or part of a cycle, resolves to
    ``at=None`` with an error issue instead of raising.
    """
    tiers = list(dict.fromkeys(tiers)) or [None]
    by_name = {e.name: e for e in entries}
    done: dict[str, dict[str | None, Resolution]] = {}
    visiting: set[str] = set()

    def visit(entry: PlanEntry) -> None:
        if entry.name in done:
            return
        if entry.name in visiting:
            issue = Issue(
                "error", "cycle", f"'{entry.name}' verwijst (via) naar zichzelf."
            )
            done[entry.name] = {t: Resolution(t, None, (issue,)) for t in tiers}
            return
        visiting.add(entry.name)
        if isinstance(entry.rule, AfterMailing) and entry.rule.mailing in by_name:
            visit(by_name[entry.rule.mailing])
        visiting.discard(entry.name)
        if entry.name not in done:
            done[entry.name] = {
                t: resolve(calendar, entry.rule, tier=t, resolved=done) for t in tiers
            }

    for entry in entries:
        visit(entry)
    return done
