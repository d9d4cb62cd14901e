"""The commands of the cross-domain flows, added to their domain's click group
so the command lines stay as they were:

- ``veldwerk questionnaire publish FILE... [--wave SLUG]`` (``flows.publishing``)
- ``veldwerk questionnaire try FILE`` (``flows.testruns``)
- ``veldwerk wave purge-contacts --wave SLUG --yes`` (``flows.purging``)

and ``veldwerk worker``, the background process (mail delivery plus the other
domains' periodic duties, composed in ``app.flows.worker``); ``veldwerk serve
--with-worker`` and ``veldwerk demo --serve`` start it beside the app.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.errors import AppError
from app.flows import publishing, purging, testruns
from app.flows.worker import background_worker
from app.questionnaires.cli import questionnaire_group, resolve
from app.questionnaires.errors import DefinitionErrors
from app.samples import service as samples_service
from app.samples import tokens
from app.samples.cli import wave_group
from app.staff import service as staff_service


@questionnaire_group.command("publish")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--wave",
    "wave_slug",
    help="Also make it the version new starters of this wave get.",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=None,
    help="Questionnaire folder.",
)
@click.pass_obj
def publish_command(
    settings: Settings, files: tuple[str, ...], wave_slug: str | None, root: Path | None
) -> None:
    """Publish FILE... (paths or refs like officials/2024) as immutable versions.

    Publishing an unchanged, already published file does nothing; publishing an
    edited one is refused: make a new version file instead.
    """
    folder = root or settings.questionnaires_dir
    paths = [resolve(ref, folder) for ref in files]

    async def work(session: AsyncSession) -> list[str]:
        lines: list[str] = []
        for path in paths:
            published = await publishing.publish_into_wave(
                session, path=path, wave_slug=wave_slug, actor=cli_actor()
            )
            version = published.version
            lines.append(
                f"{version.ref}: {'published' if published.is_new else 'already published, unchanged'} ({version.content_hash[:12]})"
            )
            if published.wave is not None:
                lines.append(
                    f"{version.ref}: new starters of wave {published.wave.slug} now get this version"
                )
        return lines

    try:
        for line in run_in_session(settings, work):
            click.echo(line)
    except DefinitionErrors as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    except AppError as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None


@questionnaire_group.command("try")
@click.argument("file")
@click.option(
    "--attr",
    "attrs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A sample attribute for the route, e.g. --attr function=burgemeester.",
)
@click.option("--root", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def try_command(
    settings: Settings, file: str, attrs: tuple[str, ...], root: Path | None
) -> None:
    """Test-run FILE (a draft or a published file) and print the link to walk it.

    The file is checked first; it is stored as a draft that no wave can field,
    and the test answers are never counted or exported. Publishing stays the
    only way to field a version.
    """
    path = resolve(file, root or settings.questionnaires_dir)
    if not path.is_file():
        raise click.ClickException(f"{path}: no such file")
    attributes: dict[str, str] = {}
    for item in attrs:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.ClickException(f"--attr {item!r}: write NAME=VALUE")
        attributes[name.strip()] = value.strip()

    async def work(session: AsyncSession) -> str:
        draft, token = await testruns.start_draft(
            session,
            settings,
            data=path.read_bytes(),
            filename=str(path),
            attributes=attributes,
            path=path,
        )
        await staff_service.record_audit(
            session,
            actor=cli_actor(),
            action="questionnaire.test_draft",
            target=draft.ref,
            details={"hash": draft.content_hash},
        )
        return tokens.survey_url(settings, token)

    try:
        link = run_in_session(settings, work)
    except DefinitionErrors as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    click.echo(f"Proefinvulling (telt nooit mee): {link}")


@wave_group.command("purge-contacts")
@click.option("--wave", "slug", required=True)
@click.option(
    "--yes", is_flag=True, help="Confirm: names and addresses are gone for good."
)
@click.pass_obj
def purge_contacts(settings: Settings, slug: str, yes: bool) -> None:
    """Delete a wave's names and e-mail addresses after fieldwork (irreversible)."""
    if not yes:
        raise click.UsageError("This deletes contact data for good. Repeat with --yes.")

    async def work(session: AsyncSession) -> samples_service.Purge:
        wave = await samples_service.require_wave(session, slug)
        return await purging.purge_contacts(session, wave=wave, actor=cli_actor())

    try:
        purge = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Purged {purge.contacts} contacts; {purge.invitations} invitations keep "
               f"their sample attributes; {purge.rejections} rejected-file reports removed.")  # fmt: skip


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


COMMANDS = [questionnaire_group, wave_group, worker_command]
