"""``veldwerk export`` and ``veldwerk population`` as a user runs them (a real process)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.exports.cli import export_command, population_group
from app.staff.models import AuditEvent
from app.web import PROJECT_ROOT
from tests.conftest import TEST_SECRET
from tests.fixtures.exports import build_dataset


async def veldwerk(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "VELDWERK_DATABASE_URL": settings.database_url,
        "VELDWERK_SECRET_KEY": TEST_SECRET,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


class TestExportCommand:
    pytestmark = pytest.mark.asyncio

    async def test_writes_sav_and_logs_it(
        self, session: AsyncSession, settings: Settings, tmp_path: Path
    ) -> None:
        data = await build_dataset(session, settings, respondents=10)
        code, out, err = await veldwerk(
            settings,
            "export",
            "--wave",
            "mies-2024",
            "--questionnaire",
            "officials",
            "--format",
            "sav",
            "--out",
            str(tmp_path / "officials.sav"),
            "--include-partial",
        )
        assert code == 0, err
        rows = len(data.ids(include_partial=True))
        assert f"{rows} rows written" in out
        frame, _ = pyreadstat.read_sav(str(tmp_path / "officials.sav"))
        assert len(frame) == rows
        event = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.download")
            )
        ).one()
        assert event.actor.startswith("cli")
        assert event.details["rows"] == rows


def _arrange(settings: Settings, respondents: int) -> None:
    """Data for the in-process command tests (sync tests: the commands run their own loop)."""

    async def work() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                await build_dataset(session, settings, respondents=respondents)
        finally:
            await engine.dispose()

    asyncio.run(work())


class TestCommandsInProcess:
    """The same commands through click's runner: fast, and the errors as a user sees them."""

    def test_unknown_version_is_a_clear_error(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        _arrange(settings, 2)
        result = CliRunner().invoke(
            export_command,
            [
                "--wave",
                "mies-2024",
                "--questionnaire",
                "officials",
                "--format",
                "csv",
                "--out",
                str(tmp_path / "x.csv"),
                "--versions",
                "2019",
            ],
            obj=settings,
        )
        assert result.exit_code != 0
        assert "Versie(s) 2019 hebben geen responsen" in result.output
        assert not (tmp_path / "x.csv").exists()

    def test_population_set_then_show(self, settings: Settings) -> None:
        _arrange(settings, 5)
        where = ["--wave", "mies-2024", "--questionnaire", "officials"]
        result = CliRunner().invoke(
            population_group,
            ["set", *where, "function.raadslid=8476", "function.burgemeester=342"],
            obj=settings,
        )
        assert result.exit_code == 0, result.output
        assert "function.raadslid=8476" in result.output
        result = CliRunner().invoke(population_group, ["show", *where], obj=settings)
        assert result.exit_code == 0, result.output
        lines = {
            line.split("\t")[1]: line.split("\t")[2:]
            for line in result.output.splitlines()[1:]
            if "\t" in line
        }
        assert lines["raadslid"][0] == "8476"
        assert lines["raadslid"][1] == ""  # no draw, so no address-file counts
        assert int(lines["raadslid"][2]) >= 1  # invitations of the wave
        assert lines["raadslid"][3] == "ingevoerd"

    @pytest.mark.parametrize(
        ("assignment", "message"),
        [
            ("gender.man=5", "niet gebruikt bij de weging"),
            ("function.raadslid=veel", "whole number"),
            ("raadslid", "variable.value=count"),
        ],
    )
    def test_bad_assignments_are_refused(
        self, settings: Settings, assignment: str, message: str
    ) -> None:
        _arrange(settings, 1)
        result = CliRunner().invoke(
            population_group,
            ["set", "--wave", "mies-2024", "--questionnaire", "officials", assignment],
            obj=settings,
        )
        assert result.exit_code != 0
        assert message in result.output

    def test_export_warns_until_the_counts_are_confirmed(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        _arrange(settings, 6)  # panel-like: invitations only, no address file
        where = ["--wave", "mies-2024", "--questionnaire", "officials"]
        args = [*where, "--format", "csv", "--out", str(tmp_path / "x.csv")]
        result = CliRunner().invoke(export_command, args, obj=settings)
        assert result.exit_code == 0, result.output
        assert "UNCONFIRMED population counts" in result.stderr
        assert "de steekproef (het aantal uitnodigingen)" in result.stderr
        confirm = CliRunner().invoke(
            population_group, ["confirm", *where], obj=settings
        )
        assert confirm.exit_code == 0, confirm.output
        assert "confirmed function.raadslid=" in confirm.output
        result = CliRunner().invoke(export_command, args, obj=settings)
        assert result.exit_code == 0, result.output
        assert "UNCONFIRMED" not in result.stderr
        again = CliRunner().invoke(population_group, ["confirm", *where], obj=settings)
        assert "Nothing to confirm" in again.output
