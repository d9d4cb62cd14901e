"""Address files into contacts, all or nothing; and the contact purge after fieldwork.

``import_frame`` runs the pure importer's two passes: validation in a worker
thread (nothing written), then, only if the file is clean, a second read
inserting contacts in batches with core ``INSERT`` executemany, inside the
caller's one transaction. A rejected file leaves only its problem report.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from array import array
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, cast

import anyio
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.samples import anonymise, catalogue, importer
from app.samples.design import SampleDesign
from app.samples.errors import WavePurged
from app.samples.fields import FrameKind, FrameRow, Problem, ProblemCode
from app.samples.models import (
    ATTRIBUTE_COLUMNS,
    Contact,
    Frame,
    FrameRejection,
    Invitation,
    Sample,
    Wave,
)
from app.samples.service.waves import lock_wave
from app.samples.tables import FileProblem, TableLimits
from app.staff import service as staff_service
from app.staff.schemas import StaffContext

Actor = StaffContext | str
CONTACTS = cast(Table, Contact.__table__)
INVITATIONS = cast(Table, Invitation.__table__)


@dataclass(frozen=True)
class ImportOutcome:
    """Either a stored ``frame`` or a ``rejection`` with the problem report."""

    frame: Frame | None
    rejection: FrameRejection | None
    report: importer.ValidationReport


def _actor_name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.email


def _actor_id(actor: Actor) -> int | None:
    return None if isinstance(actor, str) else actor.id


async def import_frame(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    kind: FrameKind,
    source: IO[bytes],
    file_name: str,
    name: str = "",
    actor: Actor,
    defaults: dict[str, str] | None = None,
) -> ImportOutcome:
    """Import an address file into ``wave``, or reject it with every problem.

    Refuses a wave whose contacts were purged. Duplicates are checked within
    the file and against the wave's earlier files of the same kind.
    """
    wave = await lock_wave(session, wave)
    if wave.contacts_purged_at is not None:
        raise WavePurged(wave.slug)
    existing = await _existing_keys(session, wave=wave, kind=kind)
    report = await anyio.to_thread.run_sync(
        partial(
            importer.validate,
            source,
            kind=kind,
            existing_keys=existing,
            defaults=defaults,
            max_problems=settings.samples.max_reported_problems,
            limits=TableLimits.from_settings(settings.samples),
        )
    )
    if report.format is not None:
        earlier = await session.scalar(
            select(Frame).where(
                Frame.wave_id == wave.id, Frame.file_hash == report.format.sha256
            )
        )
        if earlier is not None:  # one clear reason instead of a duplicate per row
            report.problems = [
                Problem(1, None, None, ProblemCode.FILE_ALREADY_IMPORTED,
                        f"precies dit bestand is al ingelezen als '{earlier.name}'")
            ]  # fmt: skip
            report.problem_count = 1
    if not report.ok:
        return ImportOutcome(
            None, await _reject(session, wave, kind, file_name, report, actor), report
        )
    frame = await _store(
        session, settings, wave, kind, source, file_name, name, actor, report, defaults
    )
    return ImportOutcome(frame, None, report)


async def _existing_keys(
    session: AsyncSession, *, wave: Wave, kind: FrameKind
) -> array[int]:
    keys: array[int] = array("Q")
    result = await session.stream(
        select(
            Contact.email, Contact.name, Contact.function, Contact.email_kind,
            Contact.organisation, Contact.organisation_code,
        )
        .join(Frame, Frame.id == Contact.frame_id)
        .where(Contact.wave_id == wave.id, Frame.kind == kind.value)
        .execution_options(yield_per=5000)
    )  # fmt: skip
    async for partition in result.partitions():
        for email, name, function, email_kind, organisation, code in partition:
            row = FrameRow(
                line=0,
                email=email or "",
                name=name,
                function=function,
                email_kind=email_kind,
                organisation=organisation,
                organisation_code=code,
            )
            keys.append(importer.duplicate_hash(row.duplicate_key(kind)))
    return keys


async def _reject(
    session: AsyncSession,
    wave: Wave,
    kind: FrameKind,
    file_name: str,
    report: importer.ValidationReport,
    actor: Actor,
) -> FrameRejection:
    rejection = FrameRejection(
        wave_id=wave.id,
        kind=kind.value,
        file_name=file_name[:255],
        file_hash=report.format.sha256 if report.format else "",
        rows=report.rows,
        problem_count=report.problem_count,
        problems=[p.as_dict() for p in report.problems],
        created_by=_actor_name(actor),
    )
    session.add(rejection)
    await session.flush()
    return rejection


async def _store(
    session: AsyncSession,
    settings: Settings,
    wave: Wave,
    kind: FrameKind,
    source: IO[bytes],
    file_name: str,
    name: str,
    actor: Actor,
    report: importer.ValidationReport,
    defaults: dict[str, str] | None,
) -> Frame:
    assert report.format is not None and report.layout is not None
    frame = Frame(
        wave_id=wave.id,
        kind=kind.value,
        name=(name.strip() or file_name)[:200],
        file_name=file_name[:255],
        file_hash=report.format.sha256,
        file_format=report.format.kind,
        encoding=report.format.encoding,
        delimiter=report.format.delimiter,
        columns=report.layout.describe(),
        rows=report.rows,
        imported_by=_actor_name(actor),
        imported_by_id=_actor_id(actor),
    )
    session.add(frame)
    await session.flush()
    rows = importer.read_rows(
        source,
        report,
        kind=kind,
        defaults=defaults,
        limits=TableLimits.from_settings(settings.samples),
    )
    size = settings.samples.insert_batch_size

    def next_batch() -> list[FrameRow]:
        return list(itertools.islice(rows, size))

    now = utcnow()
    statement = insert(CONTACTS)
    # Parse the next batch in a thread while the database takes this one.
    upcoming = asyncio.ensure_future(anyio.to_thread.run_sync(next_batch))
    try:
        while batch := await upcoming:
            upcoming = asyncio.ensure_future(anyio.to_thread.run_sync(next_batch))
            await session.execute(
                statement, [_contact_row(wave, frame, row, now) for row in batch]
            )
    except FileProblem as exc:
        raise InvalidInput(f"regel {exc.line}: {exc.message}") from exc
    finally:
        if not upcoming.done():  # an insert failed: let the reader thread finish
            with contextlib.suppress(Exception):
                await upcoming
    await staff_service.record_audit(
        session,
        actor=actor,
        action="frame.import",
        target=f"{wave.slug}/frame/{frame.id}",
        details={"kind": kind.value, "rows": frame.rows, "file_hash": frame.file_hash},
    )
    return frame


def _contact_row(wave: Wave, frame: Frame, row: FrameRow, now: Any) -> dict[str, Any]:
    return {
        "wave_id": wave.id,
        "frame_id": frame.id,
        "name": row.name,
        "email": row.email,
        "email_kind": row.email_kind,
        "tier": row.tier,
        "organisation": row.organisation,
        "organisation_code": row.organisation_code,
        "function": row.function,
        "gender": row.gender,
        "panel": row.panel,
        "attributes": row.attributes,
        "created_at": now,
    }


async def require_frame(session: AsyncSession, *, wave: Wave, frame_id: int) -> Frame:
    frame = await session.get(Frame, frame_id)
    if frame is None or frame.wave_id != wave.id:
        raise NotFound("Dit adresbestand bestaat niet.")
    return frame


async def require_rejection(
    session: AsyncSession, *, wave: Wave, rejection_id: int
) -> FrameRejection:
    rejection = await session.get(FrameRejection, rejection_id)
    if rejection is None or rejection.wave_id != wave.id:
        raise NotFound("Dit foutenrapport bestaat niet (meer).")
    return rejection


async def frame_breakdown(
    session: AsyncSession, *, frame: Frame
) -> list[tuple[str | None, str | None, str | None, int]]:
    """(tier, function, email kind, count): to check an import against expectations."""
    rows = await session.execute(
        select(Contact.tier, Contact.function, Contact.email_kind, func.count())
        .where(Contact.frame_id == frame.id)
        .group_by(Contact.tier, Contact.function, Contact.email_kind)
    )
    return sorted(
        ((t, f, k, n) for t, f, k, n in rows),
        key=lambda r: (
            catalogue.tier_order(r[0]),
            catalogue.function_order(r[1]),
            r[2] or "",
        ),
    )


async def list_contacts(
    session: AsyncSession, *, frame: Frame, offset: int = 0, limit: int = 50
) -> list[Contact]:
    return list(
        await session.scalars(
            select(Contact)
            .where(Contact.frame_id == frame.id)
            .order_by(Contact.id)
            .offset(offset)
            .limit(limit)
        )
    )


async def delete_frame(
    session: AsyncSession, *, wave: Wave, frame: Frame, actor: Actor
) -> int:
    """Remove an address file imported by mistake, with its contacts.

    Only while nobody from it has been drawn (their invitations and answers
    must keep their sample), and not after the purge (the frame record then
    documents what was imported). Returns the number of contacts removed.
    """
    wave = await lock_wave(session, wave)
    if wave.contacts_purged_at is not None:
        raise WavePurged(wave.slug)
    drawn = await session.scalar(
        select(func.count())
        .select_from(Invitation)
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(Contact.frame_id == frame.id)
    )
    if drawn:
        raise Conflict(
            f"Uit dit adresbestand zijn al {drawn} uitnodigingen gemaakt; het kan "
            "niet meer worden verwijderd."
        )
    removed = await session.execute(
        delete(Contact)
        .where(Contact.frame_id == frame.id)
        .execution_options(synchronize_session=False)
    )
    await session.delete(frame)
    await session.flush()
    count = removed.rowcount or 0  # type: ignore[attr-defined]
    await staff_service.record_audit(
        session,
        actor=actor,
        action="frame.delete",
        target=f"{wave.slug}/frame/{frame.id}",
        details={"contacts": count, "file_name": frame.file_name},
    )
    return count


_INVITATION_VALUES = (
    Invitation.id,
    Invitation.sample_id,
    Invitation.attributes,
    Invitation.undeliverable_reason,
    *(getattr(Invitation, name) for name in ATTRIBUTE_COLUMNS),
)


async def _anonymise_invitations(session: AsyncSession, *, wave: Wave) -> None:
    """Organisation, free attributes and SMTP texts off every invitation."""
    designs = {
        sample.id: SampleDesign.model_validate(sample.design)
        for sample in await session.scalars(
            select(Sample).where(Sample.wave_id == wave.id, Sample.kind == "design")
        )
    }
    key = anonymise.purge_key()
    rows = await session.execute(
        select(*_INVITATION_VALUES).where(Invitation.wave_id == wave.id)
    )
    changes = []
    for row in rows:
        values = dict(zip(ATTRIBUTE_COLUMNS, row[4:], strict=True))
        changes.append(
            {
                "b_id": row.id,
                "b_attributes": anonymise.kept_attributes(
                    attributes=row.attributes or {},
                    values=values,
                    design=designs.get(row.sample_id),
                    key=key,
                ),
                "b_reason": anonymise.reply_code(row.undeliverable_reason),
            }
        )
    if not changes:
        return
    statement = (
        update(INVITATIONS)
        .where(INVITATIONS.c.id == bindparam("b_id"))
        .values(
            organisation=None,
            organisation_code=None,
            attributes=bindparam("b_attributes"),
            undeliverable_reason=bindparam("b_reason"),
        )
    )
    connection = await session.connection()
    for start in range(0, len(changes), 5000):
        await connection.execute(statement, changes[start : start + 5000])


@dataclass(frozen=True)
class Purge:
    contacts: int
    invitations: int
    rejections: int
    caught_mails: int = 0


async def purge_contacts(
    session: AsyncSession,
    *,
    wave: Wave,
    actor: Actor,
    reason: str = "handmatig",
    caught_mails: int,
) -> Purge:
    """Delete a wave's contact data for good, after fieldwork.

    Names and addresses go (the ``contacts`` rows and rejected-file reports
    that quote them); invitations lose their contact and what identifies a
    person through them (organisation name and code, free address-file
    attributes: see ``anonymise``) but keep the attributes response rates,
    weights and the monitor need, so those and the draw summaries stay.
    Logged in the audit log; afterwards the wave accepts no new address files.

    The samples part of the purge: ``app/flows/purging.py`` calls it after
    mailings removed the mail traces that quote addresses (``caught_mails``
    copies, counted in the audit entry), all in one transaction.
    """
    wave = await lock_wave(session, wave)
    detached = await session.execute(
        update(Invitation)
        .where(Invitation.wave_id == wave.id, Invitation.contact_id.is_not(None))
        .values(contact_id=None)
        .execution_options(synchronize_session=False)
    )
    await _anonymise_invitations(session, wave=wave)
    removed = await session.execute(
        delete(Contact)
        .where(Contact.wave_id == wave.id)
        .execution_options(synchronize_session=False)
    )
    reports = await session.execute(
        delete(FrameRejection)
        .where(FrameRejection.wave_id == wave.id)
        .execution_options(synchronize_session=False)
    )
    result = Purge(
        contacts=removed.rowcount or 0,  # type: ignore[attr-defined]
        invitations=detached.rowcount or 0,  # type: ignore[attr-defined]
        rejections=reports.rowcount or 0,  # type: ignore[attr-defined]
        caught_mails=caught_mails,
    )
    wave.contacts_purged_at = utcnow()
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="wave.purge_contacts",
        target=wave.slug,
        details={"contacts": result.contacts, "invitations": result.invitations,
                 "rejected_files": result.rejections,
                 "caught_mails": result.caught_mails, "reason": reason},
    )  # fmt: skip
    return result
