"""Every request body is bounded (app/body_limit.py): forms small, uploads
apart; declared or chunked, refused with a clear 413 page, never buffered."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.staff.models import Role
from tests.conftest import base_settings
from tests.fixtures.browser import live_server
from tests.fixtures.samples import create_wave, csv_bytes, official
from tests.fixtures.staff import logged_in
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.asyncio

CHUNK = 64 * 1024


class Stream:
    """A chunked body (no Content-Length) that counts what was pulled from it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"a=" + b"x" * (CHUNK - 2)


async def test_respondent_post_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    _, token = await survey_with_invitation(session, settings)
    start = await client.post(f"/s/{token}")
    assert start.status_code == 303
    page = start.headers["location"]
    body = b"q_remarks=" + b"x" * (2 * 1024 * 1024)
    response = await client.post(
        page,
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "Te veel gegevens" in response.text and "niets opgeslagen" in response.text
    # Chunked, without Content-Length: cut off soon after the limit.
    stream = Stream(200 * 1024 * 1024)
    response = await client.post(
        page,
        content=stream,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert stream.sent <= settings.max_body_kb * 1024 + CHUNK
    # A normal post is still read (here: the page's question is left open).
    normal = await client.post(page, data={"nav": "next"})
    assert normal.status_code == 422 and "Te veel gegevens" not in normal.text


async def test_staff_forms_are_bounded_and_htmx_gets_a_partial(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, csrf = await logged_in(client, session, Role.admin)
    response = await client.post(
        "/staff/waves",
        data={"csrf_token": csrf, "slug": "w", "name": "x" * (400 * 1024)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 413, response.text
    assert "Te veel gegevens" in response.text
    assert "<html" not in response.text
    login = await client.post(
        "/staff/login",
        content=Stream(10 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert login.status_code == 413
    assert "content-security-policy" in login.headers


async def test_uploads_have_their_own_larger_limit(
    database_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    from asgi_lifespan import LifespanManager

    from app.main import create_app

    settings = base_settings(database_url, tmp_path, max_body_kb=16)
    settings.samples.max_upload_mb = 1
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as client:
            await create_wave(session)
            _, csrf = await logged_in(client, session, Role.fieldwork_manager)
            data = csv_bytes([official(i) for i in range(1, 1001)])
            assert 64 * 1024 < len(data) < 1024 * 1024
            upload = await client.post(
                "/staff/waves/miv-2024/frames",
                data={"csrf_token": csrf, "kind": "officials"},
                files={"file": ("adressen.csv", data, "text/csv")},
            )
            assert upload.status_code == 303, upload.text
            too_big = await client.post(
                "/staff/waves/miv-2024/frames",
                data={"csrf_token": csrf, "kind": "officials"},
                files={"file": ("adressen.csv", b"x" * (3 * 1024 * 1024), "text/csv")},
            )
            assert too_big.status_code == 413
            form = await client.post(
                "/staff/waves", data={"csrf_token": csrf, "name": "x" * 20_000}
            )
            assert form.status_code == 413


async def test_a_real_uvicorn_refuses_big_and_chunked_bodies(
    settings: Settings,
) -> None:
    import anyio

    def run() -> tuple[int, int, int]:
        with live_server(settings) as base_url, httpx.Client(base_url=base_url) as web:
            declared = web.post("/staff/login", content=b"a" * (5 * 1024 * 1024))

            def chunks() -> Iterator[bytes]:
                for _ in range(160):
                    yield b"a" * CHUNK

            chunked = web.post(
                "/staff/login",
                content=chunks(),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            fine = web.get("/staff/login")
            return declared.status_code, chunked.status_code, fine.status_code

    assert await anyio.to_thread.run_sync(run) == (413, 413, 200)
