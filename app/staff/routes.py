"""Staff login, logout, home page, user administration and audit log."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.config import Settings
from app.db import SessionDep
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from app.params import IdPath
from app.staff import routes_twofactor, service
from app.staff.deps import (
    AdminDep,
    StaffDep,
    check_origin,
    delete_login_csrf_cookie,
    login_csrf_cookie_name,
    session_cookie_name,
    set_login_csrf_cookie,
    set_session_cookie,
)
from app.staff.models import Role
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login would help phishing.
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return "/staff/"


def _client_ip(request: Request) -> str:
    # The peer, or what a trusted proxy forwarded (ProxyHeadersMiddleware,
    # configured from ``Settings.trusted_proxies`` in create_app).
    return request.client.host if request.client else "unknown"


@router.get("/login", name="staff_login")
async def show_login(
    request: Request, settings: SettingsDep, next: str | None = None
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "staff/login.html", {"next": _safe_next(next), "login_csrf": token}
    )
    set_login_csrf_cookie(response, token, request=request, settings=settings)
    return response


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff/",
) -> Response:
    check_origin(request, settings)
    cookie = request.cookies.get(login_csrf_cookie_name(settings), "")
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_error(
            request,
            settings,
            next,
            "Het inlogformulier was verlopen. Probeer het opnieuw.",
            400,
        )
    try:
        result = await service.authenticate(
            session,
            email=email,
            password=password,
            ip=_client_ip(request),
            policy=service.LoginPolicy.from_settings(settings),
            session_hours=settings.session_hours,
            two_factor_roles=settings.effective_two_factor_roles,
        )
    except TooManyRequests as exc:
        return _login_error(request, settings, next, exc.message, 429)
    if result.session_token is None:
        return _login_error(request, settings, next, result.message or "", 401)
    target = _safe_next(next)
    if result.stage == "code":
        target = "/staff/login/code?" + urlencode({"next": target})
    elif result.stage == "enrol":
        target = "/staff/2fa?" + urlencode({"next": target})
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, result.session_token)
    delete_login_csrf_cookie(response, settings=settings)
    return response


def _login_error(
    request: Request, settings: Settings, next: str, message: str, status: int
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "staff/login.html",
        {"next": _safe_next(next), "error": message, "login_csrf": token},
        status_code=status,
    )
    set_login_csrf_cookie(response, token, request=request, settings=settings)
    return response


@router.post("/logout", name="staff_logout")
async def logout(
    request: Request, session: SessionDep, settings: SettingsDep, staff: StaffDep
) -> Response:
    await service.close_session(
        session, token=request.cookies.get(session_cookie_name(settings), "")
    )
    await service.record_audit(session, actor=staff, action="logout")
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(
        session_cookie_name(settings), path="/", secure=settings.cookies_secure
    )
    return response


@router.get("/", name="staff_home")
async def home(request: Request, staff: StaffDep) -> Response:
    return render(request, "staff/home.html", {"staff": staff, "Role": Role})


@router.get("/users", name="staff_users")
async def users(request: Request, session: SessionDep, staff: AdminDep) -> Response:
    return render(
        request,
        "staff/users.html",
        {
            "staff": staff,
            "users": await service.list_users(session),
            "roles": list(Role),
        },
    )


@router.post("/users")
async def add_user(
    request: Request,
    session: SessionDep,
    staff: AdminDep,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    try:
        user = await service.create_user(
            session, email=email, name=name, role=role, password=password
        )
    except (InvalidInput, Conflict) as exc:
        return render(
            request,
            "staff/users.html",
            {
                "staff": staff,
                "users": await service.list_users(session),
                "roles": list(Role),
                "error": exc.message,
                "form": {"email": email, "name": name, "role": role.value},
            },
            status_code=exc.status_code,
        )
    await service.record_audit(
        session,
        actor=staff,
        action="user.add",
        target=user.email,
        details={"role": role.value},
    )
    return hx_redirect(request, "/staff/users")


@router.post("/users/{user_id}/active")
async def toggle_user(
    request: Request,
    session: SessionDep,
    staff: AdminDep,
    user_id: IdPath,
    active: Annotated[bool, Form()],
) -> Response:
    user = await service.get_user(session, user_id)
    if user is None:
        raise NotFound("Dit account bestaat niet.")
    if user.id == staff.id and not active:
        raise Forbidden("U kunt uw eigen account niet uitschakelen.")
    await service.set_active(session, user=user, active=active)
    await service.record_audit(
        session,
        actor=staff,
        action="user.activate" if active else "user.deactivate",
        target=user.email,
    )
    return hx_redirect(request, "/staff/users")


@router.get("/audit", name="staff_audit")
async def audit(request: Request, session: SessionDep, staff: AdminDep) -> Response:
    return render(
        request,
        "staff/audit.html",
        {"staff": staff, "events": await service.list_audit(session)},
    )


# The second login step and /staff/2fa (own module; same prefix).
router.include_router(routes_twofactor.router)
