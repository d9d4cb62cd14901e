"""Cross-cutting behaviour of the app: errors, headers, transactions."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionDep
from app.staff.models import AuditEvent

pytestmark = pytest.mark.asyncio


async def test_unknown_page_is_a_friendly_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert "<html" in response.text


async def test_security_headers_are_set(client: httpx.AsyncClient) -> None:
    response = await client.get("/staff/login")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


async def test_failed_commit_never_answers_2xx(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The request's transaction commits before the response is sent: when the
    commit fails, the client sees an error, not a success."""

    @app.post("/test-failing-commit")
    async def failing(db: SessionDep) -> dict[str, str]:
        db.add(AuditEvent(actor="t", action="x", target="", details={}))
        await db.flush()
        # Make the commit itself fail: a deferred check violated at COMMIT time
        # is not portable, so break the transaction on purpose instead.
        await db.execute(text("SELECT 1"))
        db.sync_session.commit = _boom  # type: ignore[method-assign]
        return {"status": "ok"}

    response = await client.post("/test-failing-commit")
    assert response.status_code == 500
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def _boom() -> None:
    raise RuntimeError("commit failed")
