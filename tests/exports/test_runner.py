"""Running exports: one snapshot, no write lock held, temporary files removed."""

from __future__ import annotations

import asyncio
import io
import random
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.samples.models import Invitation
from tests.fixtures.exports import OFFICIALS, build_dataset, create_response, walk

pytestmark = pytest.mark.asyncio


async def _plan(
    session: AsyncSession, fmt: ExportFormat = ExportFormat.csv
) -> service.ExportPlan:
    request = ExportRequest(wave="mies-2024", questionnaire="officials", format=fmt)
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    return plan


class TestStreamExport:
    async def test_respondents_can_save_while_an_export_streams(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        data = await build_dataset(session, settings, respondents=10)
        plan = await _plan(session)
        engine = create_engine(
            settings.database_url
        )  # as the app runs it: BEGIN IMMEDIATE on SQLite
        try:
            sessionmaker = create_sessionmaker(engine)
            stream = runner.stream_export(sessionmaker, plan)
            chunks = [await anext(stream)]  # the snapshot is open now
            async with sessionmaker() as writer:
                version, cq = data.versions[0]
                log = walk(cq, OFFICIALS[2], random.Random(99))
                await asyncio.wait_for(
                    create_response(
                        writer,
                        settings,
                        wave=data.wave,
                        version=version,
                        cq=cq,
                        attributes=OFFICIALS[2],
                        log=log,
                        minute=900,
                    ),
                    timeout=5,
                )
                await asyncio.wait_for(writer.commit(), timeout=5)
            chunks += [chunk async for chunk in stream]
        finally:
            await engine.dispose()
        bundle = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
        frame = pd.read_csv(io.BytesIO(bundle.read("data.csv")), encoding="utf-8-sig")
        assert frame["respondent_id"].tolist() == data.ids(
            include_partial=False
        )  # the snapshot

    async def test_binary_formats_leave_no_temporary_files(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        await build_dataset(session, settings, respondents=4)
        before = set(Path(tempfile.gettempdir()).glob("veldwerk-export-*"))
        for fmt in (ExportFormat.sav, ExportFormat.xlsx):
            plan = await _plan(session, fmt)
            engine = create_engine(settings.database_url)
            try:
                body = b"".join(
                    [
                        c
                        async for c in runner.stream_export(
                            create_sessionmaker(engine), plan
                        )
                    ]
                )
            finally:
                await engine.dispose()
            assert body[:4] in (b"$FL2", b"PK\x03\x04")
        assert set(Path(tempfile.gettempdir()).glob("veldwerk-export-*")) == before

    async def test_an_empty_export_still_has_every_column(
        self, session: AsyncSession, settings: Settings, tmp_path: Path
    ) -> None:
        await build_dataset(session, settings, respondents=0)
        plan = await _plan(session, ExportFormat.parquet)
        book = await runner.export_to_path(session, plan, tmp_path / "x.parquet")
        frame = pd.read_parquet(tmp_path / "x.parquet")
        assert len(frame) == 0 and "q_gender" in frame.columns
        assert book["dataset"]["rows"] == 0

    async def test_test_invitations_do_not_count_in_the_frame(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        data = await build_dataset(session, settings, respondents=5)
        invitations = (await session.scalars(select(Invitation))).all()
        frame = await service.population_overview(
            session, wave=data.wave, questionnaire="officials"
        )
        by_value = {r.value: r.invited for r in frame if r.variable == "function"}
        assert sum(by_value.values()) == sum(1 for i in invitations if not i.is_test)
