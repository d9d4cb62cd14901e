"""Login, logout, sessions, CSRF, roles and throttling, on both databases."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.staff.models import LoginAttempt, Role, StaffSession, StaffUser
from tests.fixtures.staff import PASSWORD, create_staff, csrf_from, logged_in, login

pytestmark = pytest.mark.asyncio


class TestLogin:
    async def test_good_password_opens_a_session(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session, role=Role.researcher)
        response = await login(client, user.email)
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/"
        home = await client.get("/staff/")
        assert home.status_code == 200
        assert "onderzoeker" in home.text
        stored = await session.scalar(select(func.count()).select_from(StaffSession))
        assert stored == 1

    async def test_password_is_stored_as_argon2id(self, session: AsyncSession) -> None:
        user = await create_staff(session)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash

    async def test_wrong_password_is_refused_without_saying_which_part(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session)
        wrong = await login(client, user.email, "not the password at all")
        unknown = await login(client, "nobody@veldwerk.test", "not the password at all")
        assert wrong.status_code == unknown.status_code == 401
        assert "E-mailadres of wachtwoord klopt niet" in wrong.text
        assert "E-mailadres of wachtwoord klopt niet" in unknown.text
        assert (await client.get("/staff/", follow_redirects=False)).status_code == 303

    async def test_login_form_without_its_csrf_cookie_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session)
        response = await client.post(
            "/staff/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"},
        )
        assert response.status_code == 400
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 0

    async def test_next_parameter_cannot_redirect_off_site(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session)
        page = await client.get("/staff/login?next=//evil.test/")
        response = await client.post(
            "/staff/login",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
                "next": "https://evil.test/",
            },
        )
        assert response.headers["location"] == "/staff/"

    async def test_inactive_account_cannot_log_in(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session)
        user.is_active = False
        await session.commit()
        assert (await login(client, user.email)).status_code == 401


class TestThrottle:
    async def test_locks_after_repeated_failures_even_with_the_right_password(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await create_staff(session)
        for _ in range(5):
            assert (
                await login(client, user.email, "wrong password!!")
            ).status_code == 401
        locked = await login(client, user.email)
        assert locked.status_code == 429
        assert "Te veel mislukte inlogpogingen" in locked.text

    async def test_failures_are_counted_in_the_database(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        # The count lives in the database, so every app process sees the same budget.
        user = await create_staff(session)
        await login(client, user.email, "wrong password!!")
        await login(client, user.email, "wrong password!!")
        failures = await session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.succeeded.is_(False))
        )
        assert failures == 2


class TestLogout:
    async def test_logout_ends_the_session_for_good(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, csrf = await logged_in(client, session)
        cookie = dict(client.cookies)
        response = await client.post("/staff/logout", data={"csrf_token": csrf})
        assert response.status_code == 303
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 0
        # Replaying the old cookie does not bring the session back.
        client.cookies.update(cookie)
        again = await client.get("/staff/", follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"].startswith("/staff/login")


class TestCsrf:
    async def test_staff_form_without_token_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await logged_in(client, session)
        response = await client.post(
            "/staff/users",
            data={
                "email": "new@veldwerk.test",
                "name": "New",
                "role": "analyst",
                "password": "a long enough password",
            },
        )
        assert response.status_code == 403
        assert "CSRF" in response.text
        assert await session.scalar(select(func.count()).select_from(StaffUser)) == 1

    async def test_staff_form_with_token_works_without_javascript(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await logged_in(client, session)
        users_page = await client.get("/staff/users")
        response = await client.post(
            "/staff/users",
            data={
                "csrf_token": csrf_from(users_page.text),
                "email": "New.Analyst@Veldwerk.test",
                "name": "New",
                "role": "analyst",
                "password": "a long enough password",
            },
        )
        assert response.status_code == 303
        emails = set(await session.scalars(select(StaffUser.email)))
        assert "new.analyst@veldwerk.test" in emails

    async def test_htmx_header_token_is_accepted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, csrf = await logged_in(client, session)
        response = await client.post(
            "/staff/logout", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
        )
        assert response.status_code in (200, 303)
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 0

    async def test_cross_site_request_is_refused_even_with_token(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, csrf = await logged_in(client, session)
        response = await client.post(
            "/staff/logout",
            data={"csrf_token": csrf},
            headers={"Origin": "https://evil.test"},
        )
        assert response.status_code == 403


class TestRoles:
    @pytest.mark.parametrize(
        "role", [Role.researcher, Role.analyst, Role.fieldwork_manager]
    )
    async def test_only_admin_manages_accounts(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        await logged_in(client, session, role)
        assert (await client.get("/staff/users")).status_code == 403

    async def test_admin_sees_accounts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await logged_in(client, session, Role.admin)
        page = await client.get("/staff/users")
        assert page.status_code == 200
        assert "admin@veldwerk.test" in page.text
