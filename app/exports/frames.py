"""The export as a pandas DataFrame, in process: for analyses built on the export.

Report tables (``app.reports``) compute from exactly the rows, codes and
weights an analyst would download, so they read them here rather than from
the response tables. Same plan, same snapshot, same encoder and weights as a
download (``runner``); the frame's columns are the layout's variable names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import begin_read_snapshot
from app.exports import runner
from app.exports.layout import Layout
from app.exports.service import ExportPlan


@dataclass(frozen=True)
class ExportFrame:
    frame: pd.DataFrame
    layout: Layout
    weighting: dict[str, Any]
    """The codebook's weighting section: method, population source, warnings."""


async def load_frame(session: AsyncSession, plan: ExportPlan) -> ExportFrame:
    """Read the planned export into a DataFrame.

    In a fresh transaction the read is a snapshot, as for a download (rows and
    weights see the same data); inside a running one it uses that transaction.
    """
    if not session.in_transaction():
        await begin_read_snapshot(session)
    run = await runner.start(session, plan)
    rows: list[list[Any]] = []
    async for raw in runner.chunks(session, plan):
        rows += await anyio.to_thread.run_sync(run.encode, raw)
    names = [v.name for v in plan.layout.variables]
    frame = pd.DataFrame(rows, columns=names)
    return ExportFrame(frame, plan.layout, run.weighting_info())
