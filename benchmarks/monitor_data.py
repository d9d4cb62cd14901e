"""Synthetic fieldwork at scale for the monitor benchmark.

Invitations follow the 2024 edition's shape (Table 4.3 and 4.4 of the report):
the mix of tiers and functions, each function's response rate, 90% of the
response complete, the share of personal addresses, and response arriving in
waves after the invitation and the two reminders (one two days after the May
recess). Rows are generated with a seeded RNG, so the same data lands on
SQLite (executemany batches) and PostgreSQL (COPY batches: each fires the
monitor's statement-level trigger once, as a bulk import would).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.samples.catalogue import FUNCTIONS
from app.samples.models import Invitation

UTC = dt.UTC
MAILINGS = (
    dt.datetime(2024, 4, 16, 7, 0, tzinfo=UTC),  # invitation, 09:00 in Amsterdam
    dt.datetime(2024, 4, 23, 7, 0, tzinfo=UTC),  # first reminder
    dt.datetime(2024, 5, 14, 7, 0, tzinfo=UTC),  # two days after the May recess
)
CLOSES = dt.datetime(2024, 5, 21, 22, 0, tzinfo=UTC)

# function: (invited in 2024, response rate, share of personal addresses)
SHAPE: dict[str, tuple[int, float, float]] = {
    "burgemeester": (342, 0.23, 0.56),
    "wethouder": (1397, 0.18, 0.57),
    "raadslid": (3214, 0.14, 0.98),
    "cdk": (12, 0.50, 0.91),
    "gedeputeerde": (62, 0.24, 0.90),
    "statenlid": (571, 0.20, 1.00),
    "dijkgraaf": (21, 0.38, 0.95),
    "lid_db": (91, 0.34, 0.97),
    "lid_ab": (502, 0.25, 0.99),
}
TRIGGER_SHARE = (0.55, 0.25, 0.20)  # which mailing brought a response in


def _response_time(rng: random.Random) -> dt.datetime:
    mailing = rng.choices(range(3), weights=TRIGGER_SHARE)[0]
    start = MAILINGS[mailing]
    end = MAILINGS[mailing + 1] if mailing + 1 < len(MAILINGS) else CLOSES
    delay = dt.timedelta(days=rng.expovariate(1 / 1.2))
    return min(start + delay, end - dt.timedelta(minutes=30))


def invitation_rows(
    *, wave_id: int, questionnaire: str, count: int, seed: int = 2024
) -> Iterator[dict[str, Any]]:
    """``count`` invitation rows with realistic statuses, mail facts and times."""
    rng = random.Random(seed)
    functions = list(SHAPE)
    weights = [SHAPE[f][0] for f in functions]
    for i in range(count):
        function = rng.choices(functions, weights=weights)[0]
        _, rate, personal = SHAPE[function]
        row: dict[str, Any] = {
            "wave_id": wave_id,
            "questionnaire": questionnaire,
            "token_hash": f"{seed:08x}{i:056x}",
            "token_nonce": f"n{i}",
            "token_key_id": "bench",
            "tier": FUNCTIONS[function].tier,
            "function": function,
            "function_type": FUNCTIONS[function].function_type,
            "organisation_code": f"org{rng.randrange(400)}",
            "email_kind": "persoonlijk" if rng.random() < personal else "algemeen",
            "gender": rng.choices(["vrouw", "man", None], weights=[38, 52, 10])[0],
            "attributes": {},
            "is_test": i % 5000 == 0,
            "status": "invited",
            "first_mailed_at": None if rng.random() < 0.005 else MAILINGS[0],
            "created_at": MAILINGS[0] - dt.timedelta(days=3),
        }
        if row["first_mailed_at"] is not None:
            row["last_mailed_at"] = MAILINGS[2]
            _outcome(rng, row, rate)
        yield row


def _outcome(rng: random.Random, row: dict[str, Any], rate: float) -> None:
    draw = rng.random()
    if draw < rate:
        at = _response_time(rng)
        row.update(
            status="response",
            started_at=at - dt.timedelta(minutes=4),
            response_at=at,
            last_activity_at=at,
        )
        if rng.random() < 0.9:
            row.update(status="complete", completed_at=at + dt.timedelta(minutes=18))
            row["last_activity_at"] = row["completed_at"]
    elif draw < rate + 0.04:
        at = _response_time(rng)
        row.update(status="started", started_at=at, last_activity_at=at)
    elif draw < rate + 0.055:
        row["opted_out_at"] = _response_time(rng)
    elif draw < rate + 0.075:
        row["undeliverable_at"] = MAILINGS[0] + dt.timedelta(minutes=3)
        row["undeliverable_reason"] = "550 5.1.1 mailbox unavailable"
    elif draw < rate + 0.078:
        row["ineligible_at"] = MAILINGS[1]
        row["ineligible_reason"] = "niet meer in functie"


COLUMNS = (
    "started_at",
    "response_at",
    "completed_at",
    "last_activity_at",
    "last_mailed_at",
    "opted_out_at",
    "undeliverable_at",
    "undeliverable_reason",
    "ineligible_at",
    "ineligible_reason",
)


async def fill(
    engine: AsyncEngine,
    *,
    wave_id: int,
    questionnaire: str,
    count: int,
    batch: int = 20_000,
) -> None:
    """Insert ``count`` invitations in batches (one transaction per batch)."""
    rows: list[dict[str, Any]] = []
    for row in invitation_rows(
        wave_id=wave_id, questionnaire=questionnaire, count=count
    ):
        for column in COLUMNS:
            row.setdefault(column, None)
        rows.append(row)
        if len(rows) == batch:
            await _insert(engine, rows)
            rows = []
    if rows:
        await _insert(engine, rows)


async def _insert(engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name != "postgresql":
            await conn.execute(insert(Invitation.__table__), rows)  # type: ignore[arg-type]
            return
        columns = list(rows[0])
        records = [
            tuple(json.dumps(r[c]) if c == "attributes" else r[c] for c in columns)
            for r in rows
        ]
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            "invitations", records=records, columns=columns
        )
