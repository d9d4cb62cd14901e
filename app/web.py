"""Web helpers shared by all domains: templates, htmx, security headers.

Everything works without JavaScript: forms POST and get a 303 redirect; htmx
only makes it smoother. ``hx_redirect`` answers both kinds of request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n, names
from app.config import Settings
from app.errors import InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _local(value: dt.datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Staff read times in Dutch local time; the database keeps UTC."""
    if value is None:
        return "–"
    return value.astimezone(AMSTERDAM).strftime(fmt)


def _nl_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


TEMPLATE_NAMES = {"invitation": "uitnodiging", "reminder": "herinnering"}
"""Mail template files are named in English (``mailings/<q>/invitation.*``)."""


def _template_name(name: str | None) -> str:
    if not name:
        return "–"
    for english, dutch in TEMPLATE_NAMES.items():
        if name == english or name.startswith(english + "-"):
            return dutch + name[len(english) :]
    return name


def _percent(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return _nl_number(value * 100, decimals) + "%"


def _paragraphs(text: str | None) -> Markup:
    """Plain text with blank lines → escaped ``<p>`` paragraphs (single newlines → ``<br>``)."""
    if not text:
        return Markup("")
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("\n").join(
        Markup("<p>")
        + Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        + Markup("</p>")
        for block in blocks
    )


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (``create_app`` puts them on its state).

    A dependency rather than an override of ``config.get_settings``: FastAPI
    rebuilds every dependency of every request while any override is set.
    """
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def create_templates(*, auto_reload: bool = True) -> Jinja2Templates:
    """``auto_reload`` re-reads edited templates; off outside development, where
    it would cost a stat() of every template of every page rendered."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.auto_reload = auto_reload
    env.filters["local"] = _local
    env.filters["nl_number"] = _nl_number
    env.filters["percent"] = _percent
    env.filters["paragraphs"] = _paragraphs
    env.filters["questionnaire_name"] = names.display_name
    env.filters["ref_name"] = names.ref_name
    env.filters["template_name"] = _template_name
    env.globals["csrf_field_name"] = "csrf_token"
    # Respondent pages pass ``_``/``gettext`` for their language in the context
    # (``app.i18n.template_callables``); everything else renders Dutch as is.
    env.add_extension("jinja2.ext.i18n")
    env.install_null_translations()  # type: ignore[attr-defined]
    env.globals["gettext_in"] = i18n.gettext
    return templates


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=headers
    )


MAX_FORM_FIELDS = 1000


async def form_lists(request: Request) -> dict[str, list[str]]:
    """A submitted form as field → values (in order), text fields only.

    URL-encoded bodies (what browsers and htmx send for these forms) are parsed
    with the standard library: about a third of the CPU of Starlette's
    streaming parser, which pays for handling uploads we never take here.
    Anything else goes through ``request.form()``. More than
    ``MAX_FORM_FIELDS`` fields is refused, as Starlette's own limit would.
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        return {
            key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form
        }
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as exc:
        raise InvalidInput("Het formulier heeft te veel velden.") from exc
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def hx_redirect(request: Request, url: str) -> Response:
    """Redirect after a POST: ``HX-Redirect`` for htmx, 303 (POST → GET) otherwise."""
    if is_htmx(request) and request.headers.get("HX-Boosted") != "true":
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def style_hash_csp(html: str) -> str:
    """The usual policy, plus the hashes of ``html``'s own ``<style>`` blocks.

    Standalone documents (a questionnaire as HTML, also rendered to PDF) carry
    their CSS inline; ``style-src 'self'`` would leave them unstyled (and
    scrolling sideways on a phone). Only these exact blocks are allowed."""
    blocks = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    hashes = " ".join(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()
        + "'"
        for b in blocks
    )
    return CSP.replace("style-src 'self'", f"style-src 'self' {hashes}".rstrip())


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding a fixed set of security headers.

    ``Referrer-Policy: no-referrer`` matters here: respondent URLs carry a
    personal token, which must not leak to other sites through the Referer.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.extra: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", CSP.encode()),
            (b"referrer-policy", b"no-referrer"),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if hsts:
            self.extra.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.extra if h[0] not in present)
                path = scope.get("path", "")
                if (
                    path.startswith(("/s/", "/staff"))
                    and b"cache-control" not in present
                ):
                    # Personal and staff pages must not sit in shared caches.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


MAX_PATH_SEGMENT = 255
"""No route takes a path segment this long (tokens, slugs and names are far
shorter); a longer one is a probe and gets the plain 404."""


TOKEN_LINK_PREFIXES = ("/s/", "/u/")
"""Personal links (survey, unsubscribe). Their routes check a token's shape
themselves and answer every malformed or unknown one with the same 404 page,
so a long or odd token cannot be told apart from an unknown one here either."""


class HostileInputMiddleware:
    """Refuse input no page can mean before any route sees it.

    A NUL character reaches PostgreSQL as an invalid string and an over-long
    segment only costs work; both used to end in a 500 on some route. One
    place answers them for every route: NUL or an over-long segment in the
    path is a 404 (no such page), NUL in the query string a 422. The error
    page is the usual one (staff or respondent wording).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                from app.errors import render_error

                status, title, message = refusal
                response = render_error(Request(scope), status, title, message)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(scope: Scope) -> tuple[int, str, str] | None:
        path: str = scope.get("path", "")
        raw_path: bytes = scope.get("raw_path") or b""
        if not path.startswith(TOKEN_LINK_PREFIXES) and (
            "\x00" in path
            or b"%00" in raw_path
            or any(len(part) > MAX_PATH_SEGMENT for part in path.split("/"))
        ):
            return 404, "Niet gevonden", "Deze pagina bestaat niet."
        query: bytes = scope.get("query_string", b"")
        if b"\x00" in query or b"%00" in query:
            return (
                422,
                "Ongeldige invoer",
                "Het adres bevat een teken dat hier niet kan (NUL).",
            )
        return None
