"""Staff dependencies: who is logged in, what they may do, and CSRF.

``StaffDep`` authenticates *and* checks CSRF on every unsafe method, so a staff
route cannot forget it: the token comes from the form field ``csrf_token``
(plain HTML forms, no JavaScript needed) or the ``X-CSRF-Token`` header (htmx).
On top, a cross-site ``Sec-Fetch-Site`` or a foreign ``Origin`` is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized
from app.staff import service
from app.staff.models import Role, StaffSession, StaffUser
from app.staff.schemas import StaffContext
from app.web import SettingsDep

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only
    # and Path=/; it is only usable over https.
    return "__Host-veldwerk_session" if settings.cookies_secure else "veldwerk_session"


def login_csrf_cookie_name(settings: Settings) -> str:
    """The login form's CSRF cookie: ``__Host-`` like the session cookie when secure."""
    return (
        "__Host-veldwerk_login_csrf"
        if settings.cookies_secure
        else "veldwerk_login_csrf"
    )


def set_login_csrf_cookie(
    response: Response, token: str, *, request: Request, settings: Settings
) -> None:
    """Set the login CSRF cookie: ``Secure`` whenever the site or the request is
    https, so the token never travels over plain http once https is in use."""
    secure = settings.cookies_secure or request.url.scheme == "https"
    response.set_cookie(
        login_csrf_cookie_name(settings),
        token,
        httponly=True,
        secure=secure,
        samesite="strict",
        # __Host- cookies must have Path=/ (and no Domain).
        path="/" if settings.cookies_secure else "/staff",
    )


def delete_login_csrf_cookie(response: Response, *, settings: Settings) -> None:
    response.delete_cookie(
        login_csrf_cookie_name(settings),
        path="/" if settings.cookies_secure else "/staff",
        secure=settings.cookies_secure,
        httponly=True,
        samesite="strict",
    )


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.cookies_secure,
        samesite="lax",
        path="/",
    )


def check_origin(request: Request, settings: Settings) -> None:
    """Refuse unsafe requests that a browser marks as coming from another site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("Dit verzoek kwam van een andere website en is geweigerd.")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        allowed = {_origin_of(settings.base_url), _origin_of(str(request.base_url))}
        if origin.rstrip("/") not in allowed:
            raise Forbidden("Dit verzoek kwam van een andere website en is geweigerd.")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _submitted_csrf_token(request: Request) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


class SecondStepNeeded(Unauthorized):
    """Password given, second factor not yet: only the second step is open."""

    def __init__(self, stage: str) -> None:
        super().__init__("Rond eerst het inloggen af.")
        self.login_path = "/staff/login/code" if stage == "code" else "/staff/2fa"


async def _resolve(
    request: Request, session: AsyncSession, settings: Settings
) -> tuple[StaffSession, StaffUser]:
    token = request.cookies.get(session_cookie_name(settings), "")
    resolved = await service.resolve_session(session, token=token)
    if resolved is None:
        raise Unauthorized("Log in om verder te gaan.")
    staff_session, user = resolved
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, settings, staff_session)
    return staff_session, user


async def get_pending_login(
    request: Request, session: SessionDep, settings: SettingsDep
) -> tuple[StaffSession, StaffUser]:
    """For the second login step: a session of any stage (CSRF checked)."""
    return await _resolve(request, session, settings)


PendingLoginDep = Annotated[tuple[StaffSession, StaffUser], Depends(get_pending_login)]


async def _check_csrf(
    request: Request, settings: Settings, staff_session: StaffSession
) -> None:
    check_origin(request, settings)
    submitted = await _submitted_csrf_token(request)
    if not secrets.compare_digest(
        submitted.encode(), staff_session.csrf_token.encode()
    ):
        raise Forbidden(
            "Het formulier is verlopen of ongeldig (CSRF). Laad de pagina opnieuw en probeer het nog eens."
        )


async def get_staff(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> StaffContext:
    token = request.cookies.get(session_cookie_name(settings), "")
    resolved = await service.resolve_session(session, token=token)
    if resolved is None:
        raise Unauthorized("Log in om verder te gaan.")
    staff_session, user = resolved
    if staff_session.stage != "full":
        raise SecondStepNeeded(staff_session.stage)
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, settings, staff_session)
    context = StaffContext(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role_enum,
        csrf_token=staff_session.csrf_token,
    )
    request.state.staff = context
    return context


StaffDep = Annotated[StaffContext, Depends(get_staff)]


def require_role(*roles: Role) -> Callable[[StaffContext], Awaitable[StaffContext]]:
    """Dependency factory: the logged-in staff member must hold one of ``roles``
    (an admin may do everything)."""

    async def dependency(staff: StaffDep) -> StaffContext:
        if not staff.can(*roles):
            names = ", ".join(r.label for r in roles)
            raise Forbidden(f"Deze pagina is alleen voor de rol {names}.")
        return staff

    return dependency


ResearcherDep = Annotated[StaffContext, Depends(require_role(Role.researcher))]
FieldworkDep = Annotated[StaffContext, Depends(require_role(Role.fieldwork_manager))]
AnalystDep = Annotated[StaffContext, Depends(require_role(Role.analyst))]
AdminDep = Annotated[StaffContext, Depends(require_role(Role.admin))]
QuestionnaireReaderDep = Annotated[
    StaffContext,
    Depends(require_role(Role.researcher, Role.analyst, Role.fieldwork_manager)),
]
"""Reading questionnaires, versions and diffs is useful to every role."""
