"""Exports: plan an export (validate, lay out, log) and keep population counts.

``prepare_export`` does everything that can fail for a reason the analyst can
fix (unknown wave or version, too many rows for Excel, a questionnaire that
cannot be laid out) *before* a download starts; ``app.exports.runner`` then
only reads and writes. Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.exports import queries
from app.exports.encode import fixed_variables
from app.exports.errors import ExportOptionsError
from app.exports.layout import Layout, build_layout
from app.exports.models import PopulationCount
from app.exports.paradata import paradata_variables
from app.exports.rotation import rotation_variables
from app.exports.schemas import ExportFormat, ExportRequest
from app.exports.schemes import POPULATION_VALUES, Population, Scheme, scheme_for
from app.exports.writers.xlsx import MAX_ROWS
from app.questionnaires import service as questionnaires_service
from app.questionnaires.models import QuestionnaireVersion
from app.samples import service as samples_service
from app.samples.models import Wave
from app.staff import service as staff_service
from app.staff.schemas import StaffContext

MAX_POPULATION = 10_000_000


@dataclass(frozen=True)
class ExportPlan:
    request: ExportRequest
    wave: str
    wave_name: str
    selection: queries.Selection
    layout: Layout
    version_index: dict[int, int]
    """questionnaire_versions.id → index in the layout's versions"""
    version_rows: tuple[dict[str, object], ...]
    scheme: Scheme
    rows: int
    data_as_of: dt.datetime | None
    k: int = 5
    """Disclosure threshold of the shareable file."""

    @property
    def filename(self) -> str:
        versions = "-".join(v.label for v in self.layout.versions)
        kind = "_deelbaar" if self.request.shareable else ""
        return f"{self.wave}_{self.selection.questionnaire}_{versions}{kind}.{self.request.format.extension}"

    @property
    def title(self) -> str:
        return f"{self.wave_name} – {self.selection.questionnaire}"


async def list_versions(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> list[queries.VersionCount]:
    return await queries.versions_with_responses(
        session, wave_id=wave.id, questionnaire=questionnaire
    )


async def prepare_export(
    session: AsyncSession,
    *,
    request: ExportRequest,
    actor: StaffContext | str,
    k: int = 5,
) -> ExportPlan:
    """Check the request, lay out the columns, count the rows and log the export.

    Refuses (``ExportOptionsError``) an unknown wave, a questionnaire the wave
    did not field, versions without responses in the wave, and more rows than
    Excel holds. The audit entry names the actor, the options and the row count.
    """
    wave = await samples_service.require_wave(session, request.wave)
    fielded = await samples_service.get_wave_questionnaire(
        session, wave_id=wave.id, questionnaire=request.questionnaire
    )
    if fielded is None:
        raise ExportOptionsError(
            f"Vragenlijst '{request.questionnaire}' is in wave '{wave.slug}' niet uitgezet."
        )
    counts = await list_versions(
        session, wave=wave, questionnaire=request.questionnaire
    )
    versions = await _choose_versions(session, request, counts, fielded.version_id)
    selection = queries.Selection(
        wave.id,
        request.questionnaire,
        tuple(v.id for v in versions),
        request.include_partial,
    )
    rows, latest = await queries.summary(session, selection)
    if request.format is ExportFormat.xlsx and rows > MAX_ROWS:
        raise ExportOptionsError(
            f"Excel houdt hoogstens {MAX_ROWS} rijen; deze export heeft er {rows}. Kies CSV, SPSS of Parquet."
        )
    scheme = scheme_for(request.questionnaire)
    labels = [v.version for v in versions]
    compiled_versions = [questionnaires_service.compiled_version(v) for v in versions]
    layout = build_layout(
        compiled_versions,
        fixed=[
            *fixed_variables(labels, weight_label=f"Weegfactor: {scheme.title}"),
            *paradata_variables(compiled_versions),
            *rotation_variables(compiled_versions),
        ],
    )
    by_id = {c.version.id: c for c in counts}
    version_rows = tuple(
        {
            "code": i + 1,
            "label": v.version,
            "content_hash": v.content_hash,
            "respondents": (
                by_id[v.id].complete
                + (by_id[v.id].partial if request.include_partial else 0)
            )
            if v.id in by_id
            else 0,
        }
        for i, v in enumerate(versions)
    )
    await staff_service.record_audit(
        session,
        actor=actor,
        action="export.download",
        target=f"{wave.slug}/{request.questionnaire}",
        details={
            "format": request.format.value,
            "versions": labels,
            "include_partial": request.include_partial,
            "separator": request.separator,
            "rows": rows,
            "kind": "shareable" if request.shareable else "working",
            "k": k if request.shareable else None,
        },
    )
    return ExportPlan(
        request,
        wave.slug,
        wave.name,
        selection,
        layout,
        {v.id: i for i, v in enumerate(versions)},
        version_rows,
        scheme,
        rows,
        latest,
        k,
    )


async def _choose_versions(
    session: AsyncSession,
    request: ExportRequest,
    counts: list[queries.VersionCount],
    current_id: int | None,
) -> list[QuestionnaireVersion]:
    available = [c.version for c in counts]
    if current_id is not None and current_id not in {v.id for v in available}:
        current = await session.get(QuestionnaireVersion, current_id)
        if current is not None:
            available.append(current)
    if not request.versions:
        # every version with responses; the wave's current one if nobody responded yet
        chosen = [c.version for c in counts] or available
        if not chosen:
            raise ExportOptionsError(
                "Er is nog geen vragenlijstversie voor deze wave gekozen."
            )
        return chosen
    by_label = {v.version: v for v in available}
    unknown = [label for label in request.versions if label not in by_label]
    if unknown:
        known = ", ".join(by_label) or "geen"
        raise ExportOptionsError(
            f"Versie(s) {', '.join(unknown)} hebben geen responsen in deze wave (beschikbaar: {known})."
        )
    wanted = set(request.versions)
    return [v for v in available if v.version in wanted]


# --- Population counts ----------------------------------------------------------------


async def population_counts(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> dict[str, dict[str, int]]:
    """Counts entered by staff: variable → value → count."""
    rows = await session.scalars(
        select(PopulationCount)
        .where(
            PopulationCount.wave_id == wave.id,
            PopulationCount.questionnaire == questionnaire,
        )
        .order_by(PopulationCount.variable, PopulationCount.value)
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row.variable, {})[row.value] = row.count
    return counts


async def set_population_counts(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    counts: dict[str, dict[str, int | None]],
    actor: StaffContext | str,
) -> dict[str, dict[str, int]]:
    """Replace the entered counts named in ``counts`` (``None`` clears one).

    Refuses variables the questionnaire's weighting does not use, unknown
    values and counts outside 0..10,000,000, all before changing anything.
    """
    scheme = scheme_for(questionnaire)
    errors = []
    for variable, values in counts.items():
        if variable not in scheme.variables:
            errors.append(
                f"'{variable}' wordt voor {questionnaire} niet gebruikt bij de weging"
            )
            continue
        for value, count in values.items():
            if value not in POPULATION_VALUES[variable]:
                errors.append(f"onbekende waarde '{value}' voor {variable}")
            elif count is not None and not 0 <= count <= MAX_POPULATION:
                errors.append(
                    f"{variable} {value}: aantal moet tussen 0 en {MAX_POPULATION} liggen"
                )
    if errors:
        raise ExportOptionsError(
            "Populatieaantallen niet opgeslagen: " + "; ".join(errors) + "."
        )
    name = actor if isinstance(actor, str) else actor.email
    for variable, values in counts.items():
        for value, count in values.items():
            await session.execute(
                delete(PopulationCount).where(
                    PopulationCount.wave_id == wave.id,
                    PopulationCount.questionnaire == questionnaire,
                    PopulationCount.variable == variable,
                    PopulationCount.value == value,
                )
            )
            if count is not None:
                session.add(
                    PopulationCount(
                        wave_id=wave.id,
                        questionnaire=questionnaire,
                        variable=variable,
                        value=value,
                        count=count,
                        updated_at=utcnow(),
                        updated_by=name,
                    )
                )
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="export.population",
        target=f"{wave.slug}/{questionnaire}",
        details={"counts": {k: dict(v) for k, v in counts.items()}},
    )
    return await population_counts(session, wave=wave, questionnaire=questionnaire)


ENTERED = "ingevoerd"
"""Set or confirmed by staff (``population set`` / ``population confirm``)."""
FRAME = "adresbestand"
"""Derived from the frame the wave's draw selected from, not yet confirmed."""
SAMPLE = "steekproef"
"""No frame counts: the wave's invitations stand in for the population."""

SOURCE_WORDS = {
    ENTERED: "ingevoerd of bevestigd door medewerkers",
    FRAME: "uit het adresbestand (niet bevestigd)",
    SAMPLE: "uit de steekproef (uitnodigingen; geen adresbestand, niet bevestigd)",
}


@dataclass(frozen=True)
class Unconfirmed:
    variable: str
    value: str
    count: int
    source: str


@dataclass(frozen=True)
class ResolvedPopulation:
    """The counts an export weights to, where each came from, and which it uses.

    Counts are *confirmed* when staff entered them or confirmed them; counts
    derived automatically (from the frame, or the sample when there is no
    frame) are not. An export whose weights use an unconfirmed count says so.
    """

    counts: Population
    origin: dict[str, dict[str, str]]
    """variable → value → ENTERED, FRAME or SAMPLE"""
    used: tuple[tuple[str, str], ...] = ()
    """(variable, value) of every count the weighting uses."""

    @property
    def sources(self) -> dict[str, str]:
        """Per variable the source of its counts (several: joined with ' en ')."""
        return {
            var: " en ".join(sorted(set(values.values())))
            for var, values in self.origin.items()
            if values
        }

    @property
    def unconfirmed(self) -> list[Unconfirmed]:
        return [
            Unconfirmed(var, value, int(self.counts[var][value]), source)
            for var, value in self.used
            if (source := self.origin[var][value]) != ENTERED
        ]

    @property
    def confirmed(self) -> bool:
        """No count the weighting uses is unconfirmed (true for unweighted exports)."""
        return not self.unconfirmed

    def warning(self) -> str | None:
        """One Dutch sentence for the codebook, the CLI and the staff page."""
        missing = self.unconfirmed
        if not missing:
            return None
        sample = [m for m in missing if m.source == SAMPLE]
        listed = ", ".join(
            f"{m.variable} {m.value} {m.count:,}".replace(",", ".") for m in missing
        )
        text = (
            "De weging rust op populatieaantallen die niemand heeft bevestigd ("
            + listed
            + "). "
        )
        if sample:
            text += (
                "Voor "
                + ", ".join(f"{m.variable} {m.value}" for m in sample)
                + " is er geen adresbestand: de steekproef (het aantal uitnodigingen) "
                "staat voor de populatie, wat alleen klopt als iedereen is uitgenodigd. "
            )
        else:
            text += "Ze komen uit het adresbestand van de steekproeftrekking. "
        return text + (
            "Controleer ze en bevestig ze (veldwerk population confirm, of de knop "
            "op de pagina Populatieaantallen), of voer de juiste aantallen in "
            "(veldwerk population set)."
        )


async def resolve_population(
    session: AsyncSession, *, wave_id: int, questionnaire: str, scheme: Scheme
) -> ResolvedPopulation:
    """Per value: the count staff entered or confirmed, else the frame's, else the sample's.

    The frame is the address file the wave's draw selected from (its counts
    are stored with the draw, ``samples_service.frame_population``): for a
    census stratum that is everybody invited, for a cluster or random sample
    the whole stratum of which a part was invited. Only a questionnaire
    without a draw (panel links) falls back to its invitations.
    """
    entered: dict[str, dict[str, int]] = {}
    rows = await session.scalars(
        select(PopulationCount).where(
            PopulationCount.wave_id == wave_id,
            PopulationCount.questionnaire == questionnaire,
        )
    )
    for row in rows:
        entered.setdefault(row.variable, {})[row.value] = row.count
    frame = await samples_service.frame_population(
        session, wave_id=wave_id, questionnaire=questionnaire
    )
    counts: dict[str, dict[str, float]] = {}
    origin: dict[str, dict[str, str]] = {}
    for variable in scheme.variables:
        found: dict[str, float] = {}
        where: dict[str, str] = {}
        derived = frame.get(variable)
        source = FRAME
        if not derived:
            derived = await queries.frame_counts(
                session, wave_id=wave_id, questionnaire=questionnaire, variable=variable
            )
            source = SAMPLE
        for value, n in derived.items():
            if value in POPULATION_VALUES.get(variable, {}):
                found[value], where[value] = float(n), source
        for value, n in entered.get(variable, {}).items():
            found[value], where[value] = float(n), ENTERED
        if found:
            counts[variable], origin[variable] = found, where
    return ResolvedPopulation(counts, origin, tuple(scheme.used(counts)))


async def confirm_population(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    actor: StaffContext | str,
) -> list[Unconfirmed]:
    """Store the automatically derived counts the weighting uses as confirmed.

    Returns what was confirmed (nothing when all were confirmed already).
    Staff confirm that the frame is the population; wrong counts are corrected
    with ``set_population_counts`` instead.
    """
    scheme = scheme_for(questionnaire)
    resolved = await resolve_population(
        session, wave_id=wave.id, questionnaire=questionnaire, scheme=scheme
    )
    pending = resolved.unconfirmed
    if not pending:
        return []
    counts: dict[str, dict[str, int | None]] = {}
    for item in pending:
        counts.setdefault(item.variable, {})[item.value] = item.count
    await set_population_counts(
        session, wave=wave, questionnaire=questionnaire, counts=counts, actor=actor
    )
    return pending


# --- What the staff pages show --------------------------------------------------------


@dataclass(frozen=True)
class ExportChoices:
    """The export page's form: waves, the chosen wave's questionnaires and versions."""

    waves: list[Wave]
    wave: Wave | None
    questionnaires: list[str]
    questionnaire: str | None
    versions: list[queries.VersionCount]
    scheme: Scheme | None
    population: ResolvedPopulation | None


async def export_choices(
    session: AsyncSession, *, wave: str | None, questionnaire: str | None
) -> ExportChoices:
    waves = await samples_service.list_waves(session)
    chosen = next((w for w in waves if w.slug == wave), None)
    if chosen is None:
        return ExportChoices(waves, None, [], None, [], None, None)
    fielded = [
        wq.questionnaire
        for wq in await samples_service.wave_questionnaires(session, wave=chosen)
    ]
    if questionnaire not in fielded:
        return ExportChoices(waves, chosen, fielded, None, [], None, None)
    assert questionnaire is not None
    scheme = scheme_for(questionnaire)
    population = await resolve_population(
        session, wave_id=chosen.id, questionnaire=questionnaire, scheme=scheme
    )
    versions = await list_versions(session, wave=chosen, questionnaire=questionnaire)
    return ExportChoices(
        waves, chosen, fielded, questionnaire, versions, scheme, population
    )


@dataclass(frozen=True)
class PopulationRow:
    variable: str
    value: str
    label: str
    entered: int | None
    """Set or confirmed by staff."""
    frame: int | None
    """In the address file the draw selected from (None: no frame counts)."""
    invited: int
    """Invitations of the wave (the sample)."""
    source: str | None
    """Where the count the export uses comes from (None: no count)."""
    used: bool
    """Whether the weighting uses this count."""


async def population_overview(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> list[PopulationRow]:
    """Every count the questionnaire's weighting can use: entered, frame, sample."""
    scheme = scheme_for(questionnaire)
    entered = await population_counts(session, wave=wave, questionnaire=questionnaire)
    frame = await samples_service.frame_population(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    resolved = await resolve_population(
        session, wave_id=wave.id, questionnaire=questionnaire, scheme=scheme
    )
    used = set(resolved.used)
    rows: list[PopulationRow] = []
    for variable in scheme.variables:
        invited = await queries.frame_counts(
            session, wave_id=wave.id, questionnaire=questionnaire, variable=variable
        )
        in_frame = frame.get(variable)
        rows += [
            PopulationRow(
                variable,
                value,
                label,
                entered.get(variable, {}).get(value),
                None if not in_frame else in_frame.get(value, 0),
                invited.get(value, 0),
                resolved.origin.get(variable, {}).get(value),
                (variable, value) in used,
            )
            for value, label in POPULATION_VALUES[variable].items()
        ]
    return rows
