"""Paradata columns in exports: time per block and the last page reached.

On the scripted wave (respondents stopping at known pages with known page
times), the exported Parquet file read back with pandas holds what the scripts
say, worked out by hand below; the codebook labels the columns.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from tests.fixtures.paradata import scripted_wave

pytestmark = pytest.mark.asyncio

# Respondents exported (status response or complete; C never saw the threshold
# page, so is not a response), by script: D non-victim, E victim, F paused 40 min on p_intro and
# stops on p_severity, G victim with a double submit, H non-victim.
# Pages: 1 p_intro, 2 p_safety, 3 p_count, 4 p_severity, 5 p_mayor, 6 p_end.
EXPECTED = {
    "D": {"t_b_start": 10 + 15 + 25, "t_b_incident": -1, "t_b_end": 5, "last_page": 6},
    "E": {"t_b_start": 12 + 50 + 20, "t_b_incident": 60, "t_b_end": 8, "last_page": 6},
    "F": {"t_b_start": -6, "t_b_incident": -2, "t_b_end": -2, "last_page": 4},
    "G": {"t_b_start": 14 + 33 + 18, "t_b_incident": 45, "t_b_end": 6, "last_page": 6},
    "H": {"t_b_start": 16 + 21 + 19, "t_b_incident": -1, "t_b_end": 7, "last_page": 6},
}


async def test_block_times_and_last_page_read_back(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await scripted_wave(client, session, settings)
    request = ExportRequest(
        wave="w2024",
        questionnaire="mini",
        format=ExportFormat.parquet,
        include_partial=True,
    )
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    path = tmp_path / "mini.parquet"
    book = await runner.export_to_path(session, plan, path)
    frame = pd.read_parquet(path).sort_values("respondent_id")
    assert len(frame) == len(EXPECTED)
    for (who, want), (_, row) in zip(EXPECTED.items(), frame.iterrows(), strict=True):
        for name, value in want.items():
            if value < 0 or name == "last_page":
                assert row[name] == value, (who, name)
            else:  # three page times, each within a second
                assert abs(row[name] - value) <= 3, (who, name, row[name])
    variables = {v["name"]: v for v in book["variables"]}
    assert variables["t_b_incident"]["label"] == "Tijd in blok 'b_incident' (seconden)"
    labels = variables["last_page"]["values"]
    text = str(labels)
    assert "p_count: Ervaringen" in text and "p_end: p_end" in text
    assert "pauze" in str(variables["t_b_start"])
