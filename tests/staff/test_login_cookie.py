"""The login form's CSRF cookie follows https like the session cookie does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncSession

from app.main import create_app
from app.staff.models import Role
from tests.conftest import base_settings
from tests.fixtures.staff import PASSWORD, create_staff, csrf_from

pytestmark = pytest.mark.asyncio


async def _client(
    database_url: str, tmp_path: Path, *, base_url: str, request_base: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(base_settings(database_url, tmp_path, base_url=base_url))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url=request_base
        ) as client:
            yield client


def _login_cookie(response: httpx.Response) -> SimpleCookie:
    headers = response.headers.get_list("set-cookie")
    found = [h for h in headers if "veldwerk_login_csrf" in h]
    assert len(found) == 1, headers
    cookie = SimpleCookie()
    cookie.load(found[0])
    return cookie


async def test_https_site_gets_a_secure_host_prefixed_login_cookie(
    database_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    user = await create_staff(session, role=Role.admin)
    async for client in _client(
        database_url,
        tmp_path,
        base_url="https://veldwerk.example",
        request_base="https://veldwerk.example",
    ):
        page = await client.get("/staff/login")
        cookie = _login_cookie(page)
        (name,) = cookie.keys()
        assert name == "__Host-veldwerk_login_csrf"
        assert cookie[name]["secure"] is True
        assert cookie[name]["path"] == "/"
        assert cookie[name]["httponly"] is True
        # The form still works with the prefixed cookie.
        response = await client.post(
            "/staff/login",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
            },
        )
        assert response.status_code == 303
        cleared = _login_cookie(response)
        assert cleared["__Host-veldwerk_login_csrf"]["secure"] is True
        # A failed login sets a fresh one, also Secure.
        again = await client.post(
            "/staff/login", data={"email": user.email, "csrf_token": "x"}
        )
        assert again.status_code == 400
        assert _login_cookie(again)["__Host-veldwerk_login_csrf"]["secure"] is True


async def test_https_request_gets_a_secure_login_cookie(
    database_url: str, tmp_path: Path
) -> None:
    # Behind a TLS-terminating proxy that passes the scheme, with an http base URL.
    async for client in _client(
        database_url,
        tmp_path,
        base_url="http://testserver",
        request_base="https://testserver",
    ):
        cookie = _login_cookie(await client.get("/staff/login"))
        assert cookie["veldwerk_login_csrf"]["secure"] is True


async def test_plain_http_keeps_a_working_cookie(
    database_url: str, tmp_path: Path
) -> None:
    async for client in _client(
        database_url,
        tmp_path,
        base_url="http://testserver",
        request_base="http://testserver",
    ):
        cookie = _login_cookie(await client.get("/staff/login"))
        assert not cookie["veldwerk_login_csrf"]["secure"]
        assert cookie["veldwerk_login_csrf"]["path"] == "/staff"
