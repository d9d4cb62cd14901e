"""The second login step, and setting up two-factor login (/staff/2fa)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import SessionDep, utcnow
from app.errors import Conflict, TooManyRequests
from app.staff import service, twofactor
from app.staff.deps import PendingLoginDep, set_session_cookie
from app.staff.models import StaffSession, StaffUser
from app.web import SettingsDep, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return "/staff/"


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _code_page(
    request: Request,
    pending: StaffSession,
    next: str,
    error: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "staff/login_code.html",
        {"csrf": pending.csrf_token, "next": _safe_next(next), "error": error},
        status_code=status,
    )


@router.get("/login/code", name="staff_login_code")
async def show_code_form(
    login: PendingLoginDep, request: Request, next: str = ""
) -> Response:
    pending, _ = login
    if pending.stage != "code":
        return RedirectResponse(
            "/staff/2fa" if pending.stage == "enrol" else "/staff/", 303
        )
    return _code_page(request, pending, next)


@router.post("/login/code")
async def submit_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: PendingLoginDep,
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff/",
) -> Response:
    pending, user = login
    if pending.stage != "code":
        return RedirectResponse("/staff/", 303)
    try:
        token = await service.complete_second_factor(
            session, pending=pending, user=user, code=code, ip=_client_ip(request),
            policy=service.LoginPolicy.from_settings(settings),
            session_hours=settings.session_hours,
        )  # fmt: skip
    except TooManyRequests as exc:
        return _code_page(request, pending, next, exc.message, 429)
    if token is None:
        return _code_page(
            request, pending, next,
            "Deze code klopt niet of is al gebruikt. Wacht op de volgende code.", 401,
        )  # fmt: skip
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, settings, token)
    return response


async def _enrol_context(
    session: SessionDep, pending: StaffSession, user: StaffUser, next: str
) -> dict[str, object]:
    context: dict[str, object] = {
        "csrf": pending.csrf_token,
        "next": _safe_next(next),
        "user": user,
        "stage": pending.stage,
    }
    if user.two_factor_enabled:
        context["remaining"] = await twofactor.remaining_recovery_codes(
            session, user_id=user.id
        )
    else:
        secret = await twofactor.start_enrolment(session, user=user)
        context["secret"] = twofactor.grouped(secret)
        context["uri"] = twofactor.provisioning_uri(secret, user.email)
    return context


@router.get("/2fa", name="staff_two_factor")
async def show_two_factor(
    request: Request, session: SessionDep, login: PendingLoginDep, next: str = ""
) -> Response:
    pending, user = login
    if pending.stage == "code":
        return RedirectResponse("/staff/login/code", 303)
    return render(
        request,
        "staff/two_factor.html",
        await _enrol_context(session, pending, user, next),
    )


@router.post("/2fa")
async def confirm_two_factor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: PendingLoginDep,
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff/",
) -> Response:
    pending, user = login
    if pending.stage == "code":
        return RedirectResponse("/staff/login/code", 303)
    if user.two_factor_enabled:
        raise Conflict("Tweestapsverificatie staat al aan voor dit account.")
    codes = await twofactor.confirm_enrolment(
        session, user=user, code=code, now=utcnow()
    )
    if codes is None:
        context = await _enrol_context(session, pending, user, next)
        context["error"] = (
            "Deze code klopt niet. Controleer de tijd op uw telefoon en probeer de volgende code."
        )
        return render(request, "staff/two_factor.html", context, status_code=422)
    await service.record_audit(session, actor=user, action="2fa.enable")
    response = render(
        request, "staff/recovery_codes.html", {"codes": codes, "next": _safe_next(next)}
    )
    if pending.stage == "enrol":
        token = await service.upgrade_session(
            session, pending=pending, user=user, hours=settings.session_hours,
            ip=_client_ip(request),
        )  # fmt: skip
        set_session_cookie(response, settings, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/2fa/recovery-codes")
async def regenerate_recovery_codes(
    request: Request,
    session: SessionDep,
    login: PendingLoginDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    pending, user = login
    if pending.stage != "full" or not user.two_factor_enabled:
        return RedirectResponse("/staff/2fa", 303)
    if not await twofactor.check_code(session, user=user, code=code, now=utcnow()):
        context = await _enrol_context(session, pending, user, "")
        context["error"] = "Deze code klopt niet of is al gebruikt."
        return render(request, "staff/two_factor.html", context, status_code=422)
    codes = await twofactor.new_recovery_codes(session, user=user)
    await service.record_audit(session, actor=user, action="2fa.recovery_codes")
    response = render(
        request, "staff/recovery_codes.html", {"codes": codes, "next": "/staff/"}
    )
    response.headers["Cache-Control"] = "no-store"
    return response
