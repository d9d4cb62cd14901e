"""``veldwerk demo``: a demo wave on the embedded default, then (optionally) serve it."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import run_in_session, upgrade_database
from app.config import Settings
from app.demo import service
from app.demo.service import DemoResult
from app.samples import demo_frame


@click.command("demo")
@click.option(
    "--serve/--no-serve",
    default=False,
    help="Start the web app and mail worker afterwards.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--small",
    is_flag=True,
    help="A small synthetic country (24 municipalities) instead of the real counts.",
)
@click.pass_context
def demo_command(
    ctx: click.Context, serve: bool, host: str, port: int, small: bool
) -> None:
    """Create a demo wave: published questionnaires, synthetic address files,
    the 2024 samples, mailings around a recess, two weeks of simulated
    response, and links for test respondents."""
    settings: Settings = ctx.obj.served_at(host, port)
    upgrade_database(settings)

    async def work(session: AsyncSession) -> DemoResult:
        return await service.build(
            session, settings, size=demo_frame.SMALL if small else demo_frame.FULL
        )

    result = run_in_session(settings, work)
    _print(result, settings)
    if serve:
        # The root group's ``serve`` (app/cli.py), found at run time: the demo
        # sits below the entry points and does not import them.
        root = ctx.find_root()
        assert isinstance(root.command, click.Group)
        serve_command = root.command.get_command(root, "serve")
        assert serve_command is not None
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
    if result.fieldwork is not None:
        made = result.fieldwork
        click.echo(
            "  address files: "
            + ", ".join(f"{k} {v:,}".replace(",", ".") for k, v in made.frames.items())
        )
        click.echo(
            "  invited: "
            + ", ".join(f"{k} {v}" for k, v in made.sampled.items())
            + "; simulated responses (past question 5): "
            + ", ".join(f"{k} {v}" for k, v in made.responses.items())
        )
        click.echo(f"  mailings: {', '.join(made.mailings)}")
    click.echo("")
    click.secho("Staff pages", bold=True)
    click.echo(f"  {base}/staff/login")
    click.echo(f"  monitor: {base}/staff/monitor/{result.wave}/officials")
    click.echo(f"  mailings: {base}/staff/waves/{result.wave}/mailings")
    for email, role, password in result.staff:
        click.echo(f"  {email:<28} {role:<16} password: {password}")
    enforced = sorted(settings.effective_two_factor_roles)
    if enforced:
        click.echo(
            f"  two-factor login is required for: {', '.join(enforced)} "
            "(set up with an authenticator app at the first login)"
        )
    else:
        click.echo(
            "  two-factor login is not required outside production; try it at "
            f"{base}/staff/2fa"
        )
    click.echo("")
    click.secho("Test respondents (personal links)", bold=True)
    for questionnaire, label, url in result.links:
        click.echo(f"  {questionnaire:<14} {label:<30} {url}")
    click.echo("")


COMMANDS = [demo_command]
