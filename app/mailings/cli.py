"""``veldwerk mailing ...``, ``veldwerk calendar ...`` and ``veldwerk bounces
import``: mailings from the command line. (``veldwerk worker``, which runs mail
delivery with the other background duties, is ``app.flows.cli``.)"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.mailings.delivery import bounces
from app.mailings.delivery import service as delivery
from app.mailings.models import Mailing
from app.mailings.planning import service
from app.mailings.planning.calendar import format_moment_nl
from app.mailings.planning.schemas import (
    AfterMailing,
    AfterRecess,
    Audience,
    BeforeClosing,
    CalendarUpdate,
    Fixed,
    MailingCreate,
    OnOpening,
    RecessCreate,
    Rule,
    parse_rule,
)
from app.samples import catalogue
from app.samples import service as samples_service
from app.staff import service as staff_service

T = TypeVar("T")


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    try:
        return run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc


# -- mailing ---------------------------------------------------------------------


@click.group("mailing")
def mailing_group() -> None:
    """Mailing plans: resolve, add, schedule, pause, resume, status."""


wave_option = click.option(
    "--wave", "wave_slug", required=True, help="Wave code (slug)."
)


@mailing_group.command("plan")
@wave_option
@click.pass_obj
def plan_command(settings: Settings, wave_slug: str) -> None:
    """Print the plan resolved into dates and times, with reach and warnings."""

    async def work(session: AsyncSession) -> list[str]:
        wave = await samples_service.require_wave(session, wave_slug)
        plan = await service.resolve_wave_plan(session, wave=wave)
        return _plan_lines(plan)

    for line in _run(settings, work):
        click.echo(line)


def _plan_lines(plan: service.Plan) -> list[str]:
    cal = plan.calendar
    days = "/".join(
        ("ma", "di", "wo", "do", "vr", "za", "zo")[d - 1]
        for d in sorted(cal.sending_weekdays)
    )
    lines = [
        f"{plan.wave.name} ({plan.wave.slug}): veldwerk {cal.opens_on} t/m {cal.closes_on}",
        f"verzenden: {days} {cal.send_from:%H:%M}-{cal.send_until:%H:%M} ({cal.timezone})",
    ]
    for recess in cal.recesses:
        tier = recess.tier or "alle bestuurslagen"
        lines.append(
            f"reces {recess.name} ({tier}): {recess.starts_on} t/m {recess.ends_on}"
        )
    if not plan.mailings:
        lines.append("(nog geen mailings)")
    for item in plan.mailings:
        m = item.mailing
        lines.append("")
        lines.append(
            f"{m.name} [{m.questionnaire} {m.kind}, {item.progress.label}] "
            f"{item.rule.describe()}; doelgroep {item.audience.describe()}; "
            f"bereik nu {item.reach_total}"
        )
        for moment in item.moments:
            tiers = ", ".join(t or "zonder bestuurslaag" for t in moment.tiers)
            when = (
                format_moment_nl(moment.at, cal.tz) if moment.at else "niet te bepalen"
            )
            reach = sum(item.reach.get(t, 0) for t in moment.tiers)
            lines.append(f"  {when}  [{tiers}]  {reach} personen")
            for issue in moment.issues:
                mark = {"warning": "LET OP", "error": "FOUT", "info": "info"}[
                    issue.level
                ]
                lines.append(f"    {mark}: {issue.message}")
        if item.counts.get("total"):
            counts = ", ".join(
                f"{k} {v}"
                for k, v in sorted(item.counts.items())
                if k not in ("total", "open")
            )
            lines.append(f"  wachtrij: {counts}")
    return lines


@mailing_group.command("add")
@wave_option
@click.option("--name", required=True)
@click.option(
    "--questionnaire", type=click.Choice(["officials", "organisations"]), required=True
)
@click.option("--kind", type=click.Choice(["invitation", "reminder"]), required=True)
@click.option("--template", default=None, help="Default: the kind.")
@click.option("--on-opening", is_flag=True, help="On the opening day.")
@click.option("--after", "after_mailing", default=None, help="After this mailing...")
@click.option(
    "--days", type=int, default=None, help="...this many days (with --after)."
)
@click.option(
    "--working-days", "count_working", is_flag=True, help="Count working days."
)
@click.option(
    "--after-recess", default=None, help="N working days after this recess..."
)
@click.option(
    "--before-closing", type=int, default=None, help="N working days before closing."
)
@click.option(
    "--at", "at_text", default=None, help="Fixed 'YYYY-MM-DD HH:MM' (local), or HH:MM."
)
@click.option("--rule", "rule_json", default=None, help="The rule as JSON.")
@click.option("--only-without-response", is_flag=True)
@click.option(
    "--tier", "tiers", multiple=True, type=click.Choice(list(catalogue.TIERS))
)
@click.option(
    "--function",
    "functions",
    multiple=True,
    type=click.Choice(list(catalogue.FUNCTIONS)),
)
@click.pass_obj
def add_command(
    settings: Settings,
    wave_slug: str,
    name: str,
    questionnaire: str,
    kind: str,
    template: str | None,
    on_opening: bool,
    after_mailing: str | None,
    days: int | None,
    count_working: bool,
    after_recess: str | None,
    before_closing: int | None,
    at_text: str | None,
    rule_json: str | None,
    only_without_response: bool,
    tiers: tuple[str, ...],
    functions: tuple[str, ...],
) -> None:
    """Add a mailing to a wave's plan (as a draft)."""
    try:
        rule = _rule_from_options(
            on_opening,
            after_mailing,
            days,
            count_working,
            after_recess,
            before_closing,
            at_text,
            rule_json,
        )
        audience = Audience(
            only_without_response=only_without_response,
            tiers=tiers,
            functions=functions,
        )
        data = MailingCreate.model_validate(  # the options' strings, validated
            {
                "questionnaire": questionnaire,
                "name": name,
                "kind": kind,
                "template": template,
                "rule": rule,
                "audience": audience,
            }
        )
    except (ValidationError, ValueError) as exc:
        raise click.BadParameter(str(exc)) from exc

    async def work(session: AsyncSession) -> str:
        wave = await samples_service.require_wave(session, wave_slug)
        mailing = await service.create_mailing(
            session, settings, wave=wave, data=data, actor=cli_actor()
        )
        return mailing.name

    click.echo(
        f"Mailing {_run(settings, work)} added (draft). Check it with: veldwerk mailing plan --wave {wave_slug}"
    )


def _rule_from_options(
    on_opening: bool,
    after_mailing: str | None,
    days: int | None,
    count_working: bool,
    after_recess: str | None,
    before_closing: int | None,
    at_text: str | None,
    rule_json: str | None,
) -> Rule:
    time_of_day = (
        dt.time.fromisoformat(at_text) if at_text and len(at_text) <= 5 else None
    )
    if rule_json:
        return parse_rule(json.loads(rule_json))
    if on_opening:
        return OnOpening(at=time_of_day)
    if after_mailing:
        if days is None:
            raise ValueError("--after needs --days")
        return AfterMailing(
            mailing=after_mailing, days=days, working_days=count_working, at=time_of_day
        )
    if after_recess:
        return AfterRecess(recess=after_recess, working_days=days or 1, at=time_of_day)
    if before_closing is not None:
        return BeforeClosing(working_days=before_closing, at=time_of_day)
    if at_text and time_of_day is None:
        return Fixed(at=dt.datetime.fromisoformat(at_text))
    raise ValueError(
        "give a rule: --on-opening, --after NAME --days N, --after-recess NAME --days N, "
        "--before-closing N, --at 'YYYY-MM-DD HH:MM' or --rule JSON"
    )


def _mailing_action(
    action: Callable[[AsyncSession, Mailing], Awaitable[object]],
    settings: Settings,
    wave_slug: str,
    name: str,
) -> object:
    async def work(session: AsyncSession) -> object:
        wave = await samples_service.require_wave(session, wave_slug)
        mailing = await service.require_mailing(session, wave=wave, name=name)
        return await action(session, mailing)

    return _run(settings, work)


@mailing_group.command("schedule")
@wave_option
@click.argument("name")
@click.pass_obj
def schedule_command(settings: Settings, wave_slug: str, name: str) -> None:
    """Enqueue a mailing for its audience (again: only newcomers are added)."""

    async def work(session: AsyncSession) -> int:
        wave = await samples_service.require_wave(session, wave_slug)
        mailing = await service.require_mailing(session, wave=wave, name=name)
        return await service.schedule_mailing(
            session, wave=wave, mailing=mailing, actor=cli_actor()
        )

    click.echo(f"{_run(settings, work)} mail(s) enqueued for {name}.")


@mailing_group.command("pause")
@wave_option
@click.argument("name")
@click.pass_obj
def pause_command(settings: Settings, wave_slug: str, name: str) -> None:
    """Pause a mailing: workers claim none of its mails until resumed."""
    _mailing_action(
        lambda s, m: service.pause_mailing(s, mailing=m, actor=cli_actor()),
        settings,
        wave_slug,
        name,
    )
    click.echo(f"{name} paused.")


@mailing_group.command("resume")
@wave_option
@click.argument("name")
@click.pass_obj
def resume_command(settings: Settings, wave_slug: str, name: str) -> None:
    """Resume a paused mailing."""
    _mailing_action(
        lambda s, m: service.resume_mailing(s, mailing=m, actor=cli_actor()),
        settings,
        wave_slug,
        name,
    )
    click.echo(f"{name} resumed.")


@mailing_group.command("cancel")
@wave_option
@click.argument("name")
@click.pass_obj
def cancel_command(settings: Settings, wave_slug: str, name: str) -> None:
    """Cancel a mailing: mails not yet handed to SMTP are not sent."""
    count = _mailing_action(
        lambda s, m: service.cancel_mailing(s, mailing=m, actor=cli_actor()),
        settings,
        wave_slug,
        name,
    )
    click.echo(f"{name} cancelled ({count} mail(s) not sent).")


@mailing_group.command("status")
@wave_option
@click.pass_obj
def status_command(settings: Settings, wave_slug: str) -> None:
    """Progress per mailing, and every mail whose fate is unknown."""

    async def work(session: AsyncSession) -> list[str]:
        wave = await samples_service.require_wave(session, wave_slug)
        plan = await service.resolve_wave_plan(session, wave=wave)
        lines = []
        for item in plan.mailings:
            counts = ", ".join(
                f"{k} {v}"
                for k, v in sorted(item.counts.items())
                if k not in ("total", "open")
            )
            lines.append(
                f"{item.mailing.name} [{item.progress.label}]: {counts or 'niets in de wachtrij'}"
            )
        unknown = await delivery.list_unknown(session, settings, wave=wave)
        lines.append(f"onbekend lot: {len(unknown)}")
        for u in unknown:
            lines.append(
                f"  outbox {u.outbox_id} ({u.mailing}) uitnodiging {u.invitation_id} "
                f"{u.email or '-'} Message-ID {u.message_id} overgedragen {u.handed_at:%Y-%m-%d %H:%M:%S} door {u.worker}"
            )
        return lines

    for line in _run(settings, work):
        click.echo(line)


@mailing_group.command("resend-unknown")
@wave_option
@click.option("--id", "ids", multiple=True, type=int, help="Outbox ids (default: all).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def resend_unknown_command(
    settings: Settings, wave_slug: str, ids: tuple[int, ...], yes: bool
) -> None:
    """Resend mails of unknown fate (recipients may get them twice)."""
    if not yes:
        click.confirm("Recipients may get these mails twice. Resend?", abort=True)

    async def work(session: AsyncSession) -> int:
        wave = await samples_service.require_wave(session, wave_slug)
        return await delivery.resend_unknown(
            session, wave=wave, ids=list(ids) or None, actor=cli_actor()
        )

    click.echo(f"{_run(settings, work)} mail(s) back in the queue.")


@mailing_group.command("confirm-unknown")
@wave_option
@click.option("--id", "ids", multiple=True, type=int, required=True)
@click.pass_obj
def confirm_unknown_command(
    settings: Settings, wave_slug: str, ids: tuple[int, ...]
) -> None:
    """Record that mails of unknown fate did arrive (checked in the mail log)."""

    async def work(session: AsyncSession) -> int:
        wave = await samples_service.require_wave(session, wave_slug)
        return await delivery.confirm_unknown_delivered(
            session, wave=wave, ids=list(ids), actor=cli_actor()
        )

    click.echo(f"{_run(settings, work)} mail(s) recorded as delivered.")


# -- calendar ----------------------------------------------------------------------


@click.group("calendar")
def calendar_group() -> None:
    """A wave's fieldwork calendar: sending days and hours, recesses."""


@calendar_group.command("hours")
@wave_option
@click.option(
    "--days", default="2,3,4", show_default=True, help="ISO weekdays, 1 = Monday."
)
@click.option("--from", "send_from", default="09:00", show_default=True)
@click.option("--until", "send_until", default="16:00", show_default=True)
@click.option(
    "--liberation-day/--no-liberation-day",
    default=True,
    show_default=True,
    help="Treat 5 May as a holiday every year.",
)
@click.pass_obj
def hours_command(
    settings: Settings,
    wave_slug: str,
    days: str,
    send_from: str,
    send_until: str,
    liberation_day: bool,
) -> None:
    """Set sending weekdays and hours."""
    try:
        data = CalendarUpdate(
            sending_weekdays=tuple(int(d) for d in days.split(",") if d.strip()),
            send_from=dt.time.fromisoformat(send_from),
            send_until=dt.time.fromisoformat(send_until),
            liberation_day_every_year=liberation_day,
        )
    except (ValidationError, ValueError) as exc:
        raise click.BadParameter(str(exc)) from exc

    async def work(session: AsyncSession) -> None:
        wave = await samples_service.require_wave(session, wave_slug)
        await service.update_calendar(session, wave=wave, data=data, actor=cli_actor())

    _run(settings, work)
    click.echo("Sending hours saved.")


@calendar_group.command("recess")
@wave_option
@click.option("--name", required=True)
@click.option("--from", "starts_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--until", "ends_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--tier",
    type=click.Choice(list(catalogue.TIERS)),
    default=None,
    help="Only for this tier (default: every tier).",
)
@click.pass_obj
def recess_command(
    settings: Settings,
    wave_slug: str,
    name: str,
    starts_on: dt.datetime,
    ends_on: dt.datetime,
    tier: str | None,
) -> None:
    """Add a recess (respondents away: no mail then)."""
    try:
        data = RecessCreate(
            name=name, tier=tier, starts_on=starts_on.date(), ends_on=ends_on.date()
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc

    async def work(session: AsyncSession) -> None:
        wave = await samples_service.require_wave(session, wave_slug)
        await service.add_recess(session, wave=wave, data=data, actor=cli_actor())

    _run(settings, work)
    click.echo(f"Recess {name} added.")


# -- bounces -----------------------------------------------------------------------


@click.group("bounces")
def bounces_group() -> None:
    """Bounces that came back as mail."""


@bounces_group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="One line per message.")
@click.pass_obj
def import_bounces_command(settings: Settings, path: Path, verbose: bool) -> None:
    """Read an mbox, a Maildir or a directory of .eml files and mark bounced
    invitations undeliverable (auto-replies and forged bounces are ignored)."""

    async def work(session: AsyncSession) -> bounces.ImportReport:
        report = await bounces.import_bounces(session, settings, path=path)
        await staff_service.record_audit(
            session,
            actor=cli_actor(),
            action="mailing.bounces_import",
            target=str(path),
            details=dict(report.counts),
        )
        return report

    report = _run(settings, work)
    if verbose:
        for line in report.lines:
            click.echo(line)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    click.echo(
        f"{sum(report.counts.values())} message(s): {summary or 'none'}; "
        f"{len(report.marked)} invitation(s) newly marked undeliverable."
    )


COMMANDS = [mailing_group, calendar_group, bounces_group]
