"""The monitor's figures equal counts made one by one from the raw rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.monitoring import service
from app.monitoring.reference import SHIPPED, parse_reference_csv
from app.monitoring.states import Disposition, InvitationState, disposition
from app.monitoring.views import Table
from app.samples.catalogue import FUNCTIONS
from app.samples.models import Invitation
from tests.fixtures.monitoring import (
    create_wave,
    expected_counts,
    invite,
    raw_invitations,
    spread_wave,
)

pytestmark = pytest.mark.asyncio


def lines_by_label(table: Table) -> dict[str, list[object]]:
    return {line.label: [c.value for c in line.cells] for line in table.lines}


class TestMainTable:
    async def test_every_row_equals_the_raw_count(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        view = await service.build_monitor(
            session, wave=wave, questionnaire="officials"
        )
        rows = await raw_invitations(session, wave=wave)
        table = lines_by_label(view.tables["main"])
        for code, function in FUNCTIONS.items():
            e = expected_counts(rows, function=code)
            values = table[function.plural]
            assert values[:8] == [
                e.invited,
                e.mailed,
                e.undeliverable,
                e.opted_out,
                e.ineligible,
                e.started,
                e.response,
                e.complete,
            ], code
            assert values[8] == (e.response / e.invited if e.invited else None)
            assert values[9] == (e.complete / e.response if e.response else None)
        for tier in ("gemeente", "provincie", "waterschap"):
            e = expected_counts(rows, tier=tier)
            assert table[f"Totaal {tier}"][0] == e.invited
            assert table[f"Totaal {tier}"][6] == e.response
        total = expected_counts(rows)
        assert table["Totaal"][0] == total.invited
        assert table["Totaal"][6] == total.response


def state_of(row: Invitation) -> InvitationState:
    status = (
        row.status
        if row.status in ("invited", "started", "response", "complete")
        else "other"
    )
    return InvitationState(
        status,
        row.first_mailed_at is not None,
        row.undeliverable_at is not None,
        row.opted_out_at is not None,
        row.ineligible_at is not None,
    )


class TestDispositions:
    async def test_counts_and_rates_equal_the_rows_one_by_one(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        view = await service.build_monitor(
            session, wave=wave, questionnaire="officials"
        )
        rows = await raw_invitations(session, wave=wave)
        counted = [r for r in rows if not r.is_test and r.revoked_at is None]
        table = lines_by_label(view.tables["dispositions"])
        for code, function in FUNCTIONS.items():
            mine = [disposition(state_of(r)) for r in counted if r.function == code]
            values = table[function.plural]
            assert values[: len(Disposition)] == [mine.count(d) for d in Disposition], (
                code
            )
            i, p = mine.count(Disposition.COMPLETE), mine.count(Disposition.PARTIAL)
            r = mine.count(Disposition.REFUSAL) + mine.count(Disposition.BREAK_OFF)
            eligible = len(mine) - mine.count(Disposition.NOT_ELIGIBLE)
            rr1, rr2, coop1, coop2 = values[len(Disposition) : len(Disposition) + 4]
            assert rr1 == (i / eligible if eligible else None)
            assert rr2 == ((i + p) / eligible if eligible else None)
            assert coop1 == (i / (i + p + r) if i + p + r else None)
            assert coop2 == ((i + p) / (i + p + r) if i + p + r else None)


class TestSplitByEmailKind:
    async def test_personal_and_general_equal_the_rows(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        view = await service.build_monitor(
            session, wave=wave, questionnaire="officials"
        )
        rows = await raw_invitations(session, wave=wave)
        table = lines_by_label(view.tables["split"])
        for code in ("burgemeester", "wethouder", "raadslid"):
            values = table[FUNCTIONS[code].plural]
            total = expected_counts(rows, function=code)
            personal = expected_counts(rows, function=code, email_kind="persoonlijk")
            general = expected_counts(rows, function=code, email_kind="algemeen")
            unknown = expected_counts(rows, function=code, email_kind=None)
            assert values[:2] == [total.invited, total.response]
            # per kind: invited, share of invited, response, share of response, rate
            for offset, e in ((2, personal), (7, general), (12, unknown)):
                assert values[offset] == e.invited
                assert values[offset + 1] == e.invited / total.invited
                assert values[offset + 2] == e.response
                assert values[offset + 3] == (
                    e.response / total.response if total.response else None
                )


class TestComposition:
    async def test_gender_shares_leave_unknown_out(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        view = await service.build_monitor(
            session, wave=wave, questionnaire="officials"
        )
        rows = [
            r
            for r in await raw_invitations(session, wave=wave)
            if not r.is_test and r.revoked_at is None
        ]
        eligible = [r for r in rows if r.ineligible_at is None]
        responded = [r for r in eligible if r.status in ("response", "complete")]
        known = [r for r in eligible if r.gender]
        known_responses = [r for r in responded if r.gender]
        lines = list(view.tables["composition"].lines)
        start = next(i for i, line in enumerate(lines) if line.label == "Geslacht")
        gender = {
            line.label: [c.value for c in line.cells] for line in lines[start + 1 :]
        }
        women = [r for r in known if r.gender == "vrouw"]
        women_responses = [r for r in known_responses if r.gender == "vrouw"]
        assert gender["Vrouw"][:4] == [
            len(women),
            len(women) / len(known),
            len(women_responses),
            len(women_responses) / len(known_responses),
        ]
        assert gender["Onbekend"][0] == len([r for r in eligible if not r.gender])


class TestCurve:
    async def test_the_last_day_equals_the_response_count(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        rows = await raw_invitations(session, wave=wave)
        for key in ("function_type", "tier", "function"):
            view = await service.build_monitor(
                session, wave=wave, questionnaire="officials", curve_by=key
            )
            assert view.curve_by.key == key
            finals = {line.label: line.final_count for line in view.chart.lines}
            assert sum(finals.values()) == expected_counts(rows).response
        assert (
            finals["Burgemeesters"]
            == expected_counts(rows, function="burgemeester").response
        )
        assert view.chart.table[0].day == dt.date(2024, 4, 16)
        assert view.chart.table[-1].day == dt.date(
            2024, 5, 21
        )  # closed wave: up to its last day

    async def test_an_unknown_grouping_falls_back_to_the_default(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        view = await service.build_monitor(
            session, wave=wave, questionnaire="officials", curve_by="gender"
        )
        assert view.curve_by.key == "function_type"


class TestOtherQuestionnaires:
    async def test_employees_by_tier_and_panel(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session, questionnaires=("employees", "organisations"))
        for tier, panel, status in [
            ("gemeente", "flitspanel", "complete"),
            ("gemeente", "io_panel", "invited"),
            ("provincie", "io_panel", "response"),
        ]:
            await invite(
                session,
                settings,
                wave=wave,
                questionnaire="employees",
                tier=tier,
                panel=panel,
                status=status,
            )
        await invite(
            session,
            settings,
            wave=wave,
            questionnaire="organisations",
            tier="waterschap",
            status="complete",
        )
        await session.commit()
        view = await service.build_monitor(
            session, wave=wave, questionnaire="employees"
        )
        main = lines_by_label(view.tables["main"])
        assert [main["Gemeente"][0], main["Gemeente"][6]] == [2, 1]
        assert main["Waterschap"][0] == 0
        split = lines_by_label(view.tables["split"])
        assert split["Gemeente"][2] == 1  # Flitspanel invited
        assert split["Provincie"][7:10] == [
            1,
            1.0,
            1,
        ]  # I&O panel: invited, share, response
        organisations = await service.build_monitor(
            session, wave=wave, questionnaire="organisations"
        )
        assert "split" not in organisations.tables
        assert lines_by_label(organisations.tables["main"])["Totaal"][6] == 1

    async def test_overview_lists_each_questionnaire_with_totals(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        rows = await raw_invitations(session, wave=wave)
        (summary,) = await service.list_monitored_waves(session)
        assert summary.wave.id == wave.id
        (officials,) = summary.questionnaires
        assert (officials.tally.invited, officials.tally.response) == (
            expected_counts(rows).invited,
            expected_counts(rows).response,
        )


class TestReference:
    async def test_loading_an_edition_replaces_it_whole(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        shipped = SHIPPED["table_4_3_2022"]
        rows = parse_reference_csv(shipped.path.read_text(encoding="utf-8"))
        await service.replace_reference(
            session,
            wave=wave,
            questionnaire="officials",
            edition="2022",
            rows=rows,
            source="t",
            actor="test",
        )
        await service.replace_reference(
            session,
            wave=wave,
            questionnaire="officials",
            edition="2022",
            rows=rows[:2],
            source="t",
            actor="test",
        )
        await session.commit()
        view = await service.build_monitor(
            session, wave=wave, questionnaire="officials"
        )
        assert view.edition == "2022"
        main = lines_by_label(view.tables["main"])
        assert main["Burgemeesters"][10:13] == [344, 146, 146 / 344]
        assert main["Raadsleden"][10:14] == [None, None, None, None]
        current = main["Burgemeesters"][8]
        assert main["Burgemeesters"][13] == pytest.approx((current - 146 / 344) * 100)
