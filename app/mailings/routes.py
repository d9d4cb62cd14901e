"""Staff pages of the mailings domain (fieldwork manager role).

``/staff/waves/<slug>/mailings``: the calendar, the plan resolved into dates
with reach and warnings, scheduling, pause/resume, mails of unknown fate.
``/staff/waves/<slug>/mailings/<name>``: preview for a chosen invitation, test
mail, log. ``/staff/mail``: the built-in catcher's inbox. Mail HTML is shown
in its own sandboxed page (CSP ``sandbox``), framed by the staff page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.config import Settings
from app.db import SessionDep
from app.errors import AppError, InvalidInput
from app.mailings import composer, correction_routes
from app.mailings.delivery import service as delivery
from app.mailings.deps import MailingDep, WaveDep
from app.mailings.planning import queries, schemas, service
from app.mailings.planning.calendar import format_date_nl, format_moment_nl
from app.mailings.planning.progress import progress
from app.params import IdPath, IdQuery, PageQuery
from app.samples import catalogue
from app.samples.models import Wave
from app.staff.deps import FieldworkDep
from app.staff.schemas import StaffContext
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()

MAIL_HTML_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
WEEKDAYS = ((1, "ma"), (2, "di"), (3, "wo"), (4, "do"), (5, "vr"), (6, "za"), (7, "zo"))


def tier_names(tiers: Sequence[str | None]) -> str:
    return ", ".join(
        catalogue.TIERS.get(t, t) if t else "zonder bestuurslaag" for t in tiers
    )


def _plan_url(wave_slug: str, notice: str | None = None) -> str:
    url = f"/staff/waves/{wave_slug}/mailings"
    return url + (f"?melding={quote(notice)}" if notice else "")


async def _plan_page(
    request: Request,
    session: SessionDep,
    settings: Settings,
    *,
    wave: Wave,
    staff: StaffContext,
    error: str | None = None,
    form: dict[str, object] | None = None,
    status_code: int = 200,
    preview: tuple[str, schemas.Audience] | None = None,
) -> Response:
    plan = await service.resolve_wave_plan(session, wave=wave)
    preview_size = None
    if preview is not None:
        preview_size = await service.audience_size(
            session, wave=wave, questionnaire=preview[0], audience=preview[1]
        )
    calendar_row = await service.ensure_calendar(session, wave=wave)
    cal = plan.calendar
    holidays = sorted(
        (day, name)
        for day, name in cal.holidays.items()
        if (cal.opens_on is None or day >= cal.opens_on)
        and (cal.closes_on is None or day <= cal.closes_on)
    )
    return render(
        request,
        "mailings/plan.html",
        {
            "staff": staff,
            "wave": wave,
            "plan": plan,
            "calendar_row": calendar_row,
            "holidays": holidays,
            "recesses": await service.list_recesses(session, wave=wave),
            "unknown": await delivery.list_unknown(session, settings, wave=wave),
            "templates": {
                q: composer.available_templates(settings, q)
                for q in schemas.MAILED_QUESTIONNAIRES
            },
            "tiers": catalogue.TIERS,
            "functions": catalogue.FUNCTIONS,
            "weekdays": WEEKDAYS,
            "kind_labels": schemas.KIND_LABELS,
            "moment_nl": lambda at: format_moment_nl(at, cal.tz),
            "day_nl": format_date_nl,
            "tier_names": tier_names,
            "error": error,
            "notice": request.query_params.get("melding"),
            "form": form or {},
            "progress_sizes": await service.progress_overview(session, wave=wave),
            "progress_labels": schemas.PROGRESS_LABELS,
            "email_kinds": catalogue.EMAIL_KINDS,
            "genders": catalogue.GENDERS,
            "preview": preview,
            "preview_size": preview_size,
        },
        status_code=status_code,
    )


def _form_values(form: Any) -> dict[str, object]:
    """The form as the template prefills it: lists for the multi-choice fields."""
    values: dict[str, object] = {k: form.get(k) for k in form}
    for name in ("tiers", "functions", "progress", "email_kinds", "genders"):
        values[name] = [str(v) for v in form.getlist(name)]
    return values


@router.get("/waves/{slug}/mailings", name="mailing_plan")
async def show_plan(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    staff: FieldworkDep,
) -> Response:
    """The plan; with audience fields in the query (a suggestion from the
    monitor), the new-mailing form comes prefilled with that audience's size."""
    query = request.query_params
    if "questionnaire" not in query:
        return await _plan_page(request, session, settings, wave=wave, staff=staff)
    return await _preview_page(request, session, settings, wave, staff, query)


async def _preview_page(
    request: Request,
    session: SessionDep,
    settings: Settings,
    wave: Wave,
    staff: StaffContext,
    form: Any,
) -> Response:
    values = _form_values(form)
    try:
        questionnaire = str(form.get("questionnaire") or "")
        if questionnaire not in schemas.MAILED_QUESTIONNAIRES:
            raise ValueError(f"onbekende vragenlijst '{questionnaire}'")
        audience = schemas.audience_from_form(form)
    except (ValidationError, ValueError) as exc:
        return await _plan_page(
            request,
            session,
            settings,
            wave=wave,
            staff=staff,
            error=schemas.explain(exc),
            form=values,
            status_code=422,
        )
    return await _plan_page(
        request,
        session,
        settings,
        wave=wave,
        staff=staff,
        form=values,
        preview=(questionnaire, audience),
    )


@router.post("/waves/{slug}/mailings/omvang")
async def preview_audience(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    staff: FieldworkDep,
) -> Response:
    """'Omvang berekenen': the form as filled in, with its audience's size."""
    form = await request.form()
    return await _preview_page(request, session, settings, wave, staff, form)


@router.post("/waves/{slug}/mailings")
async def add_mailing(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    staff: FieldworkDep,
) -> Response:
    form = await request.form()
    try:
        data = schemas.mailing_from_form(form)
        mailing = await service.create_mailing(
            session, settings, wave=wave, data=data, actor=staff
        )
    except (ValidationError, ValueError) as exc:
        return await _plan_page(
            request,
            session,
            settings,
            wave=wave,
            staff=staff,
            error=schemas.explain(exc),
            form=_form_values(form),
            status_code=422,
        )
    except AppError as exc:
        return await _plan_page(
            request,
            session,
            settings,
            wave=wave,
            staff=staff,
            error=exc.message,
            form=_form_values(form),
            status_code=exc.status_code,
        )
    return hx_redirect(
        request,
        _plan_url(wave.slug, f"Mailing '{mailing.name}' toegevoegd als concept."),
    )


@router.post("/waves/{slug}/calendar")
async def update_calendar(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    staff: FieldworkDep,
) -> Response:
    try:
        data = schemas.calendar_from_form(await request.form())
    except (ValidationError, ValueError) as exc:
        return await _plan_page(
            request,
            session,
            settings,
            wave=wave,
            staff=staff,
            error=schemas.explain(exc),
            status_code=422,
        )
    await service.update_calendar(session, wave=wave, data=data, actor=staff)
    return hx_redirect(
        request, _plan_url(wave.slug, "Verzenddagen en -uren opgeslagen.")
    )


@router.post("/waves/{slug}/recesses")
async def add_recess(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    staff: FieldworkDep,
) -> Response:
    try:
        data = schemas.recess_from_form(await request.form())
        await service.add_recess(session, wave=wave, data=data, actor=staff)
    except (ValidationError, ValueError) as exc:
        return await _plan_page(
            request,
            session,
            settings,
            wave=wave,
            staff=staff,
            error=schemas.explain(exc),
            status_code=422,
        )
    except InvalidInput as exc:
        return await _plan_page(
            request,
            session,
            settings,
            wave=wave,
            staff=staff,
            error=exc.message,
            status_code=422,
        )
    return hx_redirect(
        request, _plan_url(wave.slug, f"Reces '{data.name}' toegevoegd.")
    )


@router.post("/waves/{slug}/recesses/{recess_id}/delete")
async def delete_recess(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    staff: FieldworkDep,
    recess_id: IdPath,
) -> Response:
    await service.delete_recess(session, wave=wave, recess_id=recess_id, actor=staff)
    return hx_redirect(request, _plan_url(wave.slug, "Reces verwijderd."))


@router.post("/waves/{slug}/mailings/{name}/schedule")
async def schedule_mailing(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
) -> Response:
    added = await service.schedule_mailing(
        session, wave=wave, mailing=mailing, actor=staff
    )
    return hx_redirect(
        request,
        _plan_url(
            wave.slug, f"'{mailing.name}' ingepland: {added} mail(s) in de wachtrij."
        ),
    )


@router.post("/waves/{slug}/mailings/{name}/pause")
async def pause_mailing(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
) -> Response:
    await service.pause_mailing(session, mailing=mailing, actor=staff)
    return hx_redirect(request, _plan_url(wave.slug, f"'{mailing.name}' gepauzeerd."))


@router.post("/waves/{slug}/mailings/{name}/resume")
async def resume_mailing(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
) -> Response:
    await service.resume_mailing(session, mailing=mailing, actor=staff)
    return hx_redirect(request, _plan_url(wave.slug, f"'{mailing.name}' hervat."))


@router.post("/waves/{slug}/mailings/{name}/cancel")
async def cancel_mailing(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
) -> Response:
    count = await service.cancel_mailing(session, mailing=mailing, actor=staff)
    return hx_redirect(
        request,
        _plan_url(
            wave.slug, f"'{mailing.name}' geannuleerd; {count} mail(s) niet verstuurd."
        ),
    )


@router.post("/waves/{slug}/mailings/{name}/delete")
async def delete_mailing(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
) -> Response:
    await service.delete_mailing(session, mailing=mailing, actor=staff)
    return hx_redirect(request, _plan_url(wave.slug, f"'{mailing.name}' verwijderd."))


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError as exc:
        raise InvalidInput("Ongeldige selectie.") from exc


@router.post("/waves/{slug}/unknown/resend")
async def resend_unknown(
    request: Request, session: SessionDep, wave: WaveDep, staff: FieldworkDep
) -> Response:
    ids = _ids([str(v) for v in (await request.form()).getlist("ids")])
    if not ids:
        raise InvalidInput("Kies de mails die opnieuw verstuurd moeten worden.")
    count = await delivery.resend_unknown(session, wave=wave, ids=ids, actor=staff)
    return hx_redirect(
        request, _plan_url(wave.slug, f"{count} mail(s) opnieuw in de wachtrij.")
    )


@router.post("/waves/{slug}/unknown/confirm")
async def confirm_unknown(
    request: Request, session: SessionDep, wave: WaveDep, staff: FieldworkDep
) -> Response:
    ids = _ids([str(v) for v in (await request.form()).getlist("ids")])
    if not ids:
        raise InvalidInput("Kies de mails die wel zijn aangekomen.")
    count = await delivery.confirm_unknown_delivered(
        session, wave=wave, ids=ids, actor=staff
    )
    return hx_redirect(
        request, _plan_url(wave.slug, f"{count} mail(s) als verstuurd vastgelegd.")
    )


# -- one mailing: preview, test mail, log --------------------------------------------


@router.get("/waves/{slug}/mailings/{name}", name="mailing_detail")
async def show_mailing(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
    invitation: IdQuery | None = None,
) -> Response:
    candidates = await delivery.preview_candidates(session, mailing=mailing)
    counts = (await queries.status_counts(session, mailing_ids=[mailing.id]))[
        mailing.id
    ]
    chosen = invitation or (candidates[0][0] if candidates else None)
    preview, preview_error = None, None
    if chosen is not None:
        try:
            preview = await delivery.preview(
                session, settings, wave=wave, mailing=mailing, invitation_id=chosen
            )
        except AppError as exc:
            preview_error = exc.message
    return render(
        request,
        "mailings/mailing.html",
        {
            "staff": staff,
            "wave": wave,
            "mailing": mailing,
            "rule": schemas.parse_rule(mailing.rule),
            "audience": schemas.Audience.model_validate(mailing.audience),
            "candidates": candidates,
            "chosen": chosen,
            "preview": preview,
            "preview_error": preview_error,
            "log": await delivery.mailing_log(session, mailing=mailing),
            "counts": counts,
            "progress": progress(mailing.status, counts),
            "notice": request.query_params.get("melding"),
            "kind_labels": schemas.KIND_LABELS,
        },
    )


@router.get("/waves/{slug}/mailings/{name}/preview/{invitation_id}/html")
async def preview_html(
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
    invitation_id: IdPath,
) -> Response:
    preview = await delivery.preview(
        session, settings, wave=wave, mailing=mailing, invitation_id=invitation_id
    )
    return sandboxed_html(preview.rendered.html)


def sandboxed_html(html: str) -> HTMLResponse:
    """Mail HTML as its own page: a sandbox (no scripts, a unique origin), only
    frameable by our own pages, never cached."""
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": MAIL_HTML_CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )


@router.post("/waves/{slug}/mailings/{name}/test-mail")
async def send_test_mail(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    mailing: MailingDep,
    staff: FieldworkDep,
) -> Response:
    raw = (await request.form()).get("invitation_id")
    invitation_id = _ids([str(raw)])[0] if raw else 0
    await delivery.send_test_mail(
        session,
        mailing=mailing,
        invitation_id=invitation_id,
        to=staff.email,
        actor=staff,
    )
    notice = f"Testmail naar {staff.email} staat klaar; de worker verstuurt hem zo."
    return hx_redirect(
        request,
        f"/staff/waves/{wave.slug}/mailings/{mailing.name}?invitation={invitation_id}&melding={quote(notice)}",
    )


# -- the catcher's inbox ------------------------------------------------------------


@router.get("/mail", name="caught_mails")
async def list_mail(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    page: PageQuery = 1,
) -> Response:
    per_page = 50
    mails, total = await delivery.list_caught_mails(
        session, limit=per_page, offset=(page - 1) * per_page
    )
    return render(
        request,
        "mailings/caught_list.html",
        {
            "staff": staff,
            "mails": mails,
            "total": total,
            "page": page,
            "pages": max(1, (total + per_page - 1) // per_page),
            "catching": settings.smtp.host is None,
            "smtp_host": settings.smtp.host,
            "unknown": await delivery.list_unknown(session, settings),
            "simulated": await queries.simulated_total(session),
        },
    )


@router.get("/mail/{mail_id}", name="caught_mail")
async def show_mail(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    mail_id: IdPath,
) -> Response:
    mail = await delivery.get_caught_mail(session, mail_id)
    view = await delivery.caught_mail_view(session, settings, mail)
    return render(
        request,
        "mailings/caught_mail.html",
        {"staff": staff, "mail": mail, "view": view},
    )


@router.get("/mail/{mail_id}/html")
async def show_mail_html(
    session: SessionDep, settings: SettingsDep, staff: FieldworkDep, mail_id: IdPath
) -> Response:
    mail = await delivery.get_caught_mail(session, mail_id)
    view = await delivery.caught_mail_view(session, settings, mail)
    return sandboxed_html(view.html or "")


# Bounced addresses have their own pages (and module).
router.include_router(correction_routes.router)
