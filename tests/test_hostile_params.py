"""Input from outside never yields a 500: huge ids, huge page numbers, NUL
characters, over-long path segments; and staff errors speak to staff.

The bounds are enforced for every route (``test_every_int_parameter_is_bounded``),
so a new route cannot forget them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from app.params import INT32_MAX
from app.staff.models import Role
from tests.fixtures.mailings import create_open_wave
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio

INT32_PLUS = str(2**31)
INT64_PLUS = str(2**63 + 5)
HUGE = "9" * 40


@pytest_asyncio.fixture
async def admin(client: httpx.AsyncClient, session: AsyncSession) -> httpx.AsyncClient:
    await logged_in(client, session, Role.admin)
    await create_open_wave(session, slug="w1")
    await session.commit()
    return client


@pytest.mark.parametrize(
    "path",
    [
        f"/staff/mail/{INT32_PLUS}",
        f"/staff/mail/{INT64_PLUS}",
        f"/staff/mail/{HUGE}",
        f"/staff/waves/w1/samples/{INT32_PLUS}",
        f"/staff/waves/w1/samples/{HUGE}",
        f"/staff/waves/w1/frames/{INT32_PLUS}",
        f"/staff/waves/w1/rejections/{INT64_PLUS}",
        f"/staff/waves/w1/mailings/x/preview/{INT32_PLUS}/html",
        "/staff/waves/w1/frames/1?page=" + INT64_PLUS,
        "/staff/waves/w1/invitations?page=" + INT64_PLUS,
        "/staff/waves/w1/invitations?page=" + INT32_PLUS,
        "/staff/mail?page=" + HUGE,
        "/staff/waves/%00",
        "/staff/waves/w1%00",
        "/staff/monitor/w1/offi%00cials",
        "/staff/questionnaires/x%00/1",
        "/staff/waves/w1/invitations?q=%00",
        "/staff/monitor/w1/officials/eligibility?q=a%00b",
        "/staff/exports?wave=w1%00",
        "/staff/waves/" + "a" * 5000,
        "/staff/questionnaires/" + "a" * 3000 + "/1",
        "/s/" + "b" * 5000,
    ],
)
async def test_hostile_input_answers_404_or_422(
    admin: httpx.AsyncClient, path: str
) -> None:
    response = await admin.get(path)
    assert response.status_code in (404, 422), (response.status_code, path)
    assert "Traceback" not in response.text


async def test_hostile_post_ids_answer_404_or_422(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, csrf = await logged_in(client, session, Role.admin)
    for user_id in (INT32_PLUS, INT64_PLUS, HUGE):
        response = await client.post(
            f"/staff/users/{user_id}/active",
            data={"csrf_token": csrf, "active": "false"},
        )
        assert response.status_code in (404, 422), (user_id, response.status_code)


async def test_every_int_parameter_is_bounded(app: FastAPI) -> None:
    """Every integer a route takes from the URL or a form has an upper bound
    that fits the database's integer columns (use ``app.params``)."""
    unbounded: list[str] = []
    routes = list(_api_routes(app.routes))
    assert len(routes) > 50  # the walk reaches the included routers
    for route in routes:
        params = [
            *route.dependant.path_params,
            *route.dependant.query_params,
            *route.dependant.body_params,
        ]
        for param in params:
            annotation = param.field_info.annotation
            if annotation not in (int, int | None):
                continue
            limits = [
                m.le for m in param.field_info.metadata if getattr(m, "le", None)
            ] + [m.lt for m in param.field_info.metadata if getattr(m, "lt", None)]
            if not limits or max(limits) > INT32_MAX:
                unbounded.append(f"{route.path} {param.name}")
    assert unbounded == []


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None) or getattr(
            route, "routes", None
        )
        if inner is not None:
            yield from _api_routes(getattr(inner, "routes", inner))


async def test_staff_errors_use_staff_wording(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    @app.get("/staff/test-boom")
    async def staff_boom() -> None:
        raise RuntimeError("boom")

    @app.get("/test-respondent-boom")
    async def respondent_boom() -> None:
        raise RuntimeError("boom")

    await logged_in(client, session, Role.admin)
    staff = await client.get("/staff/test-boom")
    assert staff.status_code == 500
    assert "antwoorden" not in staff.text
    assert "beheerder" in staff.text or "logboek" in staff.text.lower()
    respondent = await client.get("/test-respondent-boom")
    assert respondent.status_code == 500
    assert "Uw eerdere antwoorden zijn bewaard" in respondent.text
