"""``veldwerk wave ...`` and ``veldwerk demo-frame``: waves, frames, draws and links from the shell.

Every command is one transaction (``run_in_session``); what the staff pages
can do, these can do, and they log to the same audit log (actor ``cli:<user>``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import xlsxwriter
from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import cli_actor, run_in_session
from app.config import Settings
from app.errors import AppError
from app.questionnaires.models import QuestionnaireVersion
from app.samples import demo_frame, reports
from app.samples import service as samples_service
from app.samples.design import PRESETS, SampleDesign, preset
from app.samples.fields import FrameKind
from app.staff import service as staff_service


def _run(settings: Settings, work: Any) -> Any:
    try:
        return run_in_session(settings, work)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc


@click.group("wave")
def wave_group() -> None:
    """Waves (editions), address files, draws, panel links, purge."""


@wave_group.command("create")
@click.option("--slug", required=True, help="Short code, e.g. miv-2024.")
@click.option(
    "--name", required=True, help='E.g. "Monitor Integriteit en Veiligheid 2024".'
)
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), help="First fieldwork day.")
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Last fieldwork day.")
@click.option(
    "-q", "--questionnaire", "questionnaires", multiple=True,
    help="Questionnaire fielded in this wave (repeatable).",
)  # fmt: skip
@click.pass_obj
def create_wave(
    settings: Settings,
    slug: str,
    name: str,
    opens: dt.datetime | None,
    closes: dt.datetime | None,
    questionnaires: tuple[str, ...],
) -> None:
    """Create a wave."""

    async def work(session: AsyncSession) -> str:
        wave = await samples_service.create_wave(
            session, slug=slug, name=name,
            opens_on=opens.date() if opens else None,
            closes_on=closes.date() if closes else None,
        )  # fmt: skip
        for questionnaire in questionnaires:
            await samples_service.choose_version(
                session, wave=wave, questionnaire=questionnaire, version_id=None
            )
        await staff_service.record_audit(
            session, actor=cli_actor(), action="wave.create", target=wave.slug
        )
        return wave.slug

    click.echo(f"Wave {_run(settings, work)} created.")


@wave_group.command("list")
@click.pass_obj
def list_waves(settings: Settings) -> None:
    """List waves."""

    async def work(session: AsyncSession) -> list[tuple[str, str, str]]:
        return [
            (w.slug, w.name, "contacts purged" if w.contacts_purged_at else "")
            for w in await samples_service.list_waves(session)
        ]

    for slug, name, note in _run(settings, work):
        click.echo(f"{slug}\t{name}\t{note}".rstrip())


@wave_group.command("show")
@click.option("--wave", "slug", required=True)
@click.pass_obj
def show_wave(settings: Settings, slug: str) -> None:
    """Questionnaires, frames, samples and invitation counts of a wave."""

    async def work(session: AsyncSession) -> list[str]:
        wave = await samples_service.require_wave(session, slug)
        overview = await samples_service.wave_overview(session, wave=wave)
        lines = [f"{wave.slug}: {wave.name}"]
        if wave.opens_on or wave.closes_on:
            lines.append(
                f"Fieldwork: {wave.opens_on or '?'} to {wave.closes_on or '?'}"
            )
        if wave.contacts_purged_at:
            lines.append(
                f"Contact data purged at {wave.contacts_purged_at:%Y-%m-%d %H:%M} UTC"
            )
        lines.append("Questionnaires:")
        for q in overview.questionnaires:
            active = q.active.version if q.active else "no version chosen"
            lines.append(f"  {q.questionnaire}: {active} ({len(q.versions)} published)")
        lines.append("Frames:")
        for frame in overview.frames:
            lines.append(
                f"  #{frame.id} {frame.name} [{frame.kind}] {frame.rows} rows, "
                f"{frame.file_name}, {frame.imported_at:%Y-%m-%d} by {frame.imported_by}"
            )
        lines.append("Samples:")
        for sample in overview.samples:
            drawn = (
                f"{sample.sampled} links"
                if sample.kind == "panel_links"
                else f"{sample.sampled} of {sample.population}, seed {sample.seed}"
            )
            lines.append(
                f"  #{sample.id} {sample.name} [{sample.questionnaire}, {sample.kind}] {drawn}"
            )
        lines.append("Invitations:")
        for questionnaire, counts in sorted(overview.status_counts.items()):
            parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            lines.append(f"  {questionnaire}: {parts}")
        return lines

    click.echo("\n".join(_run(settings, work)))


@wave_group.command("set-version")
@click.option("--wave", "slug", required=True)
@click.option("--questionnaire", required=True)
@click.option("--version", required=True, help="A published version, e.g. 2024.")
@click.pass_obj
def set_version(
    settings: Settings, slug: str, questionnaire: str, version: str
) -> None:
    """Choose the questionnaire version new respondents of a wave get."""

    async def work(session: AsyncSession) -> str:
        wave = await samples_service.require_wave(session, slug)
        found = await session.scalar(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire == questionnaire,
                QuestionnaireVersion.version == version,
            )
        )
        if found is None:
            raise click.ClickException(f"{questionnaire}/{version} is not published.")
        await samples_service.choose_version(
            session, wave=wave, questionnaire=questionnaire, version_id=found.id
        )
        await staff_service.record_audit(
            session, actor=cli_actor(), action="wave.version", target=wave.slug,
            details={"questionnaire": questionnaire, "version": version},
        )  # fmt: skip
        return found.ref

    click.echo(f"{slug} now fields {_run(settings, work)}.")


@wave_group.command("import-frame")
@click.option("--wave", "slug", required=True)
@click.option("--kind", type=click.Choice([k.value for k in FrameKind]), required=True)
@click.option("--name", default="", help="Display name (defaults to the file name).")
@click.option("--panel", default=None, help="Panel for rows without a panel column.")
@click.option("--errors-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the problem report here (CSV) when the file is rejected.")  # fmt: skip
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_frame(
    settings: Settings, slug: str, kind: str, name: str, panel: str | None,
    errors_out: Path | None, file: Path,
) -> None:  # fmt: skip
    """Import an address file (CSV or XLSX); all rows or none."""

    async def work(session: AsyncSession) -> samples_service.ImportOutcome:
        wave = await samples_service.require_wave(session, slug)
        with file.open("rb") as source:
            return await samples_service.import_frame(
                session, settings, wave=wave, kind=FrameKind(kind), source=source,
                file_name=file.name, name=name, actor=cli_actor(),
                defaults={"panel": panel} if panel else None,
            )  # fmt: skip

    outcome = _run(settings, work)
    if outcome.frame is not None:
        click.echo(f"Imported {outcome.frame.rows} rows as frame #{outcome.frame.id}.")
        return
    report = outcome.report
    click.echo(
        f"Rejected: {report.problem_count} problem(s); nothing was imported.", err=True
    )
    for problem in report.problems[:50]:
        click.echo("  " + problem.text(), err=True)
    if report.problem_count > 50:
        click.echo(f"  ... and {report.problem_count - 50} more", err=True)
    if errors_out:
        errors_out.write_text(
            reports.csv_text(
                reports.problem_rows(p.as_dict() for p in report.problems)
            ),
            encoding="utf-8",
        )
        click.echo(f"Problem report written to {errors_out}.", err=True)
    sys.exit(1)


def _load_design(design_file: Path | None, preset_name: str | None) -> SampleDesign:
    if bool(design_file) == bool(preset_name):
        raise click.UsageError("Give either --design FILE or --preset NAME.")
    if preset_name:
        return preset(preset_name)
    assert design_file is not None
    text = design_file.read_text(encoding="utf-8")
    try:
        if design_file.suffix in (".yaml", ".yml"):
            data = YAML(typ="safe").load(text)
        else:
            data = json.loads(text)
        return SampleDesign.model_validate(data)
    except ValueError as exc:
        raise click.ClickException(f"{design_file}: {exc}") from exc


def summary_lines(summary: dict[str, Any]) -> list[str]:
    lines = [f"{'stratum':<36}{'population':>11}{'sampled':>9}{'share':>8}"]
    for stratum in summary["strata"]:
        share = "" if stratum["share"] is None else f"{stratum['share']:.0%}"
        lines.append(
            f"{stratum['label']:<36}{stratum['population']:>11}{stratum['sampled']:>9}{share:>8}"
        )
    lines.append(f"{'total':<36}{summary['population']:>11}{summary['sampled']:>9}")
    for index, component in enumerate(summary["components"], start=1):
        lines.append(f"component {index} ({component['kind']}) {component['label']}: "
                     f"{component['sampled']} of {component['population']}")  # fmt: skip
        clusters = component.get("clusters")
        if clusters:
            lines.append(f"  organisations: {clusters['drawn']} of {clusters['population']} "
                         f"(always: {', '.join(clusters['always'])})")  # fmt: skip
        lines.extend(f"  warning: {w}" for w in component["warnings"])
    return lines


@wave_group.command("draw")
@click.option("--wave", "slug", required=True)
@click.option("--questionnaire", required=True)
@click.option("--design", "design_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Design as JSON or YAML.")  # fmt: skip
@click.option("--preset", "preset_name", type=click.Choice(sorted(PRESETS)))
@click.option("--seed", type=int, help="Random seed (a new one when not given).")
@click.option("--name", default="")
@click.option(
    "--dry-run", is_flag=True, help="Show what the draw gives; store nothing."
)
@click.pass_obj
def draw(
    settings: Settings, slug: str, questionnaire: str, design_file: Path | None,
    preset_name: str | None, seed: int | None, name: str, dry_run: bool,
) -> None:  # fmt: skip
    """Draw a sample and create its invitations (or preview it with --dry-run)."""
    design = _load_design(design_file, preset_name)
    seed = samples_service.new_seed() if seed is None else seed

    async def work(session: AsyncSession) -> samples_service.Draw:
        wave = await samples_service.require_wave(session, slug)
        return await samples_service.draw_sample(
            session, settings, wave=wave, questionnaire=questionnaire, design=design,
            seed=seed, name=name, actor=cli_actor(), dry_run=dry_run,
        )  # fmt: skip

    result = _run(settings, work)
    click.echo("\n".join(summary_lines(result.summary)))
    if result.sample is None:
        click.echo(f"Dry run with seed {seed}: nothing stored.")
    else:
        click.echo(f"Sample #{result.sample.id} drawn with seed {seed}: "
                   f"{result.sample.sampled} invitations created.")  # fmt: skip


@wave_group.command("verify-sample")
@click.option("--wave", "slug", required=True)
@click.option("--sample", "sample_id", required=True, type=int)
@click.pass_obj
def verify_sample(settings: Settings, slug: str, sample_id: int) -> None:
    """Draw a stored sample again from its design and seed and compare."""

    async def work(session: AsyncSession) -> samples_service.Check:
        wave = await samples_service.require_wave(session, slug)
        sample = await samples_service.require_sample(
            session, wave=wave, sample_id=sample_id
        )
        return await samples_service.verify_sample(session, settings, sample=sample)

    check = _run(settings, work)
    verdict = (
        "identical" if check.matches else f"DIFFERENT ({check.missing} contacts differ)"
    )
    click.echo(f"Re-drawn {check.redrawn}, stored {check.stored}: {verdict}.")
    if not check.matches:
        sys.exit(1)


@wave_group.command("panel-links")
@click.option("--wave", "slug", required=True)
@click.option("--questionnaire", required=True)
@click.option("--panel", required=True, help="E.g. flitspanel.")
@click.option("--stratum", required=True, help="E.g. tier=gemeente.")
@click.option("--count", required=True, type=int)
@click.option(
    "--assign", "assign_text", default="", help="Random attribute, e.g. ballot=a,b."
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def panel_links(
    settings: Settings, slug: str, questionnaire: str, panel: str, stratum: str,
    count: int, assign_text: str, out: Path,
) -> None:  # fmt: skip
    """Issue personal links for a panel provider (no e-mail addresses) as CSV."""
    assign: dict[str, list[str]] = {}
    if assign_text:
        attr, _, values = assign_text.partition("=")
        assign[attr.strip()] = [v.strip() for v in values.split(",") if v.strip()]

    async def work(session: AsyncSession) -> int:
        wave = await samples_service.require_wave(session, slug)
        if (
            await samples_service.get_wave_questionnaire(
                session, wave_id=wave.id, questionnaire=questionnaire
            )
            is None
        ):
            raise click.ClickException(f"{questionnaire} is not fielded in {slug}.")
        sample = await samples_service.create_panel_links(
            session, settings, wave=wave, questionnaire=questionnaire, panel=panel,
            stratum=samples_service.parse_stratum(stratum), count=count,
            drawn_by=cli_actor(), assign=assign,
        )  # fmt: skip
        with out.open("w", encoding="utf-8", newline="") as handle:
            handle.write("\ufeff")
            async for row in samples_service.sample_links(
                session, settings, sample=sample
            ):
                handle.write(reports.csv_line(row))
        await staff_service.record_audit(
            session, actor=cli_actor(), action="panel_links.issue",
            target=f"{wave.slug}/sample/{sample.id}", details={"count": count, "stratum": stratum},
        )  # fmt: skip
        return sample.id

    sample_id = _run(settings, work)
    click.echo(f"{count} links written to {out} (batch #{sample_id}).")


@wave_group.command("reissue-link")
@click.option("--wave", "slug", required=True)
@click.option("--invitation", "invitation_id", required=True, type=int)
@click.pass_obj
def reissue_link(settings: Settings, slug: str, invitation_id: int) -> None:
    """Give one invitation a new link; the old link stops working."""

    async def work(session: AsyncSession) -> str:
        wave = await samples_service.require_wave(session, slug)
        invitation = await samples_service.require_invitation(
            session, wave=wave, invitation_id=invitation_id
        )
        await samples_service.reissue_link(session, settings, invitation=invitation)
        await staff_service.record_audit(
            session, actor=cli_actor(), action="invitation.reissue",
            target=f"{wave.slug}/invitation/{invitation.id}",
        )  # fmt: skip
        return samples_service.invitation_url(settings, invitation)

    click.echo(_run(settings, work))


@wave_group.command("rotate-links")
@click.option("--wave", "slug", required=True)
@click.option("--yes", is_flag=True, help="Confirm: links already mailed stop working.")
@click.pass_obj
def rotate_links(settings: Settings, slug: str, yes: bool) -> None:
    """Re-issue every link of a wave not made with the current secret key."""
    if not yes:
        raise click.UsageError(
            "Links already mailed stop working; the next reminder carries the new "
            "ones. Repeat with --yes to go ahead."
        )

    async def work(session: AsyncSession) -> samples_service.Rotation:
        wave = await samples_service.require_wave(session, slug)
        rotation = await samples_service.rotate_links(
            session, settings, wave=wave, batch_size=settings.samples.insert_batch_size
        )
        await staff_service.record_audit(
            session, actor=cli_actor(), action="wave.rotate_links", target=wave.slug,
            details={"reissued": rotation.reissued, "started": rotation.started},
        )  # fmt: skip
        return rotation

    rotation = _run(settings, work)
    click.echo(f"{rotation.reissued} links re-issued under the current key "
               f"({rotation.started} of them already opened).")  # fmt: skip


@click.command("demo-frame")
@click.option("--kind", type=click.Choice(["officials", "employees", "organisations"]),
              default="officials", show_default=True)  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (CSV, or XLSX when it ends in .xlsx); stdout when omitted.")  # fmt: skip
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option(
    "--small", is_flag=True, help="A small country (24 municipalities) for quick demos."
)
@click.option("--panel-members", type=int, help="Employees frame size (e.g. 1000000).")
def demo_frame_command(
    kind: str, out: Path | None, seed: int, small: bool, panel_members: int | None
) -> None:
    """Write a synthetic address file with the 2024 edition's shape."""
    size = demo_frame.SMALL if small else demo_frame.FULL
    if panel_members is not None:
        size = replace(size, panel_members=panel_members)
    rows = demo_frame.demo_frame(kind, seed=seed, size=size)
    if out is not None and out.suffix.lower() == ".xlsx":
        count = _write_xlsx(out, kind, rows)
    elif out is not None:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            count = demo_frame.write_csv(rows, handle, kind=kind)
    else:
        count = demo_frame.write_csv(rows, sys.stdout, kind=kind)
    if out is not None:
        click.echo(f"{count} rows written to {out}.", err=True)


def _write_xlsx(out: Path, kind: str, rows: Any) -> int:
    workbook = xlsxwriter.Workbook(
        str(out), {"constant_memory": True, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet("Adressen")
    sheet.write_row(0, 0, demo_frame.headers(kind))
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, [row[h] for h in demo_frame.headers(kind)])
    workbook.close()
    return count


COMMANDS = [wave_group, demo_frame_command]
