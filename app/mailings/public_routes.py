"""Public pages of the mailings domain: one-click unsubscribe (``/u/<token>``).

GET shows a confirmation form and changes nothing (mail scanners follow
links); POST records the opt-out. The POST also serves RFC 8058 one-click
requests (``List-Unsubscribe=One-Click`` from the mail provider), which carry
no CSRF token: the unguessable token in the URL is the authority, and the
action is idempotent and harmless to repeat.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.mailings.delivery import service as delivery
from app.web import SettingsDep, render

router = APIRouter()
Token = Annotated[str, Path()]
"""Unconstrained: the service checks the shape, so every malformed token gets
the same 404 page as an unknown one."""
NOINDEX = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


def _gone(request: Request) -> Response:
    return render(
        request,
        "mailings/unsubscribe.html",
        {"state": "unknown"},
        status_code=404,
        headers=NOINDEX,
    )


@router.get("/u/test", include_in_schema=False)
async def unsubscribe_test(request: Request) -> Response:
    return render(
        request, "mailings/unsubscribe.html", {"state": "test"}, headers=NOINDEX
    )


@router.get("/u/{token}", name="unsubscribe")
async def show_unsubscribe(
    request: Request, session: SessionDep, settings: SettingsDep, token: Token
) -> Response:
    invitation = await delivery.unsubscribe_target(session, settings, token=token)
    if invitation is None:
        return _gone(request)
    state = "done" if invitation.opted_out_at is not None else "confirm"
    return render(
        request,
        "mailings/unsubscribe.html",
        {"state": state, "token": token},
        headers=NOINDEX,
    )


@router.post("/u/{token}")
async def unsubscribe(
    request: Request, session: SessionDep, settings: SettingsDep, token: Token
) -> Response:
    invitation = await delivery.record_opt_out(session, settings, token=token)
    if invitation is None:
        return _gone(request)
    return render(
        request, "mailings/unsubscribe.html", {"state": "done"}, headers=NOINDEX
    )
