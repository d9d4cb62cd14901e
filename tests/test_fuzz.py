"""Every route fuzzed in-process: schemathesis draws requests from the app's
own OpenAPI schema (a new route is fuzzed without touching this file), sent
as a logged-in admin with a valid CSRF token, and no answer may be a 5xx.

schemathesis (test extra) turns the schema into hypothesis strategies for
paths, queries and form bodies; examples are derandomised (the same requests
every run: no flaky failures) and few per route, so the whole run stays well
under a minute per database.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.staff.models import Role
from tests.fixtures.staff import logged_in
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.asyncio

EXAMPLES_PER_ROUTE = 5
SKIPPED = {("POST", "/staff/logout")}  # would end the fuzzing session itself


def _request(case: Any, csrf: str) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(
        base_url="http://testserver", headers={"X-CSRF-Token": csrf}
    )
    kwargs.pop("cookies", None)  # the client's own session cookie is used
    kwargs["follow_redirects"] = False
    return kwargs


async def test_no_generated_request_gets_a_5xx(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, csrf = await logged_in(client, session, Role.admin)
    spec = app.openapi()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    # The route table and the schema agree: a route left out of the schema
    # would be left out of the fuzzing.
    routes = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method != "HEAD"
    }
    fuzzed = {(op.method.upper(), op.path) for op in operations}
    hidden = {r for r in routes - fuzzed if r[1] not in ("/", "/healthz")}
    assert not hidden, f"routes missing from the OpenAPI schema: {sorted(hidden)}"
    failures: list[str] = []
    loop = asyncio.get_running_loop()

    def send(kwargs: dict[str, Any]) -> httpx.Response:
        # hypothesis drives from a worker thread; requests run on the app's loop.
        return asyncio.run_coroutine_threadsafe(client.request(**kwargs), loop).result(
            timeout=60
        )

    def fuzz_all() -> None:
        for operation in operations:
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue

            @settings_(
                max_examples=EXAMPLES_PER_ROUTE,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def fuzz(case: Any) -> None:
                kwargs = _request(case, csrf)
                response = send(kwargs)
                if response.status_code >= 500:
                    failures.append(
                        f"{response.status_code} {kwargs['method']} {kwargs['url']} "
                        f"params={kwargs.get('params')} data={kwargs.get('data')!r:.200}"
                    )

            fuzz()

    started = time.monotonic()
    await anyio.to_thread.run_sync(fuzz_all)
    elapsed = time.monotonic() - started
    # Still logged in: the fuzzing ran as staff, not against the login page.
    assert (await client.get("/staff/")).status_code == 200
    assert not failures, "\n".join(sorted(failures)[:80])
    assert len(operations) > 50
    print(f"fuzzed {len(operations)} routes in {elapsed:.1f} s")  # noqa: T201 -- for -s


FIELDS = [
    "q_contact", "q_contact_other", "q_safety.veilig", "q_safety.aandacht",
    "q_count.online", "q_count.offline", "q_severity", "q_channels", "q_mayor",
    "nav", "_shown", "_t", "csrf_token", "",
]  # fmt: skip
TEXT = st.text(max_size=40) | st.sampled_from(
    ["1", "2", "3", "9", "-1", "0", "99", "1e309", "NaN", "back", "next", "\x00"]
)


async def test_respondent_pages_take_any_form_without_a_5xx(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """The respondent routes read their forms by hand (no schema to fuzz):
    random fields and values on every page a respondent can reach."""
    _, token = await survey_with_invitation(session, settings)
    start = await client.post(f"/s/{token}")
    assert start.status_code == 303
    pages = [f"/s/{token}/p/{p}" for p in ("p_intro", "p_safety", "p_count", "p_end")]
    failures: list[str] = []
    loop = asyncio.get_running_loop()

    @settings_(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        page=st.sampled_from(pages),
        form=st.lists(st.tuples(st.sampled_from(FIELDS) | st.text(max_size=10), TEXT)),
        htmx=st.booleans(),
    )
    def fuzz(page: str, form: list[tuple[str, str]], htmx: bool) -> None:
        headers = {"content-type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        body = urlencode(form).encode()
        response = asyncio.run_coroutine_threadsafe(
            client.post(page, content=body, headers=headers), loop
        ).result(timeout=60)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {page} {form!r:.300}")

    await anyio.to_thread.run_sync(fuzz)
    assert not failures, "\n".join(failures[:20])
