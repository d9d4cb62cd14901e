"""Report tables of a wave: the export's frame through the exports service, then the pure core.

The definition file is chosen by the edition (default: the label of the
newest questionnaire version in the export, e.g. ``reports/officials/2024.yaml``)
and checked against the variables of the export actually read, so a table
never silently reads a column that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import frames as exports_frames
from app.exports import service as exports_service
from app.exports.schemas import ExportFormat, ExportRequest
from app.reports import compute, reference
from app.reports.catalog import catalog_from_layout
from app.reports.errors import ReportDefinitionErrors, ReportOptionsError
from app.reports.loader import REPORTS_DIR, LoadedReport, check, parse
from app.reports.model import ReportTable
from app.staff.schemas import StaffContext


@dataclass(frozen=True)
class ReportResult:
    tables: list[ReportTable]
    wave: str
    questionnaire: str
    edition: int
    definition_file: str
    weighting: dict[str, Any]
    """The export's weighting (method, population source, warnings), to show beside the tables."""


def available_editions(questionnaire: str, root: Path = REPORTS_DIR) -> list[int]:
    folder = root / questionnaire
    if not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit())


def load_definition(
    questionnaire: str, edition: int, root: Path = REPORTS_DIR
) -> LoadedReport:
    path = root / questionnaire / f"{edition}.yaml"
    if not path.is_file():
        known = ", ".join(map(str, available_editions(questionnaire, root))) or "geen"
        raise ReportOptionsError(
            f"Geen tabeldefinities voor {questionnaire} {edition} (beschikbaar: {known})."
        )
    return parse(path.read_bytes(), str(path))


def thresholds(settings: Settings) -> compute.Thresholds:
    return compute.Thresholds(
        min_n=settings.report_min_n, min_cell=settings.disclosure_k
    )


async def compute_report(
    session: AsyncSession,
    *,
    wave: str,
    questionnaire: str,
    settings: Settings,
    actor: StaffContext | str,
    edition: int | None = None,
    include_partial: bool = False,
    root: Path = REPORTS_DIR,
) -> ReportResult:
    """Every table of the edition's definition file, computed on the wave's export."""
    if edition is None:
        editions = available_editions(questionnaire, root)
        if not editions:
            raise ReportOptionsError(f"Geen tabeldefinities voor {questionnaire}.")
        edition = editions[-1]
    loaded = load_definition(questionnaire, edition, root)
    definition = loaded.definition
    request = ExportRequest(
        wave=wave,
        questionnaire=questionnaire,
        format=ExportFormat.csv,
        include_partial=include_partial,
        versions=definition.versions,
    )
    # the export's audit entry names what the data were read for
    audited = f"{actor} (rapporttabellen)" if isinstance(actor, str) else actor
    plan = await exports_service.prepare_export(session, request=request, actor=audited)
    exported = await exports_frames.load_frame(session, plan)
    catalog = catalog_from_layout(exported.layout)
    problems = check(loaded, catalog)
    if problems:
        raise ReportDefinitionErrors(problems)
    ref = reference.load(definition.reference) if definition.reference else None
    tables = compute.compute_tables(
        exported.frame,
        definition,
        catalog,
        reference=ref,
        thresholds=thresholds(settings),
    )
    return ReportResult(
        tables,
        plan.wave,
        questionnaire,
        edition,
        loaded.source.file,
        exported.weighting,
    )


async def compute_tables(
    session: AsyncSession,
    *,
    wave: str,
    questionnaire: str,
    settings: Settings,
    actor: StaffContext | str,
    edition: int | None = None,
) -> list[ReportTable]:
    result = await compute_report(
        session,
        wave=wave,
        questionnaire=questionnaire,
        settings=settings,
        actor=actor,
        edition=edition,
        root=settings.reports_dir,
    )
    return result.tables
