"""``veldwerk monitor ...``: reference editions, eligibility and the tallies.

    veldwerk monitor load-reference --wave miv-2024 --questionnaire officials \\
        --file app/monitoring/reference/table_4_3_2022.csv --edition 2022
    veldwerk monitor mark-ineligible --wave miv-2024 --questionnaire officials \\
        --invitation 1234 --reason "niet meer in functie"
    veldwerk monitor show --wave miv-2024 --questionnaire officials [--table split]
    veldwerk monitor fold | recount | verify
    veldwerk monitor refresh-burden --wave miv-2024 [--questionnaire officials]
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.monitoring import (
    burden_snapshots,
    downloads,
    service,
    tallies,
)
from app.monitoring.forms import decode_upload
from app.monitoring.reference import ReferenceFileError, parse_reference_csv
from app.samples import service as samples_service

wave_option = click.option(
    "--wave", "wave_slug", required=True, help="Wave code (slug)."
)
T = TypeVar("T")
questionnaire_option = click.option(
    "--questionnaire", required=True, help="officials, employees or organisations."
)


@click.group("monitor")
def monitor_group() -> None:
    """The fieldwork monitor: reference editions, eligibility, tallies."""


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    try:
        return run_in_session(settings, work)
    except ReferenceFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException("Niets geladen.") from exc
    except AppError as exc:
        raise click.ClickException(exc.message) from exc


@monitor_group.command("load-reference")
@wave_option
@questionnaire_option
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--edition", required=True, help='Label of the earlier edition, e.g. "2022".'
)
@click.pass_obj
def load_reference(
    settings: Settings, wave_slug: str, questionnaire: str, path: Path, edition: str
) -> None:
    """Load (or replace) an earlier edition's invited and response counts."""
    rows = None
    try:
        rows = parse_reference_csv(decode_upload(path.read_bytes()))
    except ReferenceFileError as exc:
        for problem in exc.problems:
            click.echo(f"{path}: {problem}", err=True)
        raise click.ClickException("Niets geladen.") from exc

    async def work(session: AsyncSession) -> int:
        wave = await service.require_monitored(
            session, wave_slug=wave_slug, questionnaire=questionnaire
        )
        return await service.replace_reference(
            session,
            wave=wave,
            questionnaire=questionnaire,
            edition=edition,
            rows=rows,
            source=path.name,
            actor=cli_actor(),
        )

    loaded = _run(settings, work)
    click.echo(
        f"Editie {edition}: {loaded} cellen geladen voor {wave_slug}/{questionnaire}."
    )


@monitor_group.command("mark-ineligible")
@wave_option
@questionnaire_option
@click.option("--invitation", "invitation_id", required=True, type=int)
@click.option("--reason", default="", help='Why, e.g. "niet meer in functie".')
@click.option("--undo", is_flag=True, help="Make the invitation eligible again.")
@click.pass_obj
def mark_ineligible(
    settings: Settings,
    wave_slug: str,
    questionnaire: str,
    invitation_id: int,
    reason: str,
    undo: bool,
) -> None:
    """Mark an invitation not eligible (AAPOR 4.0), or undo that."""

    async def work(session: AsyncSession) -> None:
        wave = await samples_service.require_wave(session, wave_slug)
        if undo:
            await samples_service.restore_eligible(
                session,
                wave=wave,
                questionnaire=questionnaire,
                invitation_id=invitation_id,
                actor=cli_actor(),
            )
        else:
            await samples_service.mark_ineligible(
                session,
                wave=wave,
                questionnaire=questionnaire,
                invitation_id=invitation_id,
                reason=reason,
                actor=cli_actor(),
            )

    _run(settings, work)
    state = "weer in aanmerking" if undo else "niet in aanmerking"
    click.echo(f"Uitnodiging {invitation_id} is {state}.")


@monitor_group.command("show")
@wave_option
@questionnaire_option
@click.option(
    "--table",
    default="main",
    type=click.Choice(["main", "split", "dispositions", "composition", "curve"]),
)
@click.option("--edition", default=None)
@click.option(
    "--suppress",
    is_flag=True,
    help="Kept for old scripts: cells based on fewer than VELDWERK_DISCLOSURE_K "
    "people are always suppressed.",
)
@click.pass_obj
def show(
    settings: Settings,
    wave_slug: str,
    questionnaire: str,
    table: str,
    edition: str | None,
    suppress: bool,
) -> None:
    """Print a monitor table as CSV (the same as the page's download)."""

    async def work(session: AsyncSession) -> str:
        wave = await service.require_monitored(
            session, wave_slug=wave_slug, questionnaire=questionnaire
        )
        view = await service.build_monitor(
            session, wave=wave, questionnaire=questionnaire, edition=edition
        )
        if table not in view.tables:
            raise AppError(f"Deze vragenlijst heeft geen tabel '{table}'.")
        return downloads.table_csv(
            view.tables[table],
            delimiter=";",
            min_cell=settings.disclosure_k,
        )

    text = _run(settings, work)
    sys.stdout.write(text.lstrip("\ufeff"))


@monitor_group.command("fold")
@click.pass_obj
def fold(settings: Settings) -> None:
    """Fold pending tally changes (the page does this too; for cron or the worker)."""

    async def work(session: AsyncSession) -> int:
        total = 0
        while moved := await tallies.fold_deltas(session):
            total += moved
        return total

    click.echo(f"{_run(settings, work)} wijzigingen verwerkt.")


@monitor_group.command("verify")
@wave_option
@questionnaire_option
@click.pass_obj
def verify(settings: Settings, wave_slug: str, questionnaire: str) -> None:
    """Compare the tallies with a full count of the invitations."""

    async def work(session: AsyncSession) -> bool:
        wave = await samples_service.require_wave(session, wave_slug)
        return await service.tallies_match(
            session, wave=wave, questionnaire=questionnaire
        )

    if not _run(settings, work):
        raise click.ClickException(
            "De tellingen wijken af van de uitnodigingen; draai 'veldwerk monitor recount'."
        )
    click.echo("De tellingen kloppen met de uitnodigingen.")


@monitor_group.command("recount")
@click.option("--wave", "wave_slug", default=None, help="Only this wave.")
@click.option("--questionnaire", default=None, help="Only this questionnaire.")
@click.pass_obj
def recount(
    settings: Settings, wave_slug: str | None, questionnaire: str | None
) -> None:
    """Rebuild the tallies from the invitations (repair)."""

    async def work(session: AsyncSession) -> None:
        wave_id = None
        if wave_slug:
            wave_id = (await samples_service.require_wave(session, wave_slug)).id
        await tallies.recount(session, wave_id=wave_id, questionnaire=questionnaire)

    _run(settings, work)
    click.echo("Tellingen opnieuw opgebouwd.")


@monitor_group.command("refresh-burden")
@wave_option
@click.option(
    "--questionnaire", default=None, help="Only this questionnaire (default: all)."
)
@click.pass_obj
def refresh_burden(
    settings: Settings, wave_slug: str, questionnaire: str | None
) -> None:
    """Recompute the stored break-off views now (the worker does this when stale)."""

    async def work(session: AsyncSession) -> list[tuple[str, str]]:
        wave = await samples_service.require_wave(session, wave_slug)
        fielded = [
            entry.questionnaire
            for entry in await samples_service.wave_questionnaires(session, wave=wave)
        ]
        if questionnaire is not None:
            await service.require_monitored(
                session, wave_slug=wave_slug, questionnaire=questionnaire
            )
            fielded = [questionnaire]
        out = []
        for name in fielded:
            snapshot = await burden_snapshots.refresh_burden(
                session, wave=wave, questionnaire=name
            )
            started = sum(v.report.started for v in snapshot.versions)
            out.append((name, f"{started} gestart"))
        return out

    done = _run(settings, work)
    if not done:
        click.echo("Deze wave heeft geen vragenlijsten.")
    for name, summary in done:
        click.echo(f"Uitval van {name} bijgewerkt ({summary}).")


COMMANDS = [monitor_group]
