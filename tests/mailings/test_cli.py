"""``veldwerk mailing ...`` and ``veldwerk calendar ...`` as a user runs them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from click.testing import CliRunner

from app.cli import main
from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from tests.fixtures.mailings import cli_env, create_person, create_wave_2024


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(settings: Settings, *args: str) -> Ran:
    """The CLI in this process (a subprocess per call costs seconds)."""
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, list(args), env=cli_env(settings))
    finally:
        get_settings.cache_clear()
    return Ran(result.exit_code, result.stdout, result.stderr)


def arrange(settings: Settings) -> None:
    async def work() -> None:
        engine = create_engine(settings.database_url)
        async with create_sessionmaker(engine)() as session:
            wave = await create_wave_2024(session)
            for i in range(4):
                await create_person(session, settings, wave=wave, email=f"r{i}@a.test")
            await create_person(
                session, settings, wave=wave, email="s@b.test", tier="provincie",
                function="statenlid",
            )  # fmt: skip
            await session.commit()
        await engine.dispose()

    asyncio.run(work())


def test_plan_add_schedule_pause_and_status(settings: Settings) -> None:
    arrange(settings)
    steps = [
        ("calendar", "recess", "--wave", "mio-2024", "--name", "meireces", "--tier",
         "provincie", "--from", "2024-04-27", "--until", "2024-05-12"),
        ("mailing", "add", "--wave", "mio-2024", "--name", "uitnodiging",
         "--questionnaire", "officials", "--kind", "invitation", "--on-opening"),
        ("mailing", "add", "--wave", "mio-2024", "--name", "herinnering",
         "--questionnaire", "officials", "--kind", "reminder", "--after-recess",
         "meireces", "--days", "2", "--only-without-response"),
        ("mailing", "schedule", "--wave", "mio-2024", "uitnodiging"),
        ("mailing", "pause", "--wave", "mio-2024", "uitnodiging"),
    ]  # fmt: skip
    for step in steps:
        result = run_cli(settings, *step)
        assert result.returncode == 0, (step, result.stderr)
    plan = run_cli(settings, "mailing", "plan", "--wave", "mio-2024")
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout
    assert "uitnodiging [officials invitation, gepauzeerd]" in lines
    assert "dinsdag 16 april 2024 09:00  [gemeente, provincie]  5 personen" in lines
    assert "dinsdag 7 mei 2024 09:00  [gemeente]  4 personen" in lines
    assert "dinsdag 14 mei 2024 09:00  [provincie]  1 personen" in lines
    assert "wachtrij: pending 5" in lines
    status = run_cli(settings, "mailing", "status", "--wave", "mio-2024")
    assert "onbekend lot: 0" in status.stdout


def test_errors_are_clear_and_exit_non_zero(settings: Settings) -> None:
    arrange(settings)
    unknown_wave = run_cli(settings, "mailing", "plan", "--wave", "bestaat-niet")
    assert unknown_wave.returncode != 0
    assert "bestaat niet" in unknown_wave.stderr
    no_rule = run_cli(
        settings, "mailing", "add", "--wave", "mio-2024", "--name", "x",
        "--questionnaire", "officials", "--kind", "reminder",
    )  # fmt: skip
    assert no_rule.returncode != 0 and "give a rule" in no_rule.stderr
    assert "Traceback" not in unknown_wave.stderr + no_rule.stderr
