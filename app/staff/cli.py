"""``veldwerk user ...``: staff accounts from the command line."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.staff import service, twofactor
from app.staff.models import Role


@click.group("user")
def user_group() -> None:
    """Staff accounts and roles."""


@user_group.command("add")
@click.argument("email")
@click.option(
    "--name", default="", help="Display name (defaults to the e-mail address)."
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="researcher, fieldwork_manager, analyst or admin.",
)
@click.option(
    "--password",
    envvar="VELDWERK_NEW_PASSWORD",
    help="Read from VELDWERK_NEW_PASSWORD or asked for when not given.",
)
@click.pass_obj
def add_user(
    settings: Settings, email: str, name: str, role: str, password: str | None
) -> None:
    """Create a staff account."""
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(session: AsyncSession) -> str:
        user = await service.create_user(
            session, email=email, name=name, role=Role(role), password=password or ""
        )
        await service.record_audit(
            session,
            actor=cli_actor(),
            action="user.add",
            target=user.email,
            details={"role": role},
        )
        return user.email

    try:
        created = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Account {created} created with role {role}.")


@user_group.command("list")
@click.pass_obj
def list_users(settings: Settings) -> None:
    """List staff accounts."""

    async def work(session: AsyncSession) -> list[tuple[str, str, bool]]:
        return [
            (u.email, u.role, u.is_active) for u in await service.list_users(session)
        ]

    for email, role, active in run_in_session(settings, work):
        click.echo(f"{email}\t{role}\t{'active' if active else 'disabled'}")


@user_group.command("reset-2fa")
@click.argument("email")
@click.pass_obj
def reset_two_factor(settings: Settings, email: str) -> None:
    """Forget an account's second factor (lost phone): its sessions end and the
    next login sets up two-factor login again."""

    async def work(session: AsyncSession) -> str:
        user = await service.get_user_by_email(session, email)
        if user is None:
            raise AppError(f"Er is geen account {email}.")
        await twofactor.reset(session, user=user)
        await service.record_audit(
            session, actor=cli_actor(), action="2fa.reset", target=user.email
        )
        return user.email

    try:
        done = run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Two-factor login of {done} reset; it is set up again at the next login."
    )


COMMANDS = [user_group]
