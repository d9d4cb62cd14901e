"""The fieldwork calendar and rule resolution (pure: no database).

The 2024 case from the report: fieldwork 16 April to 21 May, the May recess
of most municipalities 27 April – 5 May 2024, a reminder two working days
after the recess, so every mail lands in working time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from app.mailings.planning.calendar import (
    Calendar,
    PlanEntry,
    RecessPeriod,
    dutch_holidays,
    format_date_nl,
    resolve,
    resolve_plan,
)
from app.mailings.planning.schemas import (
    AfterMailing,
    AfterRecess,
    BeforeClosing,
    Fixed,
    OnOpening,
    dump_rule,
    parse_rule,
)

AMS = ZoneInfo("Europe/Amsterdam")
MAY_RECESS = RecessPeriod("meireces", dt.date(2024, 4, 27), dt.date(2024, 5, 5))


def local(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    assert moment.tzinfo is not None
    return moment.astimezone(AMS).replace(tzinfo=None)


def calendar_2024(**overrides: object) -> Calendar:
    values: dict[str, object] = {
        "opens_on": dt.date(2024, 4, 16),
        "closes_on": dt.date(2024, 5, 21),
        "sending_weekdays": (2, 3, 4),
        "send_from": dt.time(9, 0),
        "send_until": dt.time(16, 0),
        "recesses": [MAY_RECESS],
    }
    values.update(overrides)
    return Calendar.build(**values)  # type: ignore[arg-type]


class TestDutchHolidays:
    def test_2024_holidays_come_from_the_holidays_library(self) -> None:
        found = dutch_holidays([2024])
        assert found[dt.date(2024, 4, 27)] == "Koningsdag"
        assert found[dt.date(2024, 5, 9)] == "Hemelvaartsdag"
        assert found[dt.date(2024, 5, 19)] == "Eerste pinksterdag"
        assert found[dt.date(2024, 5, 20)] == "Tweede pinksterdag"

    def test_liberation_day_counts_every_year_by_default(self) -> None:
        # holidays.NL lists 5 May as public only in lustrum years (2025, 2030);
        # government staff have it off every year, so we treat it as a holiday.
        assert dutch_holidays([2024])[dt.date(2024, 5, 5)] == "Bevrijdingsdag"
        assert dt.date(2026, 5, 5) in dutch_holidays([2026])

    def test_liberation_day_only_in_lustrum_years_when_asked(self) -> None:
        assert dt.date(2024, 5, 5) not in dutch_holidays(
            [2024], liberation_day_every_year=False
        )
        assert dt.date(2025, 5, 5) in dutch_holidays(
            [2025], liberation_day_every_year=False
        )

    def test_dutch_date_format(self) -> None:
        assert format_date_nl(dt.date(2024, 5, 21)) == "dinsdag 21 mei 2024"


class TestThe2024Plan:
    def plan(self, calendar: Calendar) -> dict[str, dt.datetime]:
        entries = [
            PlanEntry("uitnodiging", OnOpening()),
            PlanEntry("herinnering-1", AfterMailing(mailing="uitnodiging", days=7)),
            PlanEntry(
                "herinnering-reces", AfterRecess(recess="meireces", working_days=2)
            ),
            PlanEntry("laatste-herinnering", BeforeClosing(working_days=1)),
        ]
        resolved = resolve_plan(calendar, entries, ["gemeente"])
        return {name: local(r["gemeente"].at) for name, r in resolved.items()}

    def test_invitation_on_the_opening_tuesday_at_nine(self) -> None:
        assert self.plan(calendar_2024())["uitnodiging"] == dt.datetime(
            2024, 4, 16, 9, 0
        )

    def test_first_reminder_a_week_later_before_the_recess(self) -> None:
        assert self.plan(calendar_2024())["herinnering-1"] == dt.datetime(
            2024, 4, 23, 9
        )

    def test_reminder_two_working_days_after_the_recess(self) -> None:
        # The recess ends Sunday 5 May (also Liberation Day); Monday 6 May is
        # the first working day, Tuesday 7 May the second.
        assert self.plan(calendar_2024())["herinnering-reces"] == dt.datetime(
            2024, 5, 7, 9
        )

    def test_last_reminder_skips_whit_monday_and_stays_before_closing(self) -> None:
        # One working day before Tuesday 21 May: Monday 20 May is Whit Monday,
        # so Friday 17 May; Friday is not a sending day, so back to Thursday 16 May.
        assert self.plan(calendar_2024())["laatste-herinnering"] == dt.datetime(
            2024, 5, 16, 9
        )

    def test_every_moment_lies_in_sending_hours_on_a_sending_day(self) -> None:
        calendar = calendar_2024()
        for moment in self.plan(calendar).values():
            aware = moment.replace(tzinfo=AMS)
            assert calendar.in_slot(aware, "gemeente")
            assert moment.date() not in calendar.holidays
            assert calendar.recess_on(moment.date(), "gemeente") is None
            assert calendar.opens_on <= moment.date() <= calendar.closes_on  # type: ignore[operator]

    def test_times_are_utc_and_summer_time_is_respected(self) -> None:
        resolution = resolve(calendar_2024(), OnOpening(), tier=None)
        assert resolution.at == dt.datetime(2024, 4, 16, 7, 0, tzinfo=dt.UTC)


class TestMovingForward:
    def test_reminder_landing_on_ascension_day_moves_to_next_sending_day(self) -> None:
        # Wednesday 8 May + 1 day = Thursday 9 May (Ascension Day) → Tuesday 14 May
        # (Friday and Monday are no sending days).
        entries = [
            PlanEntry("a", Fixed(at=dt.datetime(2024, 5, 8, 10, 0))),
            PlanEntry("b", AfterMailing(mailing="a", days=1)),
        ]
        result = resolve_plan(calendar_2024(), entries, [None])["b"][None]
        assert local(result.at) == dt.datetime(2024, 5, 14, 10, 0)
        assert [i.code for i in result.issues] == ["moved"]
        assert "Hemelvaartsdag" in result.issues[0].message

    def test_rule_in_the_recess_moves_past_it(self) -> None:
        entries = [
            PlanEntry("a", OnOpening()),
            PlanEntry("b", AfterMailing(mailing="a", days=14)),  # Tue 30 April
        ]
        result = resolve_plan(calendar_2024(), entries, [None])["b"][None]
        assert local(result.at) == dt.datetime(2024, 5, 7, 9, 0)
        assert "reces (meireces)" in result.issues[0].message

    def test_time_after_sending_hours_moves_to_next_morning(self) -> None:
        calendar = calendar_2024()
        moved = calendar.next_slot(
            dt.datetime(2024, 4, 16, 17, 30, tzinfo=AMS), tier=None
        )
        assert local(moved) == dt.datetime(2024, 4, 17, 9, 0)

    def test_time_within_hours_is_kept(self) -> None:
        calendar = calendar_2024()
        moment = dt.datetime(2024, 4, 17, 13, 15, tzinfo=AMS)
        assert local(calendar.next_slot(moment, tier=None)) == dt.datetime(
            2024, 4, 17, 13, 15
        )

    def test_preferred_time_of_day(self) -> None:
        rule = OnOpening(at=dt.time(10, 30))
        assert local(resolve(calendar_2024(), rule, tier=None).at) == dt.datetime(
            2024, 4, 16, 10, 30
        )

    def test_working_days_after_a_mailing_skip_weekend_and_holidays(self) -> None:
        entries = [
            PlanEntry("a", Fixed(at=dt.datetime(2024, 5, 8, 9, 0))),
            PlanEntry("b", AfterMailing(mailing="a", days=2, working_days=True)),
        ]
        calendar = calendar_2024(sending_weekdays=(1, 2, 3, 4, 5))
        result = resolve_plan(calendar, entries, [None])["b"][None]
        # Thu 9 May is a holiday: Fri 10 (1), Mon 13 (2).
        assert local(result.at) == dt.datetime(2024, 5, 13, 9, 0)


class TestRecessPerTier:
    def calendar(self) -> Calendar:
        return calendar_2024(
            recesses=[
                MAY_RECESS,
                RecessPeriod(
                    "meireces", dt.date(2024, 4, 27), dt.date(2024, 5, 12), "provincie"
                ),
            ]
        )

    def test_a_tier_with_its_own_recess_gets_its_own_moment(self) -> None:
        rule = AfterRecess(recess="meireces", working_days=2)
        resolved = {
            tier: local(resolve(self.calendar(), rule, tier=tier).at)
            for tier in ("gemeente", "provincie", "waterschap")
        }
        assert resolved["gemeente"] == dt.datetime(2024, 5, 7, 9)
        assert resolved["waterschap"] == dt.datetime(2024, 5, 7, 9)
        # Provinces: recess until Sunday 12 May; Mon 13 (1), Tue 14 (2).
        assert resolved["provincie"] == dt.datetime(2024, 5, 14, 9)

    def test_a_tier_in_its_recess_gets_no_mail_there(self) -> None:
        calendar = self.calendar()
        wednesday = dt.datetime(2024, 5, 8, 10, 0, tzinfo=AMS)
        assert calendar.in_slot(wednesday, "gemeente")
        assert not calendar.in_slot(wednesday, "provincie")
        assert local(calendar.next_slot(wednesday, "provincie")) == dt.datetime(
            2024, 5, 14, 10, 0
        )

    def test_unknown_recess_is_an_error_not_a_crash(self) -> None:
        result = resolve(
            self.calendar(), AfterRecess(recess="zomerreces", working_days=1), tier=None
        )
        assert result.at is None
        assert result.issues[0].code == "unknown_recess"


class TestWarnings:
    def test_fixed_moment_on_a_holiday_in_the_evening_is_kept_but_warned(self) -> None:
        result = resolve(
            calendar_2024(), Fixed(at=dt.datetime(2024, 5, 9, 20, 0)), tier=None
        )
        assert local(result.at) == dt.datetime(2024, 5, 9, 20, 0)
        codes = {i.code for i in result.warnings}
        assert codes == {"holiday", "hours"}

    def test_fixed_moment_in_the_recess_is_warned(self) -> None:
        result = resolve(
            calendar_2024(), Fixed(at=dt.datetime(2024, 4, 30, 10, 0)), tier=None
        )
        assert "recess" in {i.code for i in result.warnings}

    def test_fixed_moment_on_a_monday_is_warned(self) -> None:
        result = resolve(
            calendar_2024(), Fixed(at=dt.datetime(2024, 5, 13, 10)), tier=None
        )
        assert [i.code for i in result.warnings] == ["weekday"]

    def test_moment_after_closing_is_warned(self) -> None:
        entries = [
            PlanEntry("a", OnOpening()),
            PlanEntry("b", AfterMailing(mailing="a", days=40)),
        ]
        result = resolve_plan(calendar_2024(), entries, [None])["b"][None]
        assert "after_window" in {i.code for i in result.warnings}

    def test_moment_before_opening_is_warned(self) -> None:
        result = resolve(
            calendar_2024(), Fixed(at=dt.datetime(2024, 4, 10, 10)), tier=None
        )
        assert "before_window" in {i.code for i in result.warnings}

    def test_a_cycle_is_reported_not_looped(self) -> None:
        entries = [
            PlanEntry("a", AfterMailing(mailing="b", days=1)),
            PlanEntry("b", AfterMailing(mailing="a", days=1)),
        ]
        resolved = resolve_plan(calendar_2024(), entries, [None])
        assert all(r[None].at is None for r in resolved.values())
        assert {i.code for r in resolved.values() for i in r[None].issues} & {
            "cycle",
            "unknown_mailing",
        }

    def test_no_sending_day_at_all_is_a_clear_error(self) -> None:
        calendar = calendar_2024(sending_weekdays=(6,), recesses=[])
        # Saturdays only: still resolvable, a year has Saturdays.
        assert resolve(calendar, OnOpening(), tier=None).at is not None


class TestRulesAsJson:
    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "on_opening"},
            {"kind": "after_mailing", "mailing": "uitnodiging", "days": 7},
            {
                "kind": "after_recess",
                "recess": "meireces",
                "working_days": 2,
                "at": "10:00",
            },
            {"kind": "before_closing", "working_days": 3},
            {"kind": "fixed", "at": "2024-05-07T09:00:00"},
        ],
    )
    def test_rules_round_trip_through_json(self, data: dict[str, object]) -> None:
        rule = parse_rule(data)
        assert parse_rule(dump_rule(rule)) == rule

    def test_unknown_rule_kind_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            parse_rule({"kind": "whenever"})
