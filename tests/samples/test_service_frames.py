"""Importing address files into a wave (all or nothing), on both databases.

Purging contacts is a flow: ``tests/flows/test_purging.py``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import Conflict
from app.samples import service as samples_service
from app.samples.design import preset
from app.samples.fields import FrameKind, ProblemCode
from app.samples.models import Contact, Frame, FrameRejection
from app.staff.models import AuditEvent
from tests.conftest import base_settings
from tests.fixtures.samples import (
    create_wave,
    csv_bytes,
    draw,
    import_bytes,
    import_demo,
    official,
)

pytestmark = pytest.mark.asyncio


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


class TestImportFrame:
    async def test_rows_become_contacts_of_the_frame(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        data = csv_bytes(
            [
                [
                    "Jan de Vries",
                    "J.deVries@X.test",
                    "gemeente",
                    "Gemeente X",
                    "Wethouder",
                    "D66",
                ]
            ],
            header=(
                "Naam",
                "E-mailadres",
                "Bestuurslaag",
                "Organisatie",
                "Functie",
                "Partij",
            ),
        )
        outcome = await import_bytes(session, settings, wave, data)
        assert outcome.frame is not None and outcome.rejection is None
        contact = await session.scalar(select(Contact))
        assert contact is not None
        assert (contact.frame_id, contact.wave_id, contact.email, contact.function) == (
            outcome.frame.id, wave.id, "j.devries@x.test", "wethouder",
        )  # fmt: skip
        assert contact.attributes == {"partij": "D66"}
        assert outcome.frame.rows == 1 and len(outcome.frame.file_hash) == 64
        assert outcome.frame.columns[1]["field"] == "email"
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "frame.import")
        )
        assert audit is not None and audit.details["rows"] == 1

    async def test_one_bad_row_at_the_end_stores_nothing(
        self, session: AsyncSession, database_url: str, tmp_path: object
    ) -> None:
        # Small batches: the good rows would already be in the database if the
        # import inserted while validating.
        settings = base_settings(database_url, samples={"insert_batch_size": 100})
        wave = await create_wave(session)
        rows = [official(n) for n in range(1, 1000)] + [
            ["Laatste", "kapot@", "gemeente", "G", "raadslid"]
        ]
        outcome = await import_bytes(session, settings, wave, csv_bytes(rows))
        assert outcome.frame is None and outcome.rejection is not None
        assert [(p.line, p.column, p.code) for p in outcome.report.problems] == [
            (1001, "B", ProblemCode.EMAIL_INVALID)
        ]
        assert await count(session, Contact) == 0
        assert await count(session, Frame) == 0
        rejection = await session.scalar(select(FrameRejection))
        assert rejection is not None
        assert (rejection.rows, rejection.problem_count) == (1000, 1)
        assert rejection.problems[0]["line"] == 1001

    async def test_large_clean_file_is_inserted_in_batches(
        self, session: AsyncSession, database_url: str
    ) -> None:
        settings = base_settings(database_url, samples={"insert_batch_size": 100})
        wave = await create_wave(session)
        rows = [official(n) for n in range(1, 1001)]
        outcome = await import_bytes(session, settings, wave, csv_bytes(rows))
        assert outcome.frame is not None
        assert await count(session, Contact) == 1000

    async def test_duplicates_against_an_earlier_file_of_the_wave(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_bytes(
            session, settings, wave, csv_bytes([official(1), official(2)])
        )
        outcome = await import_bytes(
            session, settings, wave, csv_bytes([official(3), official(2)])
        )
        assert outcome.frame is None
        assert [(p.line, p.code) for p in outcome.report.problems] == [
            (3, ProblemCode.DUPLICATE_IN_WAVE)
        ]
        assert await count(session, Contact) == 2

    async def test_another_wave_may_hold_the_same_people(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        first = await create_wave(session, slug="miv-2022")
        second = await create_wave(session, slug="miv-2024")
        data = csv_bytes([official(1)])
        assert (await import_bytes(session, settings, first, data)).frame is not None
        assert (await import_bytes(session, settings, second, data)).frame is not None

    async def test_the_same_file_twice_gets_one_clear_reason(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        data = csv_bytes([official(1), official(2)])
        await import_bytes(session, settings, wave, data)
        outcome = await import_bytes(session, settings, wave, data)
        assert [p.code for p in outcome.report.problems] == [
            ProblemCode.FILE_ALREADY_IMPORTED
        ]

    async def test_organisation_codes_are_unique_per_wave(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        header = ("Organisatie", "Organisatiecode", "Bestuurslaag", "E-mailadres")
        await import_bytes(
            session,
            settings,
            wave,
            csv_bytes(
                [["Gemeente A", "GM0001", "gemeente", "s@a.test"]], header=header
            ),
            kind=FrameKind.organisations,
        )
        outcome = await import_bytes(
            session,
            settings,
            wave,
            csv_bytes(
                [["Gemeente A (nieuw)", "GM0001", "gemeente", "t@a.test"]],
                header=header,
            ),
            kind=FrameKind.organisations,
        )
        assert [(p.line, p.column, p.code) for p in outcome.report.problems] == [
            (2, "B", ProblemCode.DUPLICATE_IN_WAVE)
        ]


class TestDeleteFrame:
    async def test_a_mistaken_file_goes_while_nobody_is_drawn_from_it(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        frame = await import_demo(session, settings, wave, kind="organisations")
        removed = await samples_service.delete_frame(
            session, wave=wave, frame=frame, actor="cli:test"
        )
        await session.commit()
        assert removed == 30
        assert await count(session, Contact) == 0 and await count(session, Frame) == 0
        again = await import_demo(session, settings, wave, kind="organisations")
        await draw(
            session,
            settings,
            wave,
            preset("organisations-2024"),
            questionnaire="organisations",
        )
        with pytest.raises(Conflict, match="al 30 uitnodigingen"):
            await samples_service.delete_frame(
                session, wave=wave, frame=again, actor="cli:test"
            )
