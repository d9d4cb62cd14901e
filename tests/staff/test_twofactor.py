"""Two-factor staff login (TOTP), enforced by role, on both databases.

The roles are set explicitly here, as production does by default.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import httpx
import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import run_in_session
from app.config import Settings
from app.staff import twofactor
from app.staff.cli import user_group
from app.staff.models import AuditEvent, RecoveryCode, Role, StaffSession, StaffUser
from tests.conftest import base_settings
from tests.fixtures.staff import (
    PASSWORD,
    create_staff,
    csrf_from,
    give_code,
    login,
    totp_code,
)

ROLES = ["admin", "fieldwork_manager", "analyst"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return base_settings(database_url, tmp_path, two_factor_roles=ROLES)


def test_production_enforces_it_for_roles_that_see_people_by_default() -> None:
    production = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        secret_key=secrets.token_urlsafe(48),  # production refuses weak keys
    )
    assert production.effective_two_factor_roles == set(ROLES)
    assert Settings(_env_file=None).effective_two_factor_roles == set()  # type: ignore[call-arg]


async def _actions(session: AsyncSession) -> list[str]:
    return list(
        await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    )


async def _password_step(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/staff/login")
    return await client.post(
        "/staff/login",
        data={"email": email, "password": PASSWORD,
              "csrf_token": csrf_from(page.text), "next": "/staff/waves"},
    )  # fmt: skip


@pytest.mark.asyncio
class TestEnforcedByRole:
    async def test_a_manager_must_enrol_before_any_page_then_gets_recovery_codes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session, role=Role.fieldwork_manager)
        first = await _password_step(client, user.email)
        assert first.status_code == 303
        assert first.headers["location"].startswith("/staff/2fa")
        blocked = await client.get("/staff/waves")
        assert blocked.status_code == 303
        assert blocked.headers["location"].startswith("/staff/2fa")
        page = await client.get("/staff/2fa")
        assert page.status_code == 200
        uri = re.search(r"otpauth://totp/[^<\s]+", page.text)
        assert uri is not None
        secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page.text)
        assert secret is not None
        secret_text = secret.group(1).replace(" ", "")
        assert f"secret={secret_text}" in uri.group(0)
        csrf = csrf_from(page.text)
        wrong = await client.post(
            "/staff/2fa", data={"csrf_token": csrf, "code": "000000"}
        )
        assert wrong.status_code == 422
        right = await client.post(
            "/staff/2fa",
            data={"csrf_token": csrf, "code": pyotp.TOTP(secret_text).now(),
                  "next": "/staff/waves"},
        )  # fmt: skip
        assert right.status_code == 200
        codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", right.text)
        assert len(codes) == 10
        assert (await client.get("/staff/waves")).status_code == 200
        status = await client.get("/staff/2fa")
        assert "Tweestapsverificatie staat aan" in status.text
        assert "nog <strong>10</strong> ongebruikte herstelcodes" in status.text
        hashes = list(await session.scalars(select(RecoveryCode.code_hash)))
        assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
        assert not any(code.replace("-", "") in "".join(hashes) for code in codes)
        assert {"login.password", "2fa.enable", "login"} <= set(await _actions(session))

    async def test_an_enrolled_admin_needs_the_code_and_a_code_works_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session, role=Role.admin, two_factor=True)
        first = await _password_step(client, user.email)
        assert first.headers["location"].startswith("/staff/login/code")
        refused = await client.get("/staff/waves")
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/staff/login/code")
        assert (await give_code(client, "123456")).status_code == 401
        code = totp_code()
        done = await give_code(client, code)
        assert done.status_code == 303 and done.headers["location"] == "/staff/"
        home = await client.get("/staff/")
        assert home.status_code == 200
        # the pending session is gone, one full session left
        stages = list(await session.scalars(select(StaffSession.stage)))
        assert stages == ["full"]
        await client.post("/staff/logout", data={"csrf_token": csrf_from(home.text)})
        client.cookies.clear()
        await _password_step(client, user.email)
        replayed = await give_code(client, code)
        assert replayed.status_code == 401
        assert "al gebruikt" in replayed.text
        actions = await _actions(session)
        assert "logout" in actions and actions.count("login.failed") == 2

    async def test_a_researcher_logs_in_with_a_password(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session, role=Role.researcher)
        response = await login(client, user.email)
        assert response.status_code == 303 and response.headers["location"] == "/staff/"

    async def test_recovery_codes_work_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session, role=Role.analyst, two_factor=True)
        codes = await twofactor.new_recovery_codes(session, user=user)
        await session.commit()
        await _password_step(client, user.email)
        assert (await give_code(client, codes[3].upper())).status_code == 303
        client.cookies.clear()
        await _password_step(client, user.email)
        assert (await give_code(client, codes[3])).status_code == 401
        assert (await give_code(client, codes[4])).status_code == 303

    async def test_the_code_step_is_throttled_like_the_password(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session, role=Role.admin, two_factor=True)
        await _password_step(client, user.email)
        for _ in range(5):
            assert (await give_code(client, "000000")).status_code == 401
        locked = await give_code(client, totp_code())
        assert locked.status_code == 429
        assert "Te veel mislukte" in locked.text


def test_an_admin_resets_a_lost_second_factor(settings: Settings) -> None:
    async def arrange(session: AsyncSession) -> None:
        await create_staff(session, role=Role.admin, two_factor=True)

    run_in_session(settings, arrange)
    result = CliRunner().invoke(
        user_group, ["reset-2fa", "admin@veldwerk.test"], obj=settings
    )
    assert result.exit_code == 0, result.output
    missing = CliRunner().invoke(
        user_group, ["reset-2fa", "nobody@x.test"], obj=settings
    )
    assert missing.exit_code != 0 and "nobody@x.test" in missing.output

    async def check(session: AsyncSession) -> tuple[StaffUser | None, int, list[str]]:
        user = await session.scalar(select(StaffUser))
        codes = await session.scalar(select(func.count()).select_from(RecoveryCode))
        actions = list(await session.scalars(select(AuditEvent.action)))
        return user, codes or 0, actions

    user, codes, actions = run_in_session(settings, check)
    assert user is not None and user.totp_secret is None and not user.two_factor_enabled
    assert codes == 0 and "2fa.reset" in actions
