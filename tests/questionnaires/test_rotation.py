"""Rotation: options and statements in a random order per respondent.

The pure core is checked for what it promises (anchored items stay, every order
about equally often over many seeds, stable per seed); the respondent flow for
stability on resume and "vorige", and the export for recording what the page
showed, read from the page's HTML.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import httpx
import pandas as pd
import pytest
from scipy.stats import chisquare
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.questionnaires import rotation
from app.questionnaires.errors import DefinitionErrors
from tests.fixtures.surveys import invite, make_wave, page_path, publish_text
from tests.questionnaires.inline import load_inline

ROTATING = """\
questionnaire: rot
version: "1"
title: Rotatie
welcome: Welkom
thanks: Dank
response_from: q_grid
blocks:
  - id: b1
    pages:
      - id: p1
        questions:
          - id: q_pick
            type: multiple
            text: Welke?
            rotate: true
            options:
              - {code: 1, label: Aap}
              - {code: 2, label: Noot}
              - {code: 3, label: Mies}
              - {code: 4, label: Wim}
              - {code: 5, label: Anders, other: true}
              - {code: 97, label: Geen van deze, exclusive: true}
              - {code: 98, label: Weet niet, missing: dont_know}
      - id: p2
        questions:
          - id: q_grid
            type: grid
            text: Stellingen
            rotate: true
            options:
              - {code: 1, label: Eens}
              - {code: 2, label: Oneens}
            rows:
              - {id: r_a, text: Stelling A}
              - {id: r_b, text: Stelling B}
              - {id: r_c, text: Stelling C}
              - {id: r_z, text: Slotstelling, fixed: true}
      - id: p3
        questions:
          - {id: q_end, type: text, text: Opmerkingen?}
"""


class TestCore:
    def test_anchored_items_keep_their_place(self) -> None:
        items = ["a", "b", "c", "d", "anders", "weet niet"]
        fixed = [False, False, False, False, True, True]
        for seed in range(500):
            out = rotation.rotated(items, fixed, seed)
            assert out[4:] == ["anders", "weet niet"]
            assert sorted(out[:4]) == ["a", "b", "c", "d"]

    def test_every_order_about_equally_often(self) -> None:
        """24 orders of 4 options over 24,000 respondents: a chi-square test of
        uniformity (fixed seeds, so the outcome is the same on every run)."""
        items = ["a", "b", "c", "d"]
        counts = Counter(
            tuple(rotation.rotated(items, [False] * 4, rotation.seed_for(i, "q")))
            for i in range(24_000)
        )
        assert set(counts) == set(itertools.permutations(items))
        assert chisquare(list(counts.values())).pvalue > 0.01
        # Each option in first place about a quarter of the time.
        first = Counter(order[0] for order in counts.elements())
        assert all(abs(n / 24_000 - 0.25) < 0.02 for n in first.values())

    def test_stable_per_respondent_and_question(self) -> None:
        items = list(range(10))
        a = rotation.rotated(items, [False] * 10, rotation.seed_for(7, "q_pick"))
        b = rotation.rotated(items, [False] * 10, rotation.seed_for(7, "q_pick"))
        other = rotation.rotated(items, [False] * 10, rotation.seed_for(7, "q_x"))
        assert a == b and a != other

    def test_rotating_an_ordered_scale_is_refused(self) -> None:
        with pytest.raises(DefinitionErrors) as caught:
            load_inline(
                """\
                - id: b
                  pages:
                    - id: p
                      questions:
                        - {id: q1, type: single, text: Eens?, scale: agree, rotate: true}
                """,
                extra="scales:\n  agree:\n    - {code: 1, label: Eens}\n    - {code: 2, label: Oneens}",
            )
        assert "rotate" in str(caught.value.problems[0])


def shown_codes(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}" value="(-?\d+)"', html)


def shown_rows(html: str, question: str) -> list[str]:
    seen: list[str] = []
    for row in re.findall(rf'name="{question}\.(\w+)"', html):
        if row not in seen:
            seen.append(row)
    return seen


@pytest.mark.asyncio
async def test_order_is_stable_on_resume_and_back_and_exported_as_shown(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    tmp_path: Path,
) -> None:
    version = await publish_text(session, ROTATING, "rot/1.yaml")
    wave = await make_wave(session, version)
    links = [
        await invite(session, settings, wave, questionnaire="rot") for _ in range(6)
    ]
    await session.commit()
    shown: dict[int, tuple[list[str], list[str]]] = {}
    for invitation, token in links:
        first = page_path(await client.post(f"/s/{token}"))
        page1 = (await client.get(first)).text
        codes = shown_codes(page1, "q_pick")
        assert codes[-3:] == ["5", "97", "98"]  # anders, geen van deze, weet niet
        assert shown_codes((await client.get(first)).text, "q_pick") == codes  # resume
        r = await client.post(first, data={"q_pick": "2", "_shown": "q_pick"})
        page2_path = page_path(r)
        page2 = (await client.get(page2_path)).text
        rows = shown_rows(page2, "q_grid")
        assert rows[-1] == "r_z"  # fixed statement keeps its place
        back = await client.post(page2_path, data={"nav": "back", "_shown": "q_grid"})
        again = (await client.get(page_path(back))).text
        assert shown_codes(again, "q_pick") == codes  # after "vorige"
        data = {f"q_grid.{row}": "1" for row in rows} | {"_shown": "q_grid"}
        r = await client.post(page2_path, data=data)
        r = await client.post(page_path(r), data={"_shown": "q_end"})
        assert r.status_code == 303
        shown[invitation.id] = (codes, rows)
    # Respondents do not all see the same order.
    assert len({tuple(c) for c, _ in shown.values()}) > 1

    request = ExportRequest(
        wave="w2024", questionnaire="rot", format=ExportFormat.csv, include_partial=True
    )
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    path = tmp_path / "rot.csv"
    await runner.export_to_path(session, plan, path)
    frame = pd.read_csv(path, dtype=str)
    exported = sorted(
        (row["q_pick_order"].split(), row["q_grid_order"].split())
        for _, row in frame.iterrows()
    )
    assert exported == sorted(shown.values())
