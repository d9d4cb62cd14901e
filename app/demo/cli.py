"""``veldwerk demo``: a demo wave on the embedded default, then (optionally) serve it."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import run_in_session, upgrade_database
from app.config import Settings
from app.demo import service
from app.demo.service import DemoResult


@click.command("demo")
@click.option(
    "--serve/--no-serve",
    default=False,
    help="Start the web app and mail worker afterwards.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def demo_command(ctx: click.Context, serve: bool, host: str, port: int) -> None:
    """Create a demo wave with the published questionnaires and test invitations."""
    settings: Settings = ctx.obj
    if serve:
        settings = settings.model_copy(update={"base_url": f"http://{host}:{port}"})
    upgrade_database(settings)

    async def work(session: AsyncSession) -> DemoResult:
        return await service.build(session, settings)

    result = run_in_session(settings, work)
    _print(result, settings)
    if serve:
        from app.cli import serve as serve_command

        ctx.obj = settings
        ctx.invoke(serve_command, host=host, port=port, workers=1, with_worker=True)


def _print(result: DemoResult, settings: Settings) -> None:
    base = settings.base_url.rstrip("/")
    click.echo("")
    click.secho("veldwerk demo is ready", bold=True)
    click.echo(
        f"  questionnaires published: {', '.join(result.published) or '(none found)'}"
    )
    click.echo(f"  wave: {result.wave}")
    click.echo("")
    click.secho("Staff pages", bold=True)
    click.echo(f"  {base}/staff/login")
    for email, role, password in result.staff:
        click.echo(f"  {email:<28} {role:<16} password: {password}")
    click.echo("")
    click.secho("Test respondents (personal links)", bold=True)
    for questionnaire, label, url in result.links:
        click.echo(f"  {questionnaire:<14} {label:<30} {url}")
    click.echo("")


COMMANDS = [demo_command]
