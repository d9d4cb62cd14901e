"""The baseline for benchmarks/respondent.py: a bare FastAPI endpoint that inserts
one row and renders one template, on the same database and server setup."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy import text

from app.db import create_engine

TEMPLATE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=nl><head><title>{{ title }}</title></head><body>"
    "<main><h1>{{ title }}</h1><form method=post><input name=q value='{{ value }}'>"
    "<button>Volgende</button></form></main></body></html>"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    app.state.engine = engine
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/submit/{token}")
async def submit(request: Request, token: str) -> HTMLResponse:
    form = await request.form()
    async with request.app.state.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO bench_rows (token, value) VALUES (:token, :value)"),
            {"token": token, "value": str(form.get("q", ""))},
        )
    return HTMLResponse(TEMPLATE.render(title="Vraag", value=form.get("q", "")))
