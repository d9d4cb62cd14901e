"""Application errors and the handlers that turn them into pages.

Services raise ``AppError`` subclasses, never ``HTTPException``. One handler
renders them as the respondent or staff error page (an htmx partial when the
request came from htmx, JSON for ``/api``). A catch-all logs the traceback and
shows a plain page: no stack trace ever reaches a browser.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    status_code = 400
    title = "Er ging iets mis"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(AppError):
    status_code = 404
    title = "Niet gevonden"


class Forbidden(AppError):
    status_code = 403
    title = "Geen toegang"


class Unauthorized(AppError):
    status_code = 401
    title = "Inloggen nodig"
    login_path = "/staff/login"
    """Where the browser is sent (the second login step for a half-done login)."""


class Conflict(AppError):
    status_code = 409
    title = "Dat kan nu niet"


class Gone(AppError):
    status_code = 410
    title = "Niet meer beschikbaar"


class InvalidInput(AppError):
    status_code = 422
    title = "Ongeldige invoer"


class TooManyRequests(AppError):
    status_code = 429
    title = "Te veel pogingen"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def is_staff_request(request: Request) -> bool:
    path = request.url.path
    return path == "/staff" or path.startswith("/staff/")


TOO_LARGE = (
    "Te veel gegevens",
    "Wat u verstuurde is groter dan hier kan worden ontvangen; er is niets "
    "opgeslagen. Ga terug en verstuur het formulier opnieuw, of lees een groot "
    "bestand in via de opdrachtregel.",
)


def render_error(request: Request, status: int, title: str, message: str) -> Response:
    """The error page for ``request`` (also for middleware outside the router)."""
    return _render(request, status, title, message)


def _render(
    request: Request,
    status: int,
    title: str,
    message: str,
    language: str | None = None,
) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": title, "detail": message}, status_code=status)
    templates: Jinja2Templates | None = getattr(request.app.state, "templates", None)
    if templates is None:  # the app failed early; stay plain
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)
    name = "staff/error.html" if is_staff_request(request) else "error.html"
    if request.headers.get("HX-Request") == "true":
        name = "_error.html"
    return templates.TemplateResponse(
        request,
        name,
        {
            "status": status,
            "title": title,
            "message": message,
            **_language_context(language),
        },
        status_code=status,
    )


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, Unauthorized) and not _wants_json(request):
        target = exc.login_path + "?" + urlencode({"next": request.url.path})
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    return _render(
        request,
        exc.status_code,
        exc.title,
        exc.message,
        getattr(exc, "language", None),
    )


def _language_context(language: str | None) -> dict[str, object]:
    """A respondent's error page in their language (``app.responses.errors``)."""
    if language is None:
        return {}
    from app import i18n

    return {"lang": language, **i18n.template_callables(language)}


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    titles = {
        404: "Niet gevonden",
        405: "Niet toegestaan",
        403: "Geen toegang",
        413: TOO_LARGE[0],
    }
    title = titles.get(exc.status_code, "Er ging iets mis")
    message = {
        404: "Deze pagina bestaat niet.",
        405: "Deze handeling is hier niet mogelijk.",
        413: TOO_LARGE[1],
    }.get(exc.status_code, "Probeer het later opnieuw.")
    response = _render(request, exc.status_code, title, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    # Malformed requests from outside (missing form fields, bad path params):
    # a clear 422, without echoing internals.
    assert isinstance(exc, RequestValidationError)
    fields = sorted(
        {".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()}
    )
    message = "De invoer is niet volledig of niet geldig"
    if fields:
        message += ": " + ", ".join(f for f in fields if f)
    return _render(request, 422, "Ongeldige invoer", message + ".")


RESPONDENT_FAULT = (
    "Er ging iets mis aan onze kant. Uw eerdere antwoorden zijn bewaard; "
    "probeer het zo opnieuw."
)
STAFF_FAULT = (
    "Er ging iets mis aan de kant van veldwerk; er is niets half opgeslagen "
    "(de hele handeling is teruggedraaid). Probeer het opnieuw. Blijft het "
    "misgaan, geef dan het tijdstip door aan de beheerder: de foutmelding "
    "staat in het serverlog."
)


def _bad_input(exc: BaseException) -> bool:
    """A database refusing a value from outside (out of range, bad bytes):
    the input was wrong, not the server."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, DBAPIError):
        return isinstance(exc.orig, DataError) or "DataError" in type(exc.orig).__name__
    return False


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    if _bad_input(exc):
        log.warning(
            "bad input refused by the database on %s: %s", request.url.path, exc
        )
        return _render(
            request, 422, "Ongeldige invoer", "Een waarde in het verzoek kan niet."
        )
    log.exception(
        "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    message = STAFF_FAULT if is_staff_request(request) else RESPONDENT_FAULT
    return _render(request, 500, "Er ging iets mis", message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
