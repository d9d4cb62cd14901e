"""Retention: the worker purges a wave past its date (unless postponed with a
reason); erasure on request: one person's answers gone from every export,
the monitor's counts and the response figures unchanged. Both databases."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import openpyxl
import pandas as pd
import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.exports import runner
from app.exports import service as export_service
from app.exports.schemas import ExportFormat, ExportRequest
from app.flows.purging import purge_expired_contacts
from app.flows.worker import background_worker
from app.responses.models import Response
from app.samples import service as samples_service
from app.samples.models import Contact, Invitation
from app.staff.models import AuditEvent, Role
from tests.fixtures.exports import build_dataset
from tests.fixtures.staff import logged_in
from tests.samples.test_anonymise import _figures

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def worker_sm(
    settings: Settings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _with_contacts(session: AsyncSession, settings: Settings) -> list[str]:
    """The export fixture's wave, each respondent given a contact and an
    organisation as an address file would; returns their links."""
    await build_dataset(session, settings, respondents=20)
    wave = await samples_service.require_wave(session, "mies-2024")
    links = []
    for n, response in enumerate(await session.scalars(select(Response))):
        invitation = await session.get(Invitation, response.invitation_id)
        assert invitation is not None
        contact = Contact(wave_id=wave.id, email=f"p{n}@gemeente.test", name=f"P {n}")
        session.add(contact)
        await session.flush()
        invitation.contact_id = contact.id
        invitation.organisation = f"Gemeente {n}"
        token = await samples_service.reissue_link(
            session, settings, invitation=invitation
        )
        links.append(f"{settings.base_url}/s/{token}")
    await session.commit()
    return links


class TestRetention:
    async def test_the_worker_purges_a_wave_past_its_date(
        self,
        session: AsyncSession,
        settings: Settings,
        tmp_path: Path,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        await _with_contacts(session, settings)
        wave = await samples_service.require_wave(session, "mies-2024")
        wave.closes_on = dt.date(2024, 5, 31)  # + 90 days: long past
        await session.commit()
        before = await _figures(session, tmp_path, wave.id, "before")

        await background_worker(settings, worker_sm).run(until_idle=True)

        await session.refresh(wave)
        assert wave.contacts_purged_at is not None
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
        after = await _figures(session, tmp_path, wave.id, "after")
        pd.testing.assert_frame_equal(before[0], after[0])
        assert before[1:] == after[1:]
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "wave.purge_contacts")
        )
        assert audit is not None and audit.actor == "worker:retention"
        assert "bewaartermijn" in audit.details["reason"]

    async def test_a_postponed_wave_waits_and_the_reason_is_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await _with_contacts(session, settings)
        wave = await samples_service.require_wave(session, "mies-2024")
        wave.closes_on = dt.date(2024, 5, 31)
        await session.commit()
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get("/staff/waves/mies-2024")
        assert "automatisch verwijderd" in page.text and "29-08-2024" in page.text
        later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        postponed = await client.post(
            "/staff/waves/mies-2024/retention",
            data={"csrf_token": csrf, "until": later, "reason": "bezwaarprocedure"},
        )
        assert postponed.status_code == 303
        engine = create_engine(settings.database_url)
        try:
            purged = await purge_expired_contacts(create_sessionmaker(engine), settings)
            # on the new date it goes
            on_date = await purge_expired_contacts(
                create_sessionmaker(engine), settings,
                on=dt.date.fromisoformat(later),
            )  # fmt: skip
        finally:
            await engine.dispose()
        assert purged == [] and on_date == ["mies-2024"]
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "wave.retention_postpone")
        )
        assert audit is not None and audit.details["reason"] == "bezwaarprocedure"
        assert audit.details["from"] == "2024-08-29"


async def _csv(
    session: AsyncSession, tmp_path: Path, fmt: ExportFormat
) -> pd.DataFrame:
    request = ExportRequest(
        wave="mies-2024", questionnaire="officials", format=fmt, include_partial=True
    )
    plan = await export_service.prepare_export(session, request=request, actor="t")
    await session.commit()
    path = tmp_path / f"x.{fmt.extension}"
    await runner.export_to_path(session, plan, path)
    await session.commit()
    if fmt is ExportFormat.xlsx:
        rows = list(openpyxl.load_workbook(path)["data"].iter_rows(values_only=True))
        return pd.DataFrame(rows[1:], columns=rows[0])
    if fmt is ExportFormat.parquet:
        return pd.read_parquet(path)
    return pd.read_csv(io.BytesIO(zipfile.ZipFile(path).read("data.csv")))


class TestErasure:
    async def test_one_person_is_gone_from_every_export_and_the_counts_hold(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings,
        tmp_path: Path,
    ) -> None:  # fmt: skip
        links = await _with_contacts(session, settings)
        wave = await samples_service.require_wave(session, "mies-2024")
        before = await _figures(session, tmp_path, wave.id, "before")
        by_mail = await session.scalar(
            select(Response.id)
            .join(Invitation, Invitation.id == Response.invitation_id)
            .join(Contact, Contact.id == Invitation.contact_id)
            .where(Contact.email == "p3@gemeente.test")
        )
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        for query in ("P3@gemeente.test", links[5]):
            found = await client.post(
                "/staff/waves/mies-2024/erase",
                data={"csrf_token": csrf, "query": query},
            )
            assert found.status_code == 200, found.text
            ids = [
                line.split('value="')[1].split('"')[0]
                for line in found.text.splitlines()
                if 'name="invitation"' in line
            ]
            assert len(ids) == 1
            done = await client.post(
                "/staff/waves/mies-2024/erase/confirm",
                data={"csrf_token": csrf, "invitation": ids, "confirm": "ja"},
            )
            assert done.status_code == 200 and "Gewist" in done.text
        by_link = await session.scalar(
            select(Response.id).where(Response.invitation_id == int(ids[0]))
        )
        assert by_link is None  # its answers are gone
        after = await _figures(session, tmp_path, wave.id, "after")
        assert len(after[0]) == len(before[0]) - 2
        assert by_mail not in set(after[0]["respondent_id"].astype(int))
        assert before[1] == after[1]  # the monitor's counts
        assert before[2] == after[2]  # status counts: response rates
        for fmt in (ExportFormat.xlsx, ExportFormat.parquet, ExportFormat.csv):
            frame = await _csv(session, tmp_path, fmt)
            assert len(frame) == len(after[0])
            assert by_mail not in set(frame["respondent_id"].astype(int))
        # the link no longer opens a survey, and nothing erased is in the log
        dead = await client.get(urlsplit(links[5]).path)
        assert dead.status_code == 404
        audit = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "person.erase")
            )
        )
        assert len(audit) == 2
        logged = str([(a.target, a.details) for a in audit])
        assert (
            "gemeente.test" not in logged and links[5].rsplit("/", 1)[1] not in logged
        )
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Contact)
                .where(Contact.email == "p3@gemeente.test")
            )
            == 0
        )
