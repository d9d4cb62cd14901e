"""Disclosure control: the shareable export holds no combination of
quasi-identifiers that fewer than k respondents share, checked independently
with a pandas groupby on the file itself; the working file says it can
identify people and is for analysts (and admins) only, audited."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT, Settings
from app.demo.cli import demo_command
from app.exports import disclosure, runner, service
from app.exports.cli import export_command
from app.exports.schemas import ExportFormat, ExportRequest
from app.staff.models import AuditEvent, Role
from tests.fixtures.exports import (
    Dataset,
    build_dataset,
    create_response,
    walk,
)
from tests.fixtures.staff import logged_in

K = 5
QUASI_NAMES = ("tier", "function", "function_type", "gender", "q_gender", "q_age",
               "q_party")  # fmt: skip


def smallest_group(frame: pd.DataFrame) -> int:
    """Independent check: the size of the rarest combination of the
    quasi-identifier columns the file holds."""
    columns = [c for c in frame.columns if c in QUASI_NAMES or c.startswith("q_born")]
    assert columns, frame.columns
    return int(frame.groupby(columns, dropna=False).size().min())


class TestPlan:
    AGE = {1: "18 tot en met 29 jaar", 2: "30 tot en met 39 jaar",
           3: "40 tot en met 49 jaar", 4: "50 tot en met 59 jaar",
           5: "60 tot en met 69 jaar", 6: "70 jaar of ouder"}  # fmt: skip
    PARTY = {1: "VVD", 2: "CDA", 3: "D66", 19: "Een andere partij", 20: "Geen"}

    def rows(self, n: int, seed: int) -> list[dict[str, int]]:
        rng = random.Random(seed)
        rows = []
        for i in range(n):
            function = rng.choices([1, 2, 3, 4, 7], weights=[30, 30, 60, 1, 1])[0]
            rows.append(
                {
                    "tier": 1 if function <= 3 else 2,
                    "function": function,
                    "q_age": rng.randint(1, 6),
                    "q_party": rng.choice(list(self.PARTY)),
                    "q_gender": rng.choice([1, 2, 2, 1, 3] if i % 50 else [3]),
                }
            )
        return rows

    def quasi(self) -> list[disclosure.Quasi]:
        return [
            disclosure.Quasi("tier", "tier", {1: "gemeente", 2: "provincie"}),
            disclosure.Quasi("function", "function", {1: "burgemeester", 2: "wethouder",
                             3: "raadslid", 4: "cdk", 7: "dijkgraaf"}),
            disclosure.Quasi("q_age", "age", self.AGE),
            disclosure.Quasi("q_party", "party", self.PARTY),
            disclosure.Quasi("q_gender", "gender", {1: "Man", 2: "Vrouw", 3: "Anders"}),
        ]  # fmt: skip

    @pytest.mark.parametrize("seed", [1, 2, 3, 4])
    def test_no_combination_below_k_remains(self, seed: int) -> None:
        rows = self.rows(300, seed)
        before = pd.DataFrame(rows)
        assert int(before.groupby(list(before.columns)).size().min()) < K
        plan = disclosure.plan(rows, self.quasi(), k=K)
        shown = [plan.apply(i, row) for i, row in enumerate(rows)]
        kept = [row for row in shown if row is not None]
        after = pd.DataFrame(kept)
        assert int(after.groupby(list(after.columns)).size().min()) >= K
        assert len(kept) >= 0.9 * len(rows)  # coarsening first, leaving out rare
        # rare functions were coarsened to their type (function suppressed)
        assert all(row["function"] == disclosure.SUPPRESSED for row in kept
                   if rows[shown.index(row)]["function"] in (4, 7))  # fmt: skip
        assert plan.steps and all(s.why for s in plan.steps)

    def test_age_groups_merge_to_the_reporting_groups(self) -> None:
        mapping, labels = disclosure._merge_pairs(self.AGE)
        assert mapping == {2: 1, 4: 3, 6: 5}
        assert labels == {1: "18 tot en met 39 jaar", 3: "40 tot en met 59 jaar",
                          5: "60 jaar of ouder"}  # fmt: skip

    def test_nothing_changes_when_every_combination_is_common(self) -> None:
        rows = [{"tier": 1, "function": 1}] * 10 + [{"tier": 2, "function": 4}] * 5
        plan = disclosure.plan(rows, self.quasi()[:2], k=K)
        assert plan.steps == [] and plan.apply(11, rows[11]) == rows[11]


# --- the export itself, on both databases ------------------------------------------


async def _rare_wave(session: AsyncSession, settings: Settings) -> Dataset:
    """The demo questionnaire's wave plus rare functions: 2 King's
    commissioners and 1 dike-reeve."""
    data = await build_dataset(session, settings, respondents=60)
    version, cq = data.versions[-1]
    rng = random.Random(5)
    rare = [{"tier": "provincie", "function": "cdk"}] * 2 + [
        {"tier": "waterschap", "function": "dijkgraaf"}
    ]
    for n, attributes in enumerate(rare):
        log = walk(cq, attributes, rng)
        await create_response(
            session, settings, wave=data.wave, version=version, cq=cq,
            attributes=dict(attributes), log=log, minute=600 + n,
        )  # fmt: skip
    await session.commit()
    return data


async def _export(
    session: AsyncSession, tmp_path: Path, *, shareable: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    request = ExportRequest(
        wave="mies-2024", questionnaire="officials", format=ExportFormat.csv,
        include_partial=True, shareable=shareable,
    )  # fmt: skip
    plan = await service.prepare_export(session, request=request, actor="cli:test", k=K)
    await session.commit()
    path = tmp_path / ("shareable.zip" if shareable else "working.zip")
    await runner.export_to_path(session, plan, path)
    await session.commit()
    bundle = zipfile.ZipFile(path)
    frame = pd.read_csv(io.BytesIO(bundle.read("data.csv")), keep_default_na=False)
    return frame, json.loads(bundle.read("codebook.json"))


@pytest.mark.asyncio
class TestShareableExport:
    async def test_no_rare_combination_in_the_shareable_file(
        self, session: AsyncSession, settings: Settings, tmp_path: Path
    ) -> None:
        await _rare_wave(session, settings)
        working, working_book = await _export(session, tmp_path, shareable=False)
        assert smallest_group(working) < K  # the working file can single people out
        assert working_book["file_kind"] == "working"
        assert "KAN PERSONEN IDENTIFICEREN" in working_book["privacy"]

        shareable, book = await _export(session, tmp_path, shareable=True)
        assert smallest_group(shareable) >= K
        assert book["file_kind"] == "shareable" and book["disclosure"]["k"] == K
        assert book["disclosure"]["steps"]
        assert len(shareable) + book["disclosure"]["left_out"] == len(working)
        # open answers do not travel to a second party
        assert set(shareable["q_story"]) == {""}
        assert (
            (shareable["q_story"] != "").sum() == 0 < (working["q_story"] != "").sum()
        )
        # the weights are the working file's, row for row
        merged = working.merge(shareable, on="respondent_id", suffixes=("", "_s"))
        assert (merged["weight"] == merged["weight_s"]).all()
        steps = " ".join(s["detail"] for s in book["disclosure"]["steps"])
        assert "cdk" in steps.lower() or "commissaris" in steps.lower()

    async def test_working_file_is_for_analysts_and_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await _rare_wave(session, settings)
        form = {"wave": "mies-2024", "questionnaire": "officials", "format": "csv"}
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        refused = await client.post(
            "/staff/exports/download", data={**form, "csrf_token": csrf}
        )
        assert refused.status_code == 403
        client.cookies.clear()
        await session.execute(AuditEvent.__table__.delete())
        await session.commit()
        user, csrf = await logged_in(client, session, Role.analyst)
        working = await client.post(
            "/staff/exports/download", data={**form, "csrf_token": csrf}
        )
        shared = await client.post(
            "/staff/exports/download",
            data={**form, "csrf_token": csrf, "kind": "shareable"},
        )
        assert working.status_code == shared.status_code == 200
        assert "_deelbaar" in shared.headers["content-disposition"]
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.download")
            )
        )
        assert [(e.actor, e.details["kind"]) for e in events] == [
            (user.email, "working"),
            (user.email, "shareable"),
        ]


def test_the_demo_waves_shareable_files_hold_no_rare_combination(
    settings: Settings, tmp_path: Path
) -> None:
    """On the demo wave (real questionnaires, simulated answers)."""
    settings = settings.model_copy(
        update={"questionnaires_dir": PROJECT_ROOT / "questionnaires"}
    )
    built = CliRunner().invoke(demo_command, ["--small"], obj=settings)
    assert built.exit_code == 0, built.output
    checked = 0
    for questionnaire in ("officials", "employees"):
        out = tmp_path / f"{questionnaire}.zip"
        done = CliRunner().invoke(
            export_command,
            ["--wave", "mis2024", "--questionnaire", questionnaire, "--format", "csv",
             "--out", str(out), "--include-partial", "--shareable"],
            obj=settings,
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert "shareable file" in done.output
        frame = pd.read_csv(
            io.BytesIO(zipfile.ZipFile(out).read("data.csv")), keep_default_na=False
        )
        if len(frame) >= K:
            assert smallest_group(frame) >= K, questionnaire
            checked += 1
    assert checked >= 1
