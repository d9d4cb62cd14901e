"""The report tables page, its downloads and the factsheets, on the demo wave (real database)."""

from __future__ import annotations

import io
import subprocess
import zipfile

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT, Settings
from app.demo import service as demo_service
from app.samples import demo_frame
from app.staff.models import Role
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio
QUERY = {"wave": "mis2024", "questionnaire": "officials"}


async def build_demo(session: AsyncSession, settings: Settings) -> None:
    settings = settings.model_copy(
        update={"questionnaires_dir": PROJECT_ROOT / "questionnaires"}
    )
    await demo_service.build(session, settings, size=demo_frame.SMALL)
    await session.commit()


@pytest.mark.parametrize("role", [Role.researcher, Role.fieldwork_manager])
@pytest.mark.parametrize(
    "path",
    [
        "/staff/reports",
        "/staff/reports/download?wave=x&questionnaire=y",
        "/staff/reports/factsheet?wave=x&questionnaire=y&tier=provincie",
        "/staff/reports/factsheet.pdf?wave=x&questionnaire=y&tier=provincie",
    ],
)
async def test_other_roles_get_403(
    client: httpx.AsyncClient, session: AsyncSession, role: Role, path: str
) -> None:
    await logged_in(client, session, role)
    response = await client.get(path)
    assert response.status_code == 403
    assert "alleen voor de rol" in response.text


async def test_not_logged_in_goes_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/staff/reports")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")


async def test_bad_input_gets_a_dutch_error_not_a_500(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await logged_in(client, session, Role.analyst)
    for path, params in [
        ("/staff/reports/download", {**QUERY, "format": "pdf"}),
        ("/staff/reports/factsheet", {**QUERY, "tier": "rijk"}),
        (
            "/staff/reports/download",
            {"wave": "bestaat-niet", "questionnaire": "officials"},
        ),
        (
            "/staff/reports/factsheet.pdf",
            {"wave": "x" * 65, "questionnaire": "q", "tier": "provincie"},
        ),
    ]:
        response = await client.get(path, params=params)
        assert 400 <= response.status_code < 500, (path, params, response.status_code)
    page = await client.get(
        "/staff/reports/factsheet", params={**QUERY, "tier": "rijk"}
    )
    assert "Onbekende bestuurslaag ‘rijk’" in page.text


@pytest.mark.slow
async def test_tables_page_downloads_and_factsheet_on_the_demo_wave(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await build_demo(session, settings)
    await logged_in(client, session, Role.analyst)

    page = await client.get("/staff/reports", params=QUERY)
    assert page.status_code == 200, page.text[:2000]
    html = page.text
    assert "<caption>Tabel 2.2" in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "Basis: politieke ambtsdragers (n=" in html
    assert '<svg class="report-chart"' in html and "<title id=" in html
    assert "Rapporttabellen" in html  # in the staff navigation

    xlsx = await client.get(
        "/staff/reports/download", params={**QUERY, "format": "xlsx"}
    )
    assert xlsx.status_code == 200
    assert xlsx.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) >= 20  # one sheet per table (plus any index)
    numbers = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    ]
    assert numbers, "percentages and counts are numbers, not text"
    texts = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert not any(t.rstrip("%").replace(",", "").isdigit() and "%" in t for t in texts)

    bundle = await client.get(
        "/staff/reports/download", params={**QUERY, "format": "zip"}
    )
    assert bundle.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert "tabel_2_2.csv" in names

    sheet = await client.get(
        "/staff/reports/factsheet", params={**QUERY, "tier": "provincie"}
    )
    assert sheet.status_code == 200
    assert "Factsheet" in sheet.text and "Provincies" in sheet.text
    assert "Figuur 1." in sheet.text and "Figuur 3." in sheet.text

    pdf = await client.get(
        "/staff/reports/factsheet.pdf", params={**QUERY, "tier": "gemeente"}
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Factsheet" in text and "Gemeenten" in text
    assert "In 2024 kregen" in text or "In 2024 kreeg" in text
