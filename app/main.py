"""The FastAPI application: ``create_app(settings)`` wires everything.

The engine, sessionmaker, templates and loaded questionnaires live on
``app.state``, created in the lifespan; nothing with state is module-global, so
tests and several worker processes each build their own.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.body_limit import BodyLimitMiddleware
from app.config import Settings, SettingsProblem, get_settings, load_settings
from app.db import create_engine, create_sessionmaker
from app.errors import install_error_handlers
from app.flows import serving as serving_flow

# Every domain's tables, so the string-named relationships between domains
# resolve before the first request maps a row.
from app.models import metadata as _all_tables  # noqa: F401
from app.questionnaires import types
from app.questionnaires.service import CompiledVersions
from app.responses.rendering import QuestionHtml
from app.web import (
    STATIC_DIR,
    HostileInputMiddleware,
    SecurityHeadersMiddleware,
    create_templates,
)

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, serving: bool = False) -> FastAPI:
    """``serving``: a serving process (``app_factory``), which settles its
    long-lived objects once the app has started (``settle_long_lived_objects``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.check_questionnaires_on_startup:
            _check_questionnaire_files(settings)
        engine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size
        )
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        if serving:
            await serving_flow.compile_fielded_versions(
                app.state.sessionmaker, app.state.versions
            )
            settle_long_lived_objects()
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="veldwerk",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.templates = create_templates(
        auto_reload=settings.environment == "development"
    )
    app.state.templates.env.filters["question_type"] = types.type_label
    app.state.templates.env.globals["question_html"] = QuestionHtml(
        app.state.templates.env
    )
    app.state.versions = CompiledVersions()
    install_error_handlers(app)
    app.add_middleware(HostileInputMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_kb * 1024,
        uploads=upload_limits(settings),
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.cookies_secure)
    if settings.trusted_proxies:
        # Only a configured proxy's X-Forwarded-For names the client (login
        # throttling counts per address); uvicorn's own handling is off.
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies)
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _include_routers(app)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/staff/", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def upload_limits(settings: Settings) -> list[tuple[str, int]]:
    """The routes that take files, with their body limits (a multipart body
    carries a little more than the file: 1 MB of room)."""
    slug = r"[^/]+"
    return [
        (
            rf"/staff/waves/{slug}/frames",
            (settings.samples.max_upload_mb + 1) * 1024 * 1024,
        ),
        (rf"/staff/monitor/{slug}/{slug}/reference/upload", 2 * 1024 * 1024),
    ]


def _check_questionnaire_files(settings: Settings) -> None:
    """Refuse to start with a broken questionnaire file (file, line and reason)."""
    from app.questionnaires.errors import DefinitionErrors
    from app.questionnaires.service import load_all

    if not settings.questionnaires_dir.is_dir():
        return
    try:
        load_all(settings.questionnaires_dir)
    except DefinitionErrors as exc:
        details = "\n".join(str(p) for p in exc.problems)
        raise RuntimeError(
            f"questionnaire files have errors; not starting:\n{details}"
        ) from None


def _include_routers(app: FastAPI) -> None:
    from app.exports.routes import router as exports_router
    from app.flows.routes import public_router as flows_public_router
    from app.flows.routes import staff_router as flows_router
    from app.mailings.public_routes import router as mailings_public_router
    from app.mailings.routes import router as mailings_router
    from app.monitoring.routes import router as monitoring_router
    from app.notices.routes import router as notices_router
    from app.questionnaires.routes import router as questionnaires_router
    from app.reports.routes import router as reports_router
    from app.responses.routes import router as responses_router
    from app.reviews.routes import public_router as reviews_public_router
    from app.reviews.routes import staff_router as reviews_router
    from app.samples.routes import router as samples_router
    from app.staff.routes import router as staff_router

    app.include_router(responses_router)
    app.include_router(mailings_public_router)
    app.include_router(reviews_public_router)
    app.include_router(flows_public_router)
    app.include_router(notices_router)
    app.include_router(staff_router, prefix="/staff")
    app.include_router(questionnaires_router, prefix="/staff")
    app.include_router(flows_router, prefix="/staff")
    app.include_router(samples_router, prefix="/staff")
    app.include_router(mailings_router, prefix="/staff")
    app.include_router(monitoring_router, prefix="/staff")
    app.include_router(exports_router, prefix="/staff")
    app.include_router(reports_router, prefix="/staff")
    app.include_router(reviews_router, prefix="/staff")


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory app.main:app_factory``: a serving
    process, whose long-lived objects are kept out of the garbage collector's
    way (see ``settle_long_lived_objects``)."""
    try:
        settings = load_settings()
    except SettingsProblem as exc:  # one line, not a traceback from uvicorn
        print(f"veldwerk: {exc}", file=sys.stderr)  # noqa: T201 -- before logging exists
        raise SystemExit(1) from None
    return create_app(settings, serving=True)


def settle_long_lived_objects() -> None:
    """Collect once, then exempt everything alive from later collections.

    A serving process holds a few hundred thousand objects that live as long as
    it does (modules, routes, schemas, templates). Each full collection walks
    them all: about 100 ms on a 2-core machine, during which every request the
    process holds waits. That was the long tail of the respondent pages'
    latency under load. Frozen objects are never walked. Called once, from the
    lifespan of a serving process, and nowhere else: what is frozen is never
    freed, so caches that drop entries (compiled questionnaires) must not
    freeze what they compile later; the versions in the field are compiled
    just before (``app.flows.serving``), so they are settled too. (Not for tests, which build an app per test and would pile
    up frozen garbage.)
    """
    gc.collect()
    gc.freeze()
