"""``veldwerk questionnaire versions``: the questionnaire command that needs the
database but no other domain.

Added to the engine's ``questionnaire`` group (``app/questionnaires/cli.py``),
which stays free of sessions and settings; publishing (into a wave) and test
runs involve samples and are flows (``app/flows/cli.py``).
"""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import run_in_session
from app.config import Settings
from app.questionnaires import service
from app.questionnaires.cli import questionnaire_group


@questionnaire_group.command("versions")
@click.pass_obj
def versions_command(settings: Settings) -> None:
    """List published versions."""

    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{v.ref}\t{v.published_at:%Y-%m-%d %H:%M}\t{v.content_hash[:12]}\t{v.title}"
            for v in await service.list_versions(session)
        ]

    for line in run_in_session(settings, work):
        click.echo(line)


COMMANDS = [questionnaire_group]
