"""Staff pages: choose an export, download it streamed, enter population counts."""

from __future__ import annotations

import io
import zipfile

import httpx
import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports.models import PopulationCount
from app.staff.models import AuditEvent, Role
from tests.fixtures.exports import build_dataset
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio


async def _download(
    client: httpx.AsyncClient, csrf: str, **fields: object
) -> httpx.Response:
    data = {
        "csrf_token": csrf,
        "wave": "mies-2024",
        "questionnaire": "officials",
        "format": "csv",
        **fields,
    }
    return await client.post("/staff/exports/download", data=data)


class TestExportPage:
    async def test_lists_versions_with_counts(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        data = await build_dataset(session, settings, respondents=12)
        await logged_in(client, session, Role.analyst)
        page = await client.get(
            "/staff/exports", params={"wave": "mies-2024", "questionnaire": "officials"}
        )
        assert page.status_code == 200
        complete = len(data.ids(include_partial=False))
        assert f"{complete} volledig" in page.text
        assert 'name="format" value="sav"' in page.text
        assert "Populatieaantallen bekijken, bevestigen of invoeren" in page.text

    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await logged_in(client, session, Role.researcher)
        page = await client.get("/staff/exports")
        assert page.status_code == 403

    async def test_not_logged_in_goes_to_login(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/staff/exports")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/staff/login")


class TestDownload:
    async def test_csv_zip_streams_and_is_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        data = await build_dataset(session, settings, respondents=12)
        user, csrf = await logged_in(client, session, Role.analyst)
        response = await _download(client, csrf, include_partial="true", separator=";")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert (
            response.headers["content-disposition"]
            == 'attachment; filename="mies-2024_officials_2024.zip"'
        )
        bundle = zipfile.ZipFile(io.BytesIO(response.content))
        frame = pd.read_csv(
            io.BytesIO(bundle.read("data.csv")), sep=";", encoding="utf-8-sig"
        )
        assert frame["respondent_id"].tolist() == data.ids(include_partial=True)
        event = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.download")
            )
        ).one()
        assert event.actor == user.email
        assert event.details["rows"] == len(frame)
        assert (
            event.details["format"] == "csv"
            and event.details["include_partial"] is True
        )

    async def test_sav_download(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        tmp_path,
    ) -> None:
        data = await build_dataset(session, settings, respondents=8)
        _, csrf = await logged_in(client, session, Role.analyst)
        response = await _download(client, csrf, format="sav")
        assert response.status_code == 200
        (tmp_path / "x.sav").write_bytes(response.content)
        frame, meta = pyreadstat.read_sav(str(tmp_path / "x.sav"))
        assert frame["respondent_id"].astype(int).tolist() == data.ids(
            include_partial=False
        )
        assert meta.column_names_to_labels["q_gender"] == "Wat is uw geslacht?"

    async def test_without_csrf_nothing_is_exported(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await build_dataset(session, settings, respondents=3)
        await logged_in(client, session, Role.analyst)
        response = await _download(client, "wrong")
        assert response.status_code == 403
        assert not (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.download")
            )
        ).all()

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"format": "exe"}, "Kies een geldig formaat"),
            ({"versions": "1999"}, "Versie(s) 1999 hebben geen responsen"),
            ({"questionnaire": "employees"}, "niet uitgezet"),
            ({"wave": "onbekend"}, "bestaat niet"),
        ],
    )
    async def test_bad_choices_get_a_clear_message(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        fields: dict,
        message: str,
    ) -> None:
        await build_dataset(session, settings, respondents=3)
        _, csrf = await logged_in(client, session, Role.analyst)
        response = await _download(client, csrf, **fields)
        assert 400 <= response.status_code < 500
        assert message in response.text


class TestPopulation:
    async def test_enter_counts_and_the_export_weights_to_them(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await build_dataset(session, settings, respondents=20)
        _, csrf = await logged_in(client, session, Role.analyst)
        page = await client.get(
            "/staff/exports/population",
            params={"wave": "mies-2024", "questionnaire": "officials"},
        )
        assert page.status_code == 200
        assert 'name="count__function__raadslid"' in page.text
        form = {
            "csrf_token": csrf,
            "wave": "mies-2024",
            "questionnaire": "officials",
            "count__function__burgemeester": "342",
            "count__function__wethouder": "1.397",
            "count__function__raadslid": "8 476",
            "count__function__statenlid": "571",
            "count__function__lid_ab": "502",
            "count__function__cdk": "",
        }
        saved = await client.post("/staff/exports/population", data=form)
        assert saved.status_code == 303
        rows = (
            await session.scalars(
                select(PopulationCount).order_by(PopulationCount.value)
            )
        ).all()
        assert {r.value: r.count for r in rows}["wethouder"] == 1397
        response = await _download(client, csrf, format="csv")
        bundle = zipfile.ZipFile(io.BytesIO(response.content))
        frame = pd.read_csv(io.BytesIO(bundle.read("data.csv")), encoding="utf-8-sig")
        assert frame["weight"].mean() == pytest.approx(1.0)
        shares = frame.groupby("function")["weight"].sum() / frame["weight"].sum()
        assert shares[3] == pytest.approx(
            8476 / (342 + 1397 + 8476 + 571 + 502)
        )  # function 3 = raadslid
        book = bundle.read("codebook.json").decode()
        assert "ingevoerd of bevestigd door medewerkers" in book

    async def test_bad_counts_are_refused_and_nothing_is_stored(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await build_dataset(session, settings, respondents=3)
        _, csrf = await logged_in(client, session, Role.analyst)
        form = {
            "csrf_token": csrf,
            "wave": "mies-2024",
            "questionnaire": "officials",
            "count__function__burgemeester": "342",
            "count__function__raadslid": "veel",
        }
        response = await client.post("/staff/exports/population", data=form)
        assert response.status_code == 422
        assert "geen geheel getal bij function raadslid" in response.text
        assert not (await session.scalars(select(PopulationCount))).all()
