"""``veldwerk report check FILE...`` and ``veldwerk report tables --wave W --questionnaire Q --out DIR``."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.reports import service, writers
from app.reports.errors import ReportDefinitionErrors
from app.reports.loader import load_report


@click.group("report")
def report_group() -> None:
    """Report tables: check definition files, compute a wave's tables."""


@report_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def check_command(settings: Settings, files: tuple[Path, ...]) -> None:
    """Check FILE... against the export's variables; print problems as FILE:LINE: message [CODE]."""
    failed = False
    for path in files:
        try:
            loaded, _ = load_report(
                path, questionnaires_dir=settings.questionnaires_dir
            )
        except ReportDefinitionErrors as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        d = loaded.definition
        click.echo(
            f"{path}: ok, {len(d.tables)} tables, {len(d.breakdowns)} breakdowns, "
            f"{len(d.bases)} bases"
        )
    if failed:
        raise SystemExit(1)


@report_group.command("tables")
@click.option("--wave", required=True, help="Wave code (slug).")
@click.option("--questionnaire", required=True)
@click.option(
    "--edition", type=int, default=None, help="Definition file (default: newest)."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_obj
def tables_command(
    settings: Settings, wave: str, questionnaire: str, edition: int | None, out: Path
) -> None:
    """Write one CSV per table and tabellen.xlsx (one sheet per table) to DIR."""

    async def work(session: AsyncSession) -> service.ReportResult:
        return await service.compute_report(
            session,
            wave=wave,
            questionnaire=questionnaire,
            settings=settings,
            actor=cli_actor(),
            edition=edition,
            root=settings.reports_dir,
        )

    try:
        result = run_in_session(settings, work)
    except ReportDefinitionErrors as exc:
        raise click.ClickException("\n" + str(exc)) from exc
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    names = writers.write_directory(
        result.tables, out, title=f"{result.wave} – {questionnaire} {result.edition}"
    )
    for warning in result.weighting.get("warnings", []):
        click.echo(f"Let op (weging): {warning}", err=True)
    click.echo(
        f"{len(result.tables)} tables from {result.definition_file} written to {out} ({len(names)} files)"
    )


from app.reports.factsheet_cli import factsheet_command  # noqa: E402 - h6's command

report_group.add_command(factsheet_command)
COMMANDS = [report_group]
