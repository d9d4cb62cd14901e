"""The ``veldwerk`` command: what staff do outside the browser.

Each domain contributes its own click group (``app/<domain>/cli.py``); this
module only assembles them and holds the database and server commands.
"""

from __future__ import annotations

import os
import sys

import click
from alembic import command as alembic_command

from app.cli_support import alembic_config, upgrade_database
from app.config import Settings, SettingsProblem, load_settings


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """veldwerk: survey fieldwork for repeated government surveys."""
    try:
        ctx.obj = load_settings()
    except SettingsProblem as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Bring the database schema up to date."""
    upgrade_database(settings)
    click.echo(f"Database is up to date ({_display_url(settings.database_url)}).")


@db.command("check")
@click.pass_obj
def db_check(settings: Settings) -> None:
    """Fail when the models and the migrations disagree."""
    alembic_command.check(alembic_config(settings))


def _display_url(url: str) -> str:
    if "@" in url:  # hide credentials
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers", default=1, show_default=True, type=int, help="App processes."
)
@click.option(
    "--with-worker/--no-worker", default=False, help="Also run the mail worker."
)
@click.pass_obj
def serve(
    settings: Settings, host: str, port: int, workers: int, with_worker: bool
) -> None:
    """Run the web app (and optionally the mail worker beside it)."""
    import subprocess

    import uvicorn

    upgrade_database(settings)
    worker_process = None
    if with_worker:
        worker_process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], env=os.environ.copy()
        )
    try:
        uvicorn.run(
            "app.main:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="info",
        )
    finally:
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(timeout=30)


def _register_domain_commands() -> None:
    """Attach each domain's click commands (``COMMANDS`` in its cli module)."""
    import importlib

    for name in (
        "app.staff.cli",
        "app.questionnaires.cli_publish",
        "app.samples.cli",
        "app.mailings.cli",
        "app.monitoring.cli",
        "app.exports.cli",
        "app.demo.cli",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue  # that domain has no commands yet
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register_domain_commands()

if __name__ == "__main__":
    main()
