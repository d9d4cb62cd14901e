"""``veldwerk report factsheet --wave W --tier provincie --out FILE.pdf`` (or ``.html``).

The same factsheet as the staff page: computed on the wave's export, written as
an A4 PDF (WeasyPrint) or a self-contained HTML file (the stylesheet inlined).
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.reports import factsheet_service
from app.reports.errors import ReportDefinitionErrors
from app.reports.factsheet import TIERS, FactsheetDataMissing
from app.reports.pdf import STYLESHEET, html_to_pdf
from app.web import create_templates


@click.command("factsheet")
@click.option("--wave", required=True, help="Wave code (slug).")
@click.option("--tier", required=True, type=click.Choice(list(TIERS)))
@click.option("--questionnaire", default="officials", show_default=True)
@click.option(
    "--edition", type=int, default=None, help="Definition file (default: newest)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.pdf or FILE.html",
)
@click.pass_obj
def factsheet_command(
    settings: Settings,
    wave: str,
    tier: str,
    questionnaire: str,
    edition: int | None,
    out: Path,
) -> None:
    """Write the factsheet of one tier (gemeente, provincie, waterschap) as PDF or HTML."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise click.BadParameter(
            "give a file ending in .pdf or .html", param_hint="--out"
        )

    async def work(session: AsyncSession) -> factsheet_service.FactsheetResult:
        return await factsheet_service.compute_factsheet(
            session,
            wave=wave,
            questionnaire=questionnaire,
            tier=tier,
            settings=settings,
            actor=cli_actor(),
            edition=edition,
        )

    try:
        result = run_in_session(settings, work)
    except ReportDefinitionErrors as exc:
        raise click.ClickException("\n" + str(exc)) from exc
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    except FactsheetDataMissing as exc:
        raise click.ClickException(f"factsheet cannot be made: {exc}") from exc
    env = create_templates(auto_reload=False).env
    html = factsheet_service.render_html(
        env, result.sheet, for_pdf=True, source=f"meting {result.wave}"
    )
    if suffix == ".pdf":
        out.write_bytes(html_to_pdf(html))
    else:
        style = STYLESHEET.read_text(encoding="utf-8")
        out.write_text(
            html.replace("</head>", f"<style>{style}</style>\n</head>", 1),
            encoding="utf-8",
        )
    click.echo(f"Factsheet {TIERS[tier].plural} {result.edition} written to {out}")
    click.echo(result.sheet.headline)
