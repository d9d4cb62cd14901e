"""A size limit on every request body, enforced before anyone buffers it.

Without it a respondent's POST of 200 MB is read into memory whole (forms are
parsed from the full body). This pure ASGI middleware counts the bytes as the
application receives them, so it also holds for chunked bodies without a
``Content-Length``: past the limit the next ``receive`` raises
``BodyTooLarge``, an HTTP 413 that the application's own error handler turns
into the usual Dutch page (respondent or staff, htmx partial or JSON). A
declared ``Content-Length`` over the limit is refused at once, without
reading a byte of it or running the route.

Forms get a small limit; the few upload routes (address files, reference
tables) get their own, larger one, matched on the path before routing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import TOO_LARGE, render_error


class BodyTooLarge(HTTPException):
    """The request body passed its limit (413). An ``HTTPException`` so that
    FastAPI's body parsing passes it on instead of turning it into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"limit {limit} bytes")
        self.limit = limit


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        uploads: Iterable[tuple[str, int]] = (),
    ) -> None:
        """``uploads``: (path regex, limit in bytes) for routes taking files."""
        self.app = app
        self.default_limit = default_limit
        self.uploads = [(re.compile(pattern), limit) for pattern, limit in uploads]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.uploads:
            if pattern.fullmatch(path):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            # Refused before the application sees it, whatever the route.
            response = render_error(Request(scope), 413, *TOO_LARGE)
            response.headers["connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
