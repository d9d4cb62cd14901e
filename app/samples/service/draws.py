"""Drawing samples from a wave's frames, and the invitations they create.

The pure planner (``app.samples.sampling``) decides; this module feeds it the
population from the database twice (cell counts, then a stream in a stable
order) and bulk-inserts one invitation per sampled contact. A ``dry_run``
takes the same path without writing, so a preview shows exactly what a draw
with that seed will give.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.samples import sampling
from app.samples.design import SampleDesign
from app.samples.errors import InvalidDesign, QuestionnaireNotFielded, WavePurged
from app.samples.models import Contact, Frame, Invitation, Sample, Wave
from app.samples.service.frames import Actor, _actor_id, _actor_name
from app.samples.service.invitations import insert_invitations, invitation_row
from app.samples.service.waves import get_wave_questionnaire, lock_wave
from app.staff import service as staff_service

MAX_SEED = 2**53 - 1
_CELL_COLUMNS = (
    Contact.tier,
    Contact.function,
    Contact.organisation_code,
    Contact.organisation,
    Contact.panel,
    Contact.email_kind,
    Contact.gender,
)
_NAMES = tuple(c.key for c in _CELL_COLUMNS)


def new_seed() -> int:
    return secrets.randbelow(10**9)


@dataclass(frozen=True)
class Draw:
    sample: Sample | None
    """None for a dry run."""
    summary: dict[str, Any]


@dataclass(frozen=True)
class _Population:
    wave: Wave
    questionnaire: str
    design: SampleDesign
    frame_ids: list[int]
    before_sample: int | None = None
    """For a re-check: ignore invitations of this sample and later ones."""

    def frame(self) -> list[ColumnElement[bool]]:
        """Every contact of the frames, invited or not (the population)."""
        return [
            Contact.wave_id == self.wave.id,
            Contact.frame_id.in_(self.frame_ids or [-1]),
        ]

    def where(self) -> list[ColumnElement[bool]]:
        invited = exists().where(
            Invitation.contact_id == Contact.id,
            Invitation.questionnaire == self.questionnaire,
        )
        if self.before_sample is not None:
            invited = invited.where(
                or_(
                    Invitation.sample_id.is_(None),
                    Invitation.sample_id < self.before_sample,
                )
            )
        return [
            Contact.wave_id == self.wave.id,
            Contact.frame_id.in_(self.frame_ids or [-1]),
            ~invited,
        ]


async def draw_sample(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    questionnaire: str,
    design: SampleDesign,
    seed: int | None = None,
    name: str = "",
    actor: Actor,
    dry_run: bool = False,
) -> Draw:
    """Draw ``design`` for ``questionnaire`` and invite everyone drawn.

    The population is the wave's contacts from frames of the design's kind who
    have no invitation for this questionnaire yet (so a second draw adds to
    the first). Same population, design and seed give the same sample.
    """
    seed = new_seed() if seed is None else seed
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"Het startgetal (seed) ligt tussen 0 en {MAX_SEED}.")
    if not dry_run:  # a preview writes nothing and need not wait for others
        wave = await lock_wave(session, wave)
    if wave.contacts_purged_at is not None:
        raise WavePurged(wave.slug)
    if (
        await get_wave_questionnaire(
            session, wave_id=wave.id, questionnaire=questionnaire
        )
        is None
    ):
        raise QuestionnaireNotFielded(wave.slug, questionnaire)
    frame_ids = list(
        await session.scalars(
            select(Frame.id)
            .where(Frame.wave_id == wave.id, Frame.kind == design.frame_kind.value)
            .order_by(Frame.id)
        )
    )
    if not frame_ids:
        raise InvalidDesign(
            f"deze wave heeft nog geen adresbestand van de soort '{design.frame_kind.label}'"
        )
    population = _Population(wave, questionnaire, design, frame_ids)
    sample = None
    if not dry_run:
        sample = Sample(
            wave_id=wave.id, questionnaire=questionnaire, kind="design",
            name=(name.strip() or f"Steekproef {questionnaire}")[:200],
            design=design.model_dump(mode="json"), seed=seed, summary={},
            drawn_by=_actor_name(actor), drawn_by_id=_actor_id(actor),
        )  # fmt: skip
        session.add(sample)
        await session.flush()
    summary = await _run(session, settings, population, seed, sample)
    summary["frames"] = frame_ids
    if sample is not None:
        sample.summary = summary
        sample.population = summary["population"]
        sample.sampled = summary["sampled"]
        await session.flush()
        await staff_service.record_audit(
            session, actor=actor, action="sample.draw", target=f"{wave.slug}/sample/{sample.id}",
            details={"questionnaire": questionnaire, "seed": seed, "sampled": sample.sampled},
        )  # fmt: skip
    return Draw(sample, summary)


async def _run(
    session: AsyncSession,
    settings: Settings,
    population: _Population,
    seed: int,
    sample: Sample | None,
) -> dict[str, Any]:
    design = population.design
    try:
        plan = sampling.plan_draw(design, await _cells(session, population), seed)
    except sampling.PlanError as exc:
        raise InvalidDesign(str(exc)) from exc
    sampled: Counter[str] = Counter()
    by_component: Counter[int] = Counter()
    streams = sampling.assigner(seed, design)
    batch: list[dict[str, Any]] = []
    now = utcnow()
    async for contact_id, found, attributes in _stream(session, population):
        values = sampling.with_function_type(found)
        owner = plan.decide(values)
        if owner is None:
            continue
        stratum = sampling.stratum_key(values, design.summary_by)
        sampled[stratum] += 1
        by_component[owner.index] += 1
        if sample is None:
            continue
        batch.append(
            invitation_row(
                settings, wave_id=population.wave.id, questionnaire=population.questionnaire,
                contact_id=contact_id, sample_id=sample.id, values={**values, "stratum": stratum},
                extra={**attributes, **sampling.assign_values(streams)}, now=now,
            )
        )  # fmt: skip
        if len(batch) >= settings.samples.insert_batch_size:
            await insert_invitations(session, batch)
            batch = []
    await insert_invitations(session, batch)
    summary = sampling.summarise(plan, sampled, by_component)
    summary["frame_counts"] = sampling.frame_counts(
        design, await _cells(session, population, whole_frame=True)
    )
    return summary


async def _cells(
    session: AsyncSession, population: _Population, *, whole_frame: bool = False
) -> list[sampling.Cell]:
    where = population.frame() if whole_frame else population.where()
    rows = await session.execute(
        select(*_CELL_COLUMNS, func.count()).where(*where).group_by(*_CELL_COLUMNS)
    )
    return [
        sampling.Cell(dict(zip(_NAMES, row[:-1], strict=True)), row[-1]) for row in rows
    ]


def _binary(session: AsyncSession, column: Any) -> Any:
    """Order by code points on both backends (PostgreSQL's locale collation
    would order differently from SQLite and make draws differ)."""
    dialect = session.get_bind().dialect.name
    return column.collate("C" if dialect == "postgresql" else "BINARY")


async def _stream(session: AsyncSession, population: _Population) -> Any:
    result = await session.stream(
        select(Contact.id, *_CELL_COLUMNS, Contact.attributes)
        .where(*population.where())
        .order_by(
            _binary(session, Contact.email),
            _binary(session, func.coalesce(Contact.name, "")),
            Contact.id,
        )
        .execution_options(yield_per=2000)
    )
    # Partitions: one hop into the driver per batch, not per row.
    async for partition in result.partitions():
        for row in partition:
            yield row[0], dict(zip(_NAMES, row[1:-1], strict=True)), row[-1] or {}


async def frame_population(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> dict[str, dict[str, int]]:
    """The population by tier, function and gender: the frame counts stored with
    the latest draw for ``questionnaire`` (they survive the contact purge).

    Draws made before frame counts were stored fall back to the strata of
    their summary (each stratum's frame count), for the fields the summary
    was given by. Empty when the questionnaire has no draw (panel links only).
    """
    samples = list(
        await session.scalars(
            select(Sample)
            .where(
                Sample.wave_id == wave_id,
                Sample.questionnaire == questionnaire,
                Sample.kind == "design",
            )
            .order_by(Sample.id.desc())
        )
    )
    for sample in samples:
        stored = (sample.summary or {}).get("frame_counts")
        if stored:
            return {k: {v: int(n) for v, n in c.items()} for k, c in stored.items()}
    for sample in samples:
        counts: dict[str, dict[str, int]] = {}
        for stratum in (sample.summary or {}).get("strata", []):
            for name, value in (stratum.get("values") or {}).items():
                if value and value != sampling.UNKNOWN:
                    found = counts.setdefault(name, {})
                    found[value] = found.get(value, 0) + int(stratum["population"])
        if counts:
            return counts
    return {}


async def list_samples(session: AsyncSession, *, wave: Wave) -> list[Sample]:
    return list(
        await session.scalars(
            select(Sample).where(Sample.wave_id == wave.id).order_by(Sample.id)
        )
    )


async def require_sample(
    session: AsyncSession, *, wave: Wave, sample_id: int
) -> Sample:
    sample = await session.get(Sample, sample_id)
    if sample is None or sample.wave_id != wave.id:
        raise NotFound("Deze steekproef bestaat niet.")
    return sample


@dataclass(frozen=True)
class Check:
    matches: bool
    redrawn: int
    stored: int
    missing: int
    """Contacts the re-draw selects that the stored sample lacks (and vice versa)."""


async def verify_sample(
    session: AsyncSession, settings: Settings, *, sample: Sample
) -> Check:
    """Draw again with the stored design and seed, over the frames of the
    original draw, and compare with the invitations the draw created."""
    wave = await session.get(Wave, sample.wave_id)
    assert wave is not None
    if sample.kind != "design":
        raise InvalidInput("Panellinks zijn niet getrokken; er is niets na te rekenen.")
    if wave.contacts_purged_at is not None:
        raise WavePurged(wave.slug)
    design = SampleDesign.model_validate(sample.design)
    population = _Population(
        wave,
        sample.questionnaire,
        design,
        list(sample.summary.get("frames", [])),
        sample.id,
    )
    plan = sampling.plan_draw(
        design, await _cells(session, population), sample.seed or 0
    )
    redrawn = set()
    async for contact_id, values, _ in _stream(session, population):
        if plan.decide(values) is not None:
            redrawn.add(contact_id)
    stored = set(
        await session.scalars(
            select(Invitation.contact_id).where(
                Invitation.sample_id == sample.id, Invitation.contact_id.is_not(None)
            )
        )
    )
    missing = len(redrawn ^ stored)
    return Check(missing == 0, len(redrawn), len(stored), missing)
