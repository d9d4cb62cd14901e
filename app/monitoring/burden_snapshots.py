"""Stored break-off views, so the page and CSV answer without recomputing.

Working out the break-off view reads every started response and page visit
and routes each incomplete response: seconds at a million invitations. The
result is kept in ``burden_snapshots`` (one row per wave and questionnaire),
written only by ``refresh_burden``: today's computation, stored in the caller's
transaction with an upsert that never lets an older computation overwrite a
newer one (two workers refreshing at once both write a whole, correct row).

A snapshot is *current* while the responses' fingerprint (count, latest save)
is unchanged and ``stale_after`` has not passed; ``refresh_due`` refreshes the
others (the background worker, ``app.flows.worker``, calls it every
``Settings.burden_refresh_seconds``).
The page shows the snapshot as it is, with its time ("Stand van ..."), and
computes one only when none exists, its format is outdated or the wave closed
since it was made. Only time summaries (count, median, P90) are stored, not
every time, so a snapshot stays small.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.monitoring import burden_data
from app.monitoring.burden import (
    BurdenReport,
    PageBurden,
    PageInfo,
    RouteBurden,
    TimeSummary,
)
from app.monitoring.burden_data import VersionBurden
from app.monitoring.models import BurdenSnapshot
from app.samples.models import Wave, WaveQuestionnaire

FORMAT = 1
"""Layout of ``BurdenSnapshot.report``; raise it when the layout changes."""

__all__ = [
    "FORMAT",
    "Snapshot",
    "current_or_refresh",
    "read",
    "refresh_burden",
    "refresh_due",
    "report_from_json",
    "report_to_json",
]


# -- (de)serialisation ---------------------------------------------------------
def report_to_json(report: BurdenReport) -> dict[str, Any]:
    """Everything the page and CSV show, as plain JSON values."""
    return {
        "version_label": report.version_label,
        "started": report.started,
        "complete": report.complete,
        "left": report.left,
        "busy": report.busy,
        "pause_seconds": report.pause_seconds,
        "quiet_hours": report.quiet_hours,
        "busy_since": report.busy_since.isoformat() if report.busy_since else None,
        "pages": [
            {
                "id": p.page.id,
                "title": p.page.title,
                "block_id": p.page.block_id,
                "block_title": p.page.block_title,
                "block_optional": p.page.block_optional,
                "questions": [list(q) for q in p.page.questions],
                "position": p.position,
                "reached": p.reached,
                "left": p.left,
                "busy": p.busy,
                "paused": p.paused,
                "timed": p.timed,
                "median": p.median_seconds,
                "p90": p.p90_seconds,
            }
            for p in report.pages
        ],
        "routes": [
            {
                "blocks": list(r.blocks),
                "label": r.label,
                "complete": r.complete,
                "excluded": r.excluded,
                "timed": r.timed,
                "median": r.median_seconds,
            }
            for r in report.routes
        ],
    }


def report_from_json(data: dict[str, Any]) -> BurdenReport:
    pages = [
        PageBurden(
            page=PageInfo(
                id=p["id"],
                title=p["title"],
                block_id=p["block_id"],
                block_title=p["block_title"],
                block_optional=p["block_optional"],
                questions=tuple((q, t) for q, t in p["questions"]),
            ),
            position=p["position"],
            reached=p["reached"],
            left=p["left"],
            busy=p["busy"],
            paused=p["paused"],
            stored=TimeSummary(p["timed"], p["median"], p["p90"]),
        )
        for p in data["pages"]
    ]
    routes = [
        RouteBurden(
            blocks=tuple(r["blocks"]),
            label=r["label"],
            complete=r["complete"],
            excluded=r["excluded"],
            stored=TimeSummary(r["timed"], r["median"]),
        )
        for r in data["routes"]
    ]
    busy_since = data["busy_since"]
    return BurdenReport(
        version_label=data["version_label"],
        started=data["started"],
        complete=data["complete"],
        left=data["left"],
        busy=data["busy"],
        pages=pages,
        routes=routes,
        pause_seconds=data["pause_seconds"],
        quiet_hours=data["quiet_hours"],
        busy_since=dt.datetime.fromisoformat(busy_since) if busy_since else None,
    )


# -- reading and writing ---------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    computed_at: dt.datetime
    closed: bool
    versions: list[VersionBurden]


def _snapshot(row: BurdenSnapshot) -> Snapshot:
    versions = []
    for entry in row.report:
        report = report_from_json(entry["report"])
        versions.append(VersionBurden(entry["version_id"], entry["version"], report))
    return Snapshot(row.computed_at, row.closed, versions)


async def _row(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> BurdenSnapshot | None:
    return await session.get(
        BurdenSnapshot, (wave.id, questionnaire), populate_existing=True
    )


async def read(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> Snapshot | None:
    """The stored view, whatever its age (None: none, or an outdated format)."""
    row = await _row(session, wave=wave, questionnaire=questionnaire)
    if row is None or row.format != FORMAT:
        return None
    return _snapshot(row)


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(BurdenSnapshot)
    return sqlite.insert(BurdenSnapshot)


async def refresh_burden(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    now: dt.datetime | None = None,
) -> Snapshot:
    """Compute the break-off view now and store it (in the caller's transaction).

    The fingerprint is read *before* the view: an answer saved in between is
    in the view or not, but always makes the next ``refresh_due`` see a
    changed fingerprint, so no change is ever missed (at worst one extra
    refresh).
    """
    now = now or utcnow()
    seen = await burden_data.fingerprint(
        session, wave=wave, questionnaire=questionnaire
    )
    versions = await burden_data.burden_by_version(
        session, wave=wave, questionnaire=questionnaire, now=now
    )
    closed = burden_data.is_closed(wave, now)
    moments = [
        v.report.busy_since + dt.timedelta(hours=v.report.quiet_hours)
        for v in versions
        if v.report.busy_since is not None
    ]
    if not closed and (closing := burden_data.closes_at(wave)) is not None:
        moments.append(closing)
    values = {
        "format": FORMAT,
        "computed_at": now,
        "closed": closed,
        "responses": seen.responses,
        "responses_updated_at": seen.updated_at,
        "stale_after": min(moments) if moments else None,
        "report": [
            {
                "version_id": v.version_id,
                "version": v.version,
                "report": report_to_json(v.report),
            }
            for v in versions
        ],
    }
    table = BurdenSnapshot.__table__
    statement = (
        _insert(session)
        .values(wave_id=wave.id, questionnaire=questionnaire, **values)
        .on_conflict_do_update(
            index_elements=[table.c.wave_id, table.c.questionnaire],
            set_=values,
            where=table.c.computed_at <= now,
        )
    )
    await session.execute(statement)
    return Snapshot(now, closed, versions)


async def current_or_refresh(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> Snapshot:
    """What the page and CSV show: the stored view, computed first only if
    there is none, its format is outdated, or the wave closed since."""
    now = utcnow()
    snapshot = await read(session, wave=wave, questionnaire=questionnaire)
    if snapshot is None or snapshot.closed != burden_data.is_closed(wave, now):
        snapshot = await refresh_burden(
            session, wave=wave, questionnaire=questionnaire, now=now
        )
    return snapshot


def _is_current(
    row: BurdenSnapshot | None, seen: burden_data.Fingerprint, now: dt.datetime
) -> bool:
    return (
        row is not None
        and row.format == FORMAT
        and row.responses == seen.responses
        and row.responses_updated_at == seen.updated_at
        and (row.stale_after is None or now < row.stale_after)
    )


async def _claim(session: AsyncSession, wave_id: int, questionnaire: str) -> bool:
    """On PostgreSQL, a transaction lock so two workers do not both compute
    one view (the other skips it); SQLite has one writer anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"burden:{wave_id}:{questionnaire}".encode())
    return bool(
        await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}
        )
    )


async def refresh_if_stale(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    now: dt.datetime | None = None,
) -> bool:
    """Refresh one view unless it is current (or another worker is at it)."""
    now = now or utcnow()
    if not await _claim(session, wave.id, questionnaire):
        return False
    row = await _row(session, wave=wave, questionnaire=questionnaire)
    seen = await burden_data.fingerprint(
        session, wave=wave, questionnaire=questionnaire
    )
    if _is_current(row, seen, now):
        return False
    await refresh_burden(session, wave=wave, questionnaire=questionnaire, now=now)
    return True


async def open_pairs(
    session: AsyncSession, *, now: dt.datetime
) -> list[tuple[int, str]]:
    """(wave id, questionnaire) of every questionnaire fielded in a wave that
    has opened and closed at most a day ago (so the closing is recorded)."""
    rows = (
        await session.execute(
            select(Wave, WaveQuestionnaire.questionnaire)
            .join(WaveQuestionnaire, WaveQuestionnaire.wave_id == Wave.id)
            .order_by(Wave.id, WaveQuestionnaire.questionnaire)
        )
    ).all()
    out = []
    for wave, questionnaire in rows:
        closing = burden_data.closes_at(wave)
        if closing is not None and now > closing + dt.timedelta(days=1):
            continue
        today = now.astimezone(ZoneInfo(wave.timezone)).date()
        if wave.opens_on is not None and today < wave.opens_on:
            continue
        out.append((wave.id, questionnaire))
    return out


async def refresh_due(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> bool:
    """``refresh_if_stale`` for one pair by id (for the worker's own sessions)."""
    wave = await session.get(Wave, wave_id)
    if wave is None:
        return False
    return await refresh_if_stale(session, wave=wave, questionnaire=questionnaire)
