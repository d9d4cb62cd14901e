"""The respondent's pages under ``/s/<token>``: welcome, pages, thank-you.

Server-rendered forms that work without JavaScript (POST → 303 → GET); htmx
boosts them when present, and then the POST answers with the next page itself
(one request per page turn). Every page is saved on submit.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from app import i18n
from app.db import utcnow
from app.questionnaires import routing
from app.questionnaires.service import CompiledVersions
from app.questionnaires.translations import LANGUAGES
from app.responses import rendering, service
from app.responses.service import Survey
from app.responses.store import RespondentDb, respondent_connection
from app.web import form_lists, is_htmx, render

router = APIRouter()

Token = Annotated[str, Path()]
"""Unconstrained on purpose: ``open_survey`` checks the shape, so a malformed
token (too long, odd characters) gets the same 404 as an unknown one rather
than a 422 that tells them apart."""
PageId = Annotated[str, Path()]
"""Checked by ``service.may_show`` (a page of the version, shown in order); an
unknown or malformed one leads back to where the respondent is."""


async def get_versions(request: Request) -> CompiledVersions:
    """async so FastAPI does not send it through the thread pool."""
    versions: CompiledVersions = request.app.state.versions
    return versions


VersionsDep = Annotated[CompiledVersions, Depends(get_versions)]
DbDep = Annotated[RespondentDb, Depends(respondent_connection, scope="function")]


def _url(token: str, page_id: str | None = None) -> str:
    return f"/s/{token}/p/{page_id}" if page_id else f"/s/{token}/klaar"


def _context(survey: Survey, **extra: object) -> dict[str, object]:
    definition = survey.compiled.definition
    language = survey.language or definition.language
    return {
        "survey": survey,
        "definition": definition,
        "lang": language,
        **i18n.template_callables(language),
        **extra,
    }


def _framed(survey: Survey, **extra: object) -> dict[str, object]:
    """``_context`` plus the piped welcome, thanks and help texts."""
    texts = rendering.survey_texts(
        survey.compiled,
        survey.response.answers if survey.response is not None else {},
        survey.attributes,
    )
    return _context(survey, texts=texts, **extra)


@router.get("/s/{token}", name="survey_start_page")
async def welcome(
    request: Request, token: Token, db: DbDep, versions: VersionsDep
) -> Response:
    survey = await service.open_survey(db, token=token, versions=versions)
    if survey.is_complete:
        return render(request, "responses/completed.html", _framed(survey))
    if survey.response is not None:
        return RedirectResponse(
            _url(token, service.resume_page_id(survey)), status_code=303
        )
    if (chosen := request.query_params.get("taal")) is not None:
        service.use_language(survey, versions, chosen)
    await service.link_opened(db, survey)
    return render(
        request,
        "responses/welcome.html",
        _framed(survey, token=token, languages=_language_links(survey)),
    )


def _language_links(survey: Survey) -> list[tuple[str, str, bool]]:
    """(code, name, current) per language the version offers; empty if one."""
    offered = service.languages(survey)
    if len(offered) < 2:
        return []
    return [
        (code, LANGUAGES.get(code, code), code == survey.language) for code in offered
    ]


@router.post("/s/{token}")
async def start(
    request: Request, token: Token, db: DbDep, versions: VersionsDep
) -> Response:
    survey = await service.open_survey(db, token=token, versions=versions)
    if survey.is_complete:
        return RedirectResponse(f"/s/{token}", status_code=303)
    if survey.response is None:
        chosen = _value(await form_lists(request), "taal")
        if chosen is not None:
            service.use_language(survey, versions, chosen)
    await service.start(db, survey)
    if is_htmx(request):
        return await _render_next(
            request, db, survey, token, service.resume_page_id(survey)
        )
    return RedirectResponse(
        _url(token, service.resume_page_id(survey)), status_code=303
    )


@router.get("/s/{token}/p/{page_id}", name="survey_page")
async def show_page(
    request: Request,
    token: Token,
    page_id: PageId,
    db: DbDep,
    versions: VersionsDep,
) -> Response:
    survey = await service.open_survey(db, token=token, versions=versions)
    if survey.response is None or survey.is_complete:
        return RedirectResponse(f"/s/{token}", status_code=303)
    if not service.may_show(survey, page_id):
        return RedirectResponse(
            _url(token, service.resume_page_id(survey)), status_code=303
        )
    return await _show_page(request, db, survey, token, page_id)


@router.post("/s/{token}/p/{page_id}")
async def submit_page(
    request: Request,
    token: Token,
    page_id: PageId,
    db: DbDep,
    versions: VersionsDep,
) -> Response:
    survey = await service.open_survey(db, token=token, versions=versions)
    if survey.response is None or survey.is_complete:
        return RedirectResponse(f"/s/{token}", status_code=303)
    if not service.may_show(survey, page_id):
        return RedirectResponse(
            _url(token, service.resume_page_id(survey)), status_code=303
        )
    data = await form_lists(request)
    going_back = _value(data, "nav") == "back"
    shown_field = _value(data, "_shown")
    shown = set(shown_field.split(",")) if isinstance(shown_field, str) else None
    shown_at = _shown_at(_value(data, "_t"))
    outcome = await service.submit_page(
        db,
        survey,
        page_id=page_id,
        form=data,
        going_back=going_back,
        shown=shown,
        shown_at=shown_at,
    )
    if outcome.errors:
        view = rendering.build_page(
            survey.compiled,
            page_id,
            outcome.display_answers,
            survey.attributes,
            form=data,
            errors=outcome.errors,
            seed=survey.invitation.id,
        )
        # Shown back with its first shown-at stamp: time on the page runs from
        # arrival to the submission that is accepted.
        return _render_page(
            request, survey, token, view, status_code=422, shown_at=shown_at
        )
    if is_htmx(request):
        return await _render_next(request, db, survey, token, outcome.next_page_id)
    return RedirectResponse(_url(token, outcome.next_page_id), status_code=303)


async def _render_next(
    request: Request,
    db: RespondentDb,
    survey: Survey,
    token: str,
    page_id: str | None,
) -> Response:
    """For htmx: the next page in the answer to the POST, with its address for
    the browser's history, instead of a redirect the browser would follow with
    a second request (a second lookup, transaction and routing pass). What is
    shown equals what the GET of that address shows."""
    url = _url(token, page_id)
    headers = {"HX-Push-Url": url, "Vary": "HX-Request"}
    if page_id is None:
        if not survey.is_complete:
            return RedirectResponse(f"/s/{token}", status_code=303)
        return render(
            request, "responses/thanks.html", _framed(survey), headers=headers
        )
    return await _show_page(request, db, survey, token, page_id, headers)


async def _show_page(
    request: Request,
    db: RespondentDb,
    survey: Survey,
    token: str,
    page_id: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page as shown fresh: the threshold write, then the page with stored answers."""
    await service.page_shown(db, survey, page_id)
    view = rendering.build_page(
        survey.compiled,
        page_id,
        survey.answers,
        survey.attributes,
        seed=survey.invitation.id,
    )
    return _render_page(request, survey, token, view, headers=headers)


def _value(data: dict[str, list[str]], key: str) -> str | None:
    """The field's last value, as Starlette's FormData.get gives it."""
    values = data.get(key)
    return values[-1] if values else None


def _shown_at(stamp: object) -> dt.datetime | None:
    """The moment the page was shown, as the form carried it back (epoch ms)."""
    if not isinstance(stamp, str) or not stamp.isdigit() or len(stamp) > 15:
        return None
    return dt.datetime.fromtimestamp(int(stamp) / 1000, dt.UTC)


def _render_page(
    request: Request,
    survey: Survey,
    token: str,
    view: rendering.PageView,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    shown_at: dt.datetime | None = None,
) -> Response:
    position, total = service.progress(survey, view.id)
    previous = service.previous_page_id(survey, view.id)
    explain = None
    if survey.invitation.is_test:
        explain = routing.explain(survey.compiled, survey.answers, survey.attributes)
    return render(
        request,
        "responses/page.html",
        _context(
            survey,
            token=token,
            page=view,
            position=position,
            total=total,
            percent=int(100 * (position - 1) / total) if total else 0,
            has_previous=previous is not None,
            shown_at=int((shown_at or utcnow()).timestamp() * 1000),
            explain=explain,
        ),
        status_code=status_code,
        headers=headers,
    )


@router.get("/s/{token}/klaar", name="survey_done")
async def done(
    request: Request, token: Token, db: DbDep, versions: VersionsDep
) -> Response:
    survey = await service.open_survey(db, token=token, versions=versions)
    if not survey.is_complete:
        return RedirectResponse(f"/s/{token}", status_code=303)
    return render(request, "responses/thanks.html", _framed(survey))
