"""The ``veldwerk`` command: what staff do outside the browser.

Each domain contributes its own click group (``app/<domain>/cli.py``); this
module only assembles them and holds the database and server commands.
"""

from __future__ import annotations

import os
import signal
import sys

import click
from alembic import command as alembic_command
from sqlalchemy.exc import DBAPIError, OperationalError

from app.cli_support import alembic_config, upgrade_database
from app.config import Settings, SettingsProblem, get_settings, load_settings


class VeldwerkGroup(click.Group):
    """Turns a database the command cannot use into one line of advice
    instead of a page of traceback (the usual cause: a fresh or wrong database,
    e.g. a relative ``VELDWERK_DATABASE_URL`` from another directory)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            advice = _database_advice(exc, ctx.obj)
            if advice is None:
                raise
            raise click.ClickException(advice) from None


def _database_advice(exc: DBAPIError, settings: object) -> str | None:
    text = str(exc.orig)
    where = (
        _display_url(settings.database_url) if isinstance(settings, Settings) else "?"
    )
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return (
            f"the database {where} has no tables yet: run `veldwerk db upgrade` "
            "(or set VELDWERK_DATABASE_URL to the right database)"
        )
    if "unable to open database file" in text:
        return (
            f"cannot open the database {where}: set VELDWERK_DATABASE_URL to an "
            "existing database, or run `veldwerk db upgrade` to create it"
        )
    if isinstance(exc, OperationalError):
        return f"cannot use the database {where} ({text.splitlines()[0]}): check VELDWERK_DATABASE_URL"
    return None


@click.group(cls=VeldwerkGroup)
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

    settings = settings.served_at(host, port)
    # The app processes and the worker read their settings from the
    # environment: hand them the base URL links must carry.
    os.environ["VELDWERK_BASE_URL"] = settings.base_url
    get_settings.cache_clear()
    upgrade_database(settings)
    worker_process = None
    if with_worker:
        worker_process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], env=os.environ.copy()
        )
    # uvicorn shuts down on SIGTERM and then raises the signal again with the
    # handler it found: with Python's default one that kills this process
    # before ``finally`` stops the worker. Exit through ``finally`` instead.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    click.echo(f"veldwerk at {settings.base_url}/staff/", err=True)
    try:
        uvicorn.run(
            "app.main:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # Forwarded headers are believed only from Settings.trusted_proxies
            # (create_app); uvicorn's default would trust any local process.
            proxy_headers=False,
            log_level="info",
        )
    finally:
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(timeout=30)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _register_domain_commands() -> None:
    """Attach each domain's click commands (``COMMANDS`` in its cli module),
    then the cross-domain flows' commands (``app/flows/cli.py``), which join
    their domain's group (``questionnaire publish``, ``wave purge-contacts``)."""
    import importlib

    for name in (
        "app.staff.cli",
        "app.questionnaires.cli_publish",
        "app.samples.cli",
        "app.mailings.cli",
        "app.monitoring.cli",
        "app.exports.cli",
        "app.reports.cli",
        "app.demo.cli",
        "app.flows.cli",  # adds the flows' commands to the domains' groups
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
