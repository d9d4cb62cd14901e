"""Login throttling: atomic under concurrency across processes, per account
with doubling locks, an address lock that spares known accounts, and
forwarded addresses believed only from a configured proxy."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.staff import throttle
from app.staff.models import AuditEvent, LoginAttempt, Role
from tests.fixtures.browser import free_port
from tests.fixtures.staff import (
    PASSWORD,
    create_staff,
    csrf_from,
    give_code,
    login,
    totp_code,
)

WRONG = "not the right password"
LIMIT = throttle.Limit(
    max_failures=3,
    window=dt.timedelta(minutes=15),
    lock_base=dt.timedelta(minutes=15),
    lock_max=dt.timedelta(hours=2),
)


def test_each_lock_lasts_twice_as_long_up_to_the_cap() -> None:
    lengths = [throttle.lock_length(LIMIT, n) for n in range(5)]
    assert lengths == [
        dt.timedelta(minutes=15),
        dt.timedelta(minutes=30),
        dt.timedelta(minutes=60),
        dt.timedelta(minutes=120),
        dt.timedelta(minutes=120),
    ]


@pytest.mark.asyncio
class TestReserve:
    async def test_limit_then_lock_then_a_doubled_lock(
        self, session: AsyncSession
    ) -> None:
        now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)

        async def attempt(at: dt.datetime) -> dt.datetime | None:
            until = await throttle.reserve(
                session, key="account:x", limit=LIMIT, now=at
            )
            await session.commit()
            return until

        assert [await attempt(now) for _ in range(3)] == [None, None, None]
        first = await attempt(now)
        assert first == now + dt.timedelta(minutes=15)
        assert await attempt(now + dt.timedelta(minutes=5)) == first  # still locked
        later = now + dt.timedelta(minutes=16)
        assert [await attempt(later) for _ in range(3)] == [None, None, None]
        assert await attempt(later) == later + dt.timedelta(minutes=30)
        await throttle.clear(session, key="account:x")
        await session.commit()
        assert await attempt(later + dt.timedelta(minutes=31)) is None


# --- real parallel requests against two server processes ------------------------


def _server_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VELDWERK_")}
    env.update(
        {
            "VELDWERK_ENVIRONMENT": "test",
            "VELDWERK_DATABASE_URL": settings.database_url,
            "VELDWERK_SECRET_KEY": settings.secret_key.get_secret_value(),
            "VELDWERK_CHECK_QUESTIONNAIRES_ON_STARTUP": "false",
            "VELDWERK_LOGIN_MAX_FAILURES": "5",
            "VELDWERK_DATABASE_POOL_SIZE": "30",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    return env


@contextmanager
def two_servers(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for n in range(2):
            port = free_port()
            log = (tmp_path / f"server{n}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "app.main:app_factory",
                     "--factory", "--host", "127.0.0.1", "--port", str(port),
                     "--log-level", "warning"],
                    env=_server_env(settings), cwd=tmp_path, stdout=log, stderr=log,
                )
            )  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start")
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@pytest.mark.asyncio
async def test_forty_simultaneous_wrong_passwords_on_two_processes_check_five(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    user = await create_staff(session, role=Role.admin)
    with two_servers(settings, tmp_path) as urls:
        clients = [
            httpx.AsyncClient(base_url=urls[n % 2], timeout=120) for n in range(40)
        ]
        try:
            tokens = [csrf_from((await c.get("/staff/login")).text) for c in clients]

            async def post(client: httpx.AsyncClient, token: str) -> int:
                response = await client.post(
                    "/staff/login",
                    data={"email": user.email, "password": WRONG,
                          "csrf_token": token, "next": "/staff/"},
                )  # fmt: skip
                return response.status_code

            statuses = Counter(
                await asyncio.gather(
                    *(post(c, t) for c, t in zip(clients, tokens, strict=True))
                )
            )
            # the right password is refused too while the account is locked
            right = await login(clients[0], user.email, PASSWORD)
        finally:
            for c in clients:
                await c.aclose()
    assert statuses == {401: 5, 429: 35}, statuses
    checked = await session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.email == user.email)
    )
    assert checked == 5
    assert right.status_code == 429


# --- shared addresses and forwarded headers (in process) --------------------------


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application, client=("198.51.100.7", 5000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as client:
            yield client


@pytest.mark.asyncio
async def test_a_locked_shared_address_spares_accounts_that_logged_in_from_it(
    session: AsyncSession, settings: Settings
) -> None:
    regular = await create_staff(session, role=Role.researcher)
    newcomer = await create_staff(session, role=Role.analyst)
    shared = settings.model_copy(update={"login_address_max_failures": 4})
    async with app_client(shared) as client:
        assert (await login(client, regular.email)).status_code == 303
        client.cookies.clear()
        # someone behind the same proxy sprays passwords over many accounts
        for n in range(4):
            assert (
                await login(client, f"x{n}@veldwerk.test", WRONG)
            ).status_code == 401
        sprayed = await login(client, "x9@veldwerk.test", WRONG)
        assert sprayed.status_code == 429
        assert (await login(client, newcomer.email)).status_code == 429
        client.cookies.clear()
        # the account that logged in from here before is not locked out
        assert (await login(client, regular.email)).status_code == 303
    actions = set(await session.scalars(select(AuditEvent.action)))
    assert {"login", "login.failed", "login.refused"} <= actions


@pytest.mark.asyncio
async def test_forwarded_for_is_believed_only_from_a_configured_proxy(
    session: AsyncSession, settings: Settings
) -> None:
    user = await create_staff(session)
    header = {"X-Forwarded-For": "203.0.113.9"}
    for trusted, expected in (([], "198.51.100.7"), (["198.51.100.7"], "203.0.113.9")):
        async with app_client(
            settings.model_copy(update={"trusted_proxies": trusted})
        ) as client:
            page = await client.get("/staff/login")
            await client.post(
                "/staff/login",
                headers=header,
                data={"email": user.email, "password": WRONG,
                      "csrf_token": csrf_from(page.text)},
            )  # fmt: skip
        ips = set(await session.scalars(select(LoginAttempt.ip)))
        assert expected in ips
    assert ips == {"198.51.100.7", "203.0.113.9"}


@pytest.mark.asyncio
async def test_twenty_simultaneous_wrong_codes_on_two_processes_check_five(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    user = await create_staff(session, role=Role.admin, two_factor=True)
    with two_servers(settings, tmp_path) as urls:
        clients = [
            httpx.AsyncClient(base_url=urls[n % 2], timeout=120) for n in range(20)
        ]
        try:
            tokens = []
            for c in clients:  # each its own half-done login, password given
                page = await c.get("/staff/login")
                first = await c.post(
                    "/staff/login",
                    data={"email": user.email, "password": PASSWORD,
                          "csrf_token": csrf_from(page.text), "next": "/staff/"},
                )  # fmt: skip
                assert first.headers["location"].startswith("/staff/login/code")
                tokens.append(csrf_from((await c.get("/staff/login/code")).text))

            async def post(client: httpx.AsyncClient, token: str) -> int:
                response = await client.post(
                    "/staff/login/code",
                    data={"code": "000000", "csrf_token": token, "next": "/staff/"},
                )
                return response.status_code

            statuses = Counter(
                await asyncio.gather(
                    *(post(c, t) for c, t in zip(clients, tokens, strict=True))
                )
            )
            right = await give_code(clients[0], totp_code())
        finally:
            for c in clients:
                await c.aclose()
    assert statuses == {401: 5, 429: 15}, statuses
    assert right.status_code == 429  # the right code waits for the lock too
