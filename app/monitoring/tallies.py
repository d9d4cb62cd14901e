"""The monitor's tallies: folding the triggers' deltas, and the live recount.

Writes only the monitoring domain's own tables (``monitor_counts``,
``monitor_curve``, ``monitor_deltas``); reads ``invitations`` (read-only) for
the live count that the tallies must always equal, and to rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.monitoring.models import MonitorCount, MonitorCurveCount, MonitorDelta
from app.samples.models import Invitation
from app.samples.states import (
    OTHER_STATUS,
    STATE_FLAGS,
    STATUS_CODES,
    STATUS_STEP,
    InvitationStatus,
)

GROUP_KEYS = ("tier", "function", "function_type", "email_kind", "gender", "panel")
CURVE_KEYS = ("tier", "function", "function_type", "panel")
FOLD_BATCH = 200_000
FOLD_THRESHOLD = 2_000
_FOLD_LOCK = 0x76656C64_6D6F6E  # "veld" "mon": one folder at a time on PostgreSQL


@dataclass(frozen=True)
class GroupCount:
    values: dict[str, str]
    state: int
    n: int


def group_from_row(row: Any) -> GroupCount:
    values = {k: row[i] for i, k in enumerate(GROUP_KEYS)}
    return GroupCount(values, int(row[len(GROUP_KEYS)]), int(row[-1]))


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# --- folding the triggers' deltas into the tallies ----------------------------

_COUNT_COLUMNS = "wave_id, questionnaire, " + ", ".join(GROUP_KEYS) + ", state"
_CURVE_COLUMNS = "wave_id, questionnaire, " + ", ".join(CURVE_KEYS) + ", response_hour"

# Only constant column names are interpolated; values are bound parameters.
_PG_FOLD = f"""
WITH moved AS (
  DELETE FROM monitor_deltas
  WHERE id IN (SELECT id FROM monitor_deltas ORDER BY id LIMIT :limit)
  RETURNING {_COUNT_COLUMNS}, response_hour, delta
), counted AS (
  INSERT INTO monitor_counts ({_COUNT_COLUMNS}, n)
  SELECT {_COUNT_COLUMNS}, sum(delta) FROM moved GROUP BY {_COUNT_COLUMNS}
  ON CONFLICT ({_COUNT_COLUMNS}) DO UPDATE SET n = monitor_counts.n + excluded.n
  RETURNING 1
), curved AS (
  INSERT INTO monitor_curve ({_CURVE_COLUMNS}, n)
  SELECT {_CURVE_COLUMNS}, sum(delta) FROM moved WHERE response_hour <> ''
  GROUP BY {_CURVE_COLUMNS}
  ON CONFLICT ({_CURVE_COLUMNS}) DO UPDATE SET n = monitor_curve.n + excluded.n
  RETURNING 1
)
SELECT count(*) FROM moved
"""  # noqa: S608

_SQLITE_FOLD = (
    f"""
INSERT INTO monitor_counts ({_COUNT_COLUMNS}, n)
SELECT {_COUNT_COLUMNS}, sum(delta) FROM monitor_deltas WHERE id <= :upto
GROUP BY {_COUNT_COLUMNS}
ON CONFLICT ({_COUNT_COLUMNS}) DO UPDATE SET n = monitor_counts.n + excluded.n
""",  # noqa: S608
    f"""
INSERT INTO monitor_curve ({_CURVE_COLUMNS}, n)
SELECT {_CURVE_COLUMNS}, sum(delta) FROM monitor_deltas
WHERE id <= :upto AND response_hour <> ''
GROUP BY {_CURVE_COLUMNS}
ON CONFLICT ({_CURVE_COLUMNS}) DO UPDATE SET n = monitor_curve.n + excluded.n
""",  # noqa: S608
    "DELETE FROM monitor_deltas WHERE id <= :upto",
)


async def fold_deltas(session: AsyncSession, *, limit: int = FOLD_BATCH) -> int:
    """Move up to ``limit`` of the oldest deltas into the tallies; returns how many.

    Exactly the deltas that are deleted are added (PostgreSQL: one statement
    with data-modifying CTEs; SQLite: one writer at a time), so a fold never
    loses or doubles a change. On PostgreSQL a second process that wants to
    fold at the same moment skips it: readers add unfolded deltas anyway.
    """
    if dialect_of(session) == "postgresql":
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _FOLD_LOCK}
        )
        if not locked:
            return 0
        moved = int(await session.scalar(text(_PG_FOLD), {"limit": limit}) or 0)
    else:
        oldest = (
            select(MonitorDelta.id).order_by(MonitorDelta.id).limit(limit).subquery()
        )
        upto = await session.scalar(select(func.max(oldest.c.id)))
        if upto is None:
            return 0
        moved = int(
            await session.scalar(select(func.count()).where(MonitorDelta.id <= upto))
            or 0
        )
        for statement in _SQLITE_FOLD:
            await session.execute(text(statement), {"upto": upto})
    if moved:
        await session.execute(delete(MonitorCount).where(MonitorCount.n == 0))
        await session.execute(delete(MonitorCurveCount).where(MonitorCurveCount.n == 0))
    return moved


async def fold_backlog(
    session: AsyncSession, *, threshold: int = FOLD_THRESHOLD
) -> int:
    """Fold only when at least ``threshold`` deltas wait; returns how many moved.

    Readers add unfolded deltas themselves, so a page poll stays a pure read
    (no write, no WAL flush, no SQLite write lock) in ordinary fieldwork; the
    worker's ``tasks.fold_monitor_deltas`` keeps the backlog short, and after a
    mass change without it the first page view folds.
    """
    waiting = await session.scalar(
        select(MonitorDelta.id).order_by(MonitorDelta.id).offset(threshold - 1).limit(1)
    )
    if waiting is None:
        return 0
    return await fold_deltas(session)


async def pending_deltas(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(MonitorDelta)) or 0
    )


# --- the live count: the tallies' reference implementation ---------------------


def state_expression() -> ColumnElement[int]:
    """``states.state_code`` in SQL, over ``invitations``."""
    status = case(
        *(
            (Invitation.status == name, code * STATUS_STEP)
            for name, code in STATUS_CODES.items()
        ),
        else_=OTHER_STATUS * STATUS_STEP,
    )
    expression: ColumnElement[int] = status
    for name, bit in STATE_FLAGS:
        column = getattr(Invitation, name)
        expression = expression + case((column.is_(None), 0), else_=bit)
    return expression


def _counted(
    wave_id: int | None, questionnaire: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Invitation.is_test.is_(False),
        Invitation.revoked_at.is_(None),
    ]
    if wave_id is not None:
        conditions.append(Invitation.wave_id == wave_id)
    if questionnaire is not None:
        conditions.append(Invitation.questionnaire == questionnaire)
    return conditions


def live_counts_statement(
    wave_id: int | None, questionnaire: str | None
) -> Select[Any]:
    """``group_counts_statement`` counted straight from ``invitations``."""
    state = state_expression().label("state")
    keys = [func.coalesce(getattr(Invitation, k), "").label(k) for k in GROUP_KEYS]
    return (
        select(Invitation.wave_id, Invitation.questionnaire, *keys, state, func.count())
        .where(*_counted(wave_id, questionnaire))
        .group_by(Invitation.wave_id, Invitation.questionnaire, *keys, state)
    )


async def live_group_counts(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> list[GroupCount]:
    """The same figures as ``group_counts``, counted from ``invitations``."""
    rows = await session.execute(live_counts_statement(wave_id, questionnaire))
    return [group_from_row(row[2:]) for row in rows]


async def recount(
    session: AsyncSession,
    *,
    wave_id: int | None = None,
    questionnaire: str | None = None,
) -> None:
    """Rebuild the tallies from ``invitations`` (all, or one wave/questionnaire).

    For repair after something bypassed the triggers (a restore, a bulk load
    with triggers disabled). Holds off writers to ``invitations`` meanwhile.
    """
    if dialect_of(session) == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FOLD_LOCK}
        )
        await session.execute(text("LOCK TABLE invitations IN SHARE MODE"))
    for model in (MonitorCount, MonitorCurveCount, MonitorDelta):
        scope = []
        if wave_id is not None:
            scope.append(model.wave_id == wave_id)
        if questionnaire is not None:
            scope.append(model.questionnaire == questionnaire)
        await session.execute(delete(model).where(*scope))
    live = live_counts_statement(wave_id, questionnaire).subquery()
    await session.execute(
        insert(MonitorCount).from_select(
            ["wave_id", "questionnaire", *GROUP_KEYS, "state", "n"], select(live)
        )
    )
    hour = _hour_expression(dialect_of(session))
    keys = [func.coalesce(getattr(Invitation, k), "").label(k) for k in CURVE_KEYS]
    curve = (
        select(Invitation.wave_id, Invitation.questionnaire, *keys, hour, func.count())
        .where(*_counted(wave_id, questionnaire), hour != "")
        .group_by(Invitation.wave_id, Invitation.questionnaire, *keys, hour)
    )
    await session.execute(
        insert(MonitorCurveCount).from_select(
            ["wave_id", "questionnaire", *CURVE_KEYS, "response_hour", "n"], curve
        )
    )


def _hour_expression(dialect: str) -> ColumnElement[str]:
    at = func.coalesce(Invitation.response_at, Invitation.completed_at)
    if dialect == "postgresql":
        bucket = func.to_char(func.timezone("UTC", at), "YYYY-MM-DD HH24")
    else:
        bucket = func.strftime("%Y-%m-%d %H", at)
    responded = Invitation.status.in_(InvitationStatus.responded())
    return case((responded, func.coalesce(bucket, "")), else_=literal("")).label(
        "response_hour"
    )
