"""``veldwerk worker``: the background process (mail delivery plus the other
domains' periodic duties, composed in ``app.flows.worker``). ``veldwerk serve
--with-worker`` and ``veldwerk demo --serve`` start this command beside the app."""

from __future__ import annotations

import asyncio
import logging
import signal

import click

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.flows.worker import background_worker


@click.command("worker")
@click.option("--until-idle", is_flag=True, help="Stop when nothing is due soon.")
@click.option("--worker-id", default=None, help="Name in logs and claims.")
@click.pass_obj
def worker_command(settings: Settings, until_idle: bool, worker_id: str | None) -> None:
    """Send due mail (SMTP, or the built-in catcher without an SMTP host)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )

    async def main() -> None:
        engine = create_engine(settings.database_url)
        worker = background_worker(
            settings, create_sessionmaker(engine), worker_id=worker_id
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
        mode = "catcher" if settings.smtp.host is None else f"smtp {settings.smtp.host}"
        click.echo(f"worker {worker.id} started ({mode})", err=True)
        try:
            stats = await worker.run(until_idle=until_idle)
        finally:
            await engine.dispose()
        summary = ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items()))
        click.echo(f"worker {worker.id} stopped: {summary or 'nothing sent'}", err=True)

    asyncio.run(main())


COMMANDS = [worker_command]
