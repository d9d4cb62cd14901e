"""``veldwerk export ...`` and ``veldwerk population ...`` on the command line.

veldwerk export --wave mies-2024 --questionnaire officials --format sav --out officials.sav
veldwerk export ... --format csv --out data.csv     # + data.codebook.json/.html beside it
veldwerk export ... --format csv --out bundle.zip   # the download's ZIP
veldwerk population set --wave mies-2024 --questionnaire officials function.raadslid=8800
veldwerk population show --wave mies-2024 --questionnaire officials
veldwerk population confirm --wave mies-2024 --questionnaire officials
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.samples import service as samples_service


@click.command("export")
@click.option("--wave", required=True, help="Wave code (slug).")
@click.option(
    "--questionnaire", required=True, help="officials, employees, organisations, ..."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    required=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--include-partial",
    is_flag=True,
    help="Also responses past the threshold that were not completed.",
)
@click.option(
    "--versions",
    default="",
    help="Comma-separated versions (default: all with responses).",
)
@click.option(
    "--separator",
    type=click.Choice([",", ";"]),
    default=",",
    show_default=True,
    help="CSV separator; ';' also writes decimal commas.",
)
@click.option(
    "--shareable",
    is_flag=True,
    help="The shareable file: disclosure control (k-anonymity, k = "
    "VELDWERK_DISCLOSURE_K) on the quasi-identifiers. Without it you get the "
    "working file, which can identify people.",
)
@click.pass_obj
def export_command(
    settings: Settings,
    wave: str,
    questionnaire: str,
    fmt: str,
    out: Path,
    include_partial: bool,
    versions: str,
    separator: str,
    shareable: bool,
) -> None:
    """Write a labelled export of one questionnaire of one wave: the working file
    (can identify people; for the report's analysts) or, with --shareable, the
    shareable file (disclosure control applied)."""
    try:
        request = ExportRequest.model_validate(  # the options' strings, validated
            {
                "wave": wave,
                "questionnaire": questionnaire,
                "format": ExportFormat(fmt),
                "include_partial": include_partial,
                "versions": versions,
                "separator": separator,
                "shareable": shareable,
            }
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc

    async def work(session: AsyncSession) -> dict[str, Any]:
        plan = await service.prepare_export(
            session, request=request, actor=cli_actor(), k=settings.disclosure_k
        )
        await session.commit()  # the audit entry stands even if writing fails
        return await runner.export_to_path(session, plan, out)

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        book = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    kind = "shareable file" if shareable else "working file (can identify people)"
    click.echo(f"{book['dataset']['rows']} rows written to {out} ({kind})")
    weighting = book.get("weighting") or {}
    if weighting.get("population_confirmed") is False:
        click.echo("Weights rest on UNCONFIRMED population counts:", err=True)
    for warning in weighting.get("warnings", []):
        click.echo(f"Let op: {warning}", err=True)


@click.group("population")
def population_group() -> None:
    """Population counts the exports weight to."""


def _parse_assignments(
    assignments: tuple[str, ...],
) -> dict[str, dict[str, int | None]]:
    counts: dict[str, dict[str, int | None]] = {}
    for item in assignments:
        key, sep, raw = item.partition("=")
        variable, dot, value = key.partition(".")
        if not sep or not dot:
            raise click.BadParameter(
                f"'{item}': use variable.value=count, e.g. function.raadslid=8800"
            )
        text = raw.strip()
        if text and not text.isdigit():
            raise click.BadParameter(
                f"'{item}': the count must be a whole number (empty clears it)"
            )
        counts.setdefault(variable, {})[value] = int(text) if text else None
    return counts


@population_group.command("set")
@click.option("--wave", required=True)
@click.option("--questionnaire", required=True)
@click.argument("assignments", nargs=-1, required=True)
@click.pass_obj
def set_population(
    settings: Settings, wave: str, questionnaire: str, assignments: tuple[str, ...]
) -> None:
    """Set counts: function.raadslid=8800 tier.provincie=570 (an empty count clears it)."""
    counts = _parse_assignments(assignments)

    async def work(session: AsyncSession) -> dict[str, dict[str, int]]:
        found = await samples_service.require_wave(session, wave)
        return await service.set_population_counts(
            session,
            wave=found,
            questionnaire=questionnaire,
            counts=counts,
            actor=cli_actor(),
        )

    try:
        stored = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    for variable, values in stored.items():
        for value, count in values.items():
            click.echo(f"{variable}.{value}={count}")


@population_group.command("show")
@click.option("--wave", required=True)
@click.option("--questionnaire", required=True)
@click.pass_obj
def show_population(settings: Settings, wave: str, questionnaire: str) -> None:
    """Counts per value: entered/confirmed, in the address file, invited, and which the export uses."""

    async def work(session: AsyncSession) -> list[service.PopulationRow]:
        found = await samples_service.require_wave(session, wave)
        return await service.population_overview(
            session, wave=found, questionnaire=questionnaire
        )

    try:
        rows = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    if not rows:
        click.echo(f"{questionnaire} is not weighted.")
        return
    click.echo("variable\tvalue\tentered\tframe\tinvited\tused")
    for row in rows:
        entered = "" if row.entered is None else str(row.entered)
        frame = "" if row.frame is None else str(row.frame)
        used = row.source if row.used and row.source else ""
        click.echo(
            f"{row.variable}\t{row.value}\t{entered}\t{frame}\t{row.invited}\t{used}"
        )
    pending = [r for r in rows if r.used and r.source != service.ENTERED]
    if pending:
        click.echo(
            f"{len(pending)} count(s) the weights use are not confirmed: check them, "
            "then run 'veldwerk population confirm' (or set the right ones).",
            err=True,
        )


@population_group.command("confirm")
@click.option("--wave", required=True)
@click.option("--questionnaire", required=True)
@click.pass_obj
def confirm_population(settings: Settings, wave: str, questionnaire: str) -> None:
    """Confirm the counts derived from the address file (stored as entered by you)."""

    async def work(session: AsyncSession) -> list[service.Unconfirmed]:
        found = await samples_service.require_wave(session, wave)
        return await service.confirm_population(
            session, wave=found, questionnaire=questionnaire, actor=cli_actor()
        )

    try:
        confirmed = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    if not confirmed:
        click.echo("Nothing to confirm: every count the weights use is confirmed.")
    for item in confirmed:
        click.echo(
            f"confirmed {item.variable}.{item.value}={item.count} ({item.source})"
        )


COMMANDS = [export_command, population_group]
