"""Drawing samples (preview, then draw), summaries, panel links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import Conflict, InvalidInput
from app.params import IdPath
from app.samples import catalogue, reports, service
from app.samples.deps import WaveDep
from app.samples.design import PRESET_LABELS, PRESETS, design_json, parse_design
from app.samples.models import Wave
from app.staff import service as staff_service
from app.staff.deps import FieldworkDep, StaffDep
from app.staff.models import Role
from app.staff.schemas import StaffContext
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()


async def _draw_page(
    request: Request,
    session: SessionDep,
    staff: StaffContext,
    wave: Wave,
    form: dict[str, Any],
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    overview = await service.wave_overview(session, wave=wave)
    return render(
        request,
        "samples/draw.html",
        {
            "staff": staff,
            "wave": wave,
            "questionnaires": [q.questionnaire for q in overview.questionnaires],
            "presets": PRESET_LABELS,
            "form": form,
            **extra,
        },
        status_code=status_code,
    )


@router.get("/waves/{slug}/samples/new", name="new_sample")
async def new_sample(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    questionnaire: str = "officials",
    preset: str = "",
) -> Response:
    chosen = preset if preset in PRESETS else f"{questionnaire}-2024"
    design = PRESETS.get(chosen, PRESETS["census"])
    form = {
        "questionnaire": questionnaire,
        "preset": chosen,
        "design": design_json(design),
        "seed": str(service.new_seed()),
        "name": "",
    }
    return await _draw_page(request, session, staff, wave, form)


@router.post("/waves/{slug}/samples")
async def draw_sample(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    questionnaire: Annotated[str, Form(max_length=32)],
    design: Annotated[str, Form(max_length=100_000)],
    seed: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=200)] = "",
    action: Annotated[str, Form(max_length=10)] = "preview",
) -> Response:
    form = {
        "questionnaire": questionnaire,
        "design": design,
        "seed": seed,
        "name": name,
    }
    try:
        if not seed.strip().isdigit():
            raise InvalidInput("Het startgetal (seed) is een geheel getal.")
        parsed = parse_design(design)
    except ValueError as exc:
        return await _draw_page(
            request, session, staff, wave, form, status_code=422,
            error=f"Steekproefontwerp: {exc}",
        )  # fmt: skip
    except InvalidInput as exc:
        return await _draw_page(
            request, session, staff, wave, form, status_code=422, error=exc.message
        )
    dry_run = action != "draw"
    try:
        result = await service.draw_sample(
            session, settings, wave=wave, questionnaire=questionnaire, design=parsed,
            seed=int(seed), name=name, actor=staff, dry_run=dry_run,
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return await _draw_page(
            request, session, staff, wave, form, status_code=exc.status_code,
            error=exc.message,
        )  # fmt: skip
    if result.sample is None:
        return await _draw_page(
            request, session, staff, wave, form, preview=result.summary
        )
    return hx_redirect(request, f"/staff/waves/{wave.slug}/samples/{result.sample.id}")


@router.get("/waves/{slug}/samples/{sample_id}", name="sample")
async def show_sample(
    request: Request,
    session: SessionDep,
    staff: StaffDep,
    wave: WaveDep,
    sample_id: IdPath,
) -> Response:
    sample = await service.require_sample(session, wave=wave, sample_id=sample_id)
    return render(
        request,
        "samples/sample.html",
        {
            "staff": staff,
            "wave": wave,
            "sample": sample,
            "design": design_json(sample.design),
            "catalogue": catalogue,
            "Role": Role,
        },
    )


@router.post("/waves/{slug}/samples/{sample_id}/verify")
async def verify_sample(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    sample_id: IdPath,
) -> Response:
    sample = await service.require_sample(session, wave=wave, sample_id=sample_id)
    check = await service.verify_sample(session, settings, sample=sample)
    return render(
        request,
        "samples/sample.html",
        {
            "staff": staff,
            "wave": wave,
            "sample": sample,
            "design": design_json(sample.design),
            "catalogue": catalogue,
            "Role": Role,
            "check": check,
        },
    )


@router.get("/waves/{slug}/panel-links", name="panel_links")
async def panel_links_form(
    request: Request, session: SessionDep, staff: FieldworkDep, wave: WaveDep
) -> Response:
    overview = await service.wave_overview(session, wave=wave)
    return render(
        request,
        "samples/panel_links.html",
        {
            "staff": staff,
            "wave": wave,
            "questionnaires": [q.questionnaire for q in overview.questionnaires],
            "tiers": catalogue.TIERS,
            "panels": catalogue.PANELS,
            "batches": [s for s in overview.samples if s.kind == "panel_links"],
            "form": {
                "questionnaire": "employees",
                "panel": "flitspanel",
                "count": "400",
            },
        },
    )


@router.post("/waves/{slug}/panel-links")
async def create_panel_links(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    questionnaire: Annotated[str, Form(max_length=32)],
    panel: Annotated[str, Form(max_length=64)],
    tier: Annotated[str, Form(max_length=32)],
    count: Annotated[int, Form(ge=1, le=100_000)],
    ballot: Annotated[bool, Form()] = False,
) -> Response:
    if (
        await service.get_wave_questionnaire(
            session, wave_id=wave.id, questionnaire=questionnaire
        )
        is None
    ):
        raise InvalidInput(f"Vragenlijst '{questionnaire}' hoort niet bij deze wave.")
    sample = await service.create_panel_links(
        session, settings, wave=wave, questionnaire=questionnaire, panel=panel,
        stratum=service.parse_stratum(f"tier={tier}"), count=count,
        drawn_by=staff.email, drawn_by_id=staff.id,
        assign={"ballot": ["a", "b"]} if ballot else None,
        batch_size=settings.samples.insert_batch_size,
    )  # fmt: skip
    await staff_service.record_audit(
        session, actor=staff, action="panel_links.issue",
        target=f"{wave.slug}/sample/{sample.id}", details={"count": count, "tier": tier},
    )  # fmt: skip
    return hx_redirect(request, f"/staff/waves/{wave.slug}/samples/{sample.id}")


@router.get("/waves/{slug}/samples/{sample_id}/links.csv")
async def download_links(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    sample_id: IdPath,
) -> Response:
    sample = await service.require_sample(session, wave=wave, sample_id=sample_id)
    if sample.kind != "panel_links":
        raise InvalidInput("Alleen panellinks zijn als bestand te downloaden.")
    await staff_service.record_audit(
        session, actor=staff, action="panel_links.download",
        target=f"{wave.slug}/sample/{sample.id}",
    )  # fmt: skip
    # Small (at most 100,000 rows) and derived with the key: built inside the
    # request's transaction, so a missing key is a clear error, not a cut file.
    rows = [row async for row in service.sample_links(session, settings, sample=sample)]
    body = reports.csv_text(rows)
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="links-{wave.slug}-{sample.id}.csv"'
        },
    )
