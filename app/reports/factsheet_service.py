"""The factsheet of one tier of a wave: its tables computed, its sentences filled, HTML or PDF.

The definition file carries the provincial factsheet's tables (ids
``factsheet_provincie_*``, bases ``provincie`` and ``provincie_victims``);
``tier_definition`` makes the same tables for any tier by swapping the base,
so the three factsheets are one set of definitions. Earlier editions are kept
only where the reference series has the tier's own values (a provincial series
never stands in for another tier's). Then the pure core computes the tables on
the wave's export (through the same steps as ``service.compute_report``), and
:func:`app.reports.factsheet.build_factsheet` writes the sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio
import numpy as np
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import frames as exports_frames
from app.exports import service as exports_service
from app.exports.schemas import ExportFormat, ExportRequest
from app.reports import compute, reference, service
from app.reports.catalog import catalog_from_layout
from app.reports.comparison import kish_effective_n
from app.reports.definition import Base, Condition, ReportFile, TableDef
from app.reports.errors import ReportDefinitionErrors, ReportOptionsError
from app.reports.factsheet import TIERS, Factsheet, FactsheetSpec, build_factsheet
from app.reports.loader import check
from app.reports.pdf import html_to_pdf
from app.staff.schemas import StaffContext

TEMPLATE_TIER = "provincie"
"""The tier whose factsheet tables the definition file spells out."""


def tier_definition(
    definition: ReportFile, tier: str, *, ref: reference.Reference | None
) -> ReportFile:
    """Only the factsheet's tables, made for ``tier`` from the provincial ones."""
    if tier not in TIERS:
        raise ReportOptionsError(
            f"Onbekende bestuurslaag ‘{tier}’; kies uit {', '.join(TIERS)}."
        )
    prefix = f"factsheet_{TEMPLATE_TIER}_"
    shared = [
        t
        for t in definition.tables
        if t.id.startswith("factsheet_") and not t.id.startswith(prefix)
    ]
    own = [t for t in definition.tables if t.id.startswith(prefix)]
    if not own:
        raise ReportOptionsError(
            "De tabeldefinities bevatten geen factsheettabellen (factsheet_provincie_…)."
        )
    if tier == TEMPLATE_TIER:
        return definition.model_copy(update={"tables": (*own, *shared)})
    plural = TIERS[tier].plural
    bases = dict(definition.bases)
    for name, base in definition.bases.items():
        if name == TEMPLATE_TIER or name.startswith(f"{TEMPLATE_TIER}_"):
            bases[tier + name.removeprefix(TEMPLATE_TIER)] = Base(
                label=base.label.replace("provincies", plural),
                where=tuple(
                    Condition(variable="tier", values=(tier,))
                    if c.variable == "tier"
                    else c
                    for c in base.where
                ),
            )
    tables: list[TableDef] = []
    for table in own:
        new_id = table.id.replace(prefix, f"factsheet_{tier}_")
        base_name = table.base
        if base_name == TEMPLATE_TIER or base_name.startswith(f"{TEMPLATE_TIER}_"):
            base_name = tier + base_name.removeprefix(TEMPLATE_TIER)
        # the tier's own earlier figures, as far as the reference series has them
        editions = _reference_editions(ref, new_id, before=definition.edition)
        tables.append(
            table.model_copy(
                update={
                    "id": new_id,
                    "base": base_name,
                    "title": table.title.replace("provincies", plural),
                    "number": table.number.replace("provincies", plural),
                    "editions": editions,
                }
            )
        )
    return definition.model_copy(update={"bases": bases, "tables": (*tables, *shared)})


def _reference_editions(
    ref: reference.Reference | None, table: str, *, before: int
) -> tuple[int, ...]:
    if ref is None:
        return ()
    return tuple(sorted({k[3] for k in ref.values if k[0] == table and k[3] < before}))


@dataclass(frozen=True)
class FactsheetResult:
    sheet: Factsheet
    wave: str
    questionnaire: str
    edition: int


async def compute_factsheet(
    session: AsyncSession,
    *,
    wave: str,
    questionnaire: str,
    tier: str,
    settings: Settings,
    actor: StaffContext | str,
    edition: int | None = None,
    root: Path | None = None,
) -> FactsheetResult:
    root = root or settings.reports_dir
    if tier not in TIERS:
        raise ReportOptionsError(
            f"Onbekende bestuurslaag ‘{tier}’; kies uit {', '.join(TIERS)}."
        )
    if edition is None:
        editions = service.available_editions(questionnaire, root)
        if not editions:
            raise ReportOptionsError(f"Geen tabeldefinities voor {questionnaire}.")
        edition = editions[-1]
    loaded = service.load_definition(questionnaire, edition, root)
    ref = (
        reference.load(loaded.definition.reference)
        if loaded.definition.reference
        else None
    )
    definition = tier_definition(loaded.definition, tier, ref=ref)
    request = ExportRequest(
        wave=wave,
        questionnaire=questionnaire,
        format=ExportFormat.csv,
        versions=definition.versions,
    )
    plan = await exports_service.prepare_export(session, request=request, actor=actor)
    exported = await exports_frames.load_frame(session, plan)
    catalog = catalog_from_layout(exported.layout)
    problems = check(loaded, catalog)
    if problems:
        raise ReportDefinitionErrors(problems)
    data = compute.Frame(exported.frame, catalog)
    tables = {
        t.id: compute.compute_table(
            data,
            definition,
            t,
            reference=ref,
            thresholds=service.thresholds(settings),
        )
        for t in definition.tables
    }
    spec = FactsheetSpec()
    sheet = build_factsheet(
        tables,
        tier=tier,
        edition=definition.edition,
        spec=spec,
        n_effective=_effective_n_per_tier(data, definition, spec),
    )
    return FactsheetResult(sheet, plan.wave, questionnaire, definition.edition)


def _effective_n_per_tier(
    data: compute.Frame, definition: ReportFile, spec: FactsheetSpec
) -> dict[str, float]:
    """Kish's effective n of the victims' share per tier, for the tests the
    sentences rest on (the same n the engine's own tests use)."""
    table = next((t for t in definition.tables if t.id == spec.tiers), None)
    if table is None or not table.rows:
        return {}
    base = data.where(definition.bases[table.base].where)
    valid = data.valid(table.rows[0].variable)
    out: dict[str, float] = {}
    for tier in TIERS:
        mask = base & valid & data.holds(Condition(variable="tier", values=(tier,)))
        weights = data.w[mask]
        if np.count_nonzero(weights):
            out[tier] = kish_effective_n(weights.tolist())
    return out


def render_html(
    env: Environment,
    sheet: Factsheet,
    *,
    for_pdf: bool,
    source: str,
    back_url: str = "",
    pdf_url: str = "",
) -> str:
    return env.get_template("reports/factsheet.html").render(
        sheet=sheet, for_pdf=for_pdf, source=source, back_url=back_url, pdf_url=pdf_url
    )


async def render_pdf(env: Environment, sheet: Factsheet, *, source: str) -> bytes:
    html = render_html(env, sheet, for_pdf=True, source=source)
    return await anyio.to_thread.run_sync(html_to_pdf, html)
