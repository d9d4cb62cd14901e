"""Pages of the cross-domain use cases; URLs as they were in the domains.

The staff router is mounted under ``/staff`` beside the domains' routers;
the public router serves reviewers without an account. Each route calls one
flow (``app/flows/*``), which calls the domains' services.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import SessionDep, utcnow
from app.errors import InvalidInput
from app.flows import erasure, purging, review_walks, testruns
from app.questionnaires import service as questionnaires_service
from app.questionnaires.errors import DefinitionErrors
from app.reviews import service as reviews_service
from app.reviews.routes import NOINDEX, Token
from app.samples import service as samples_service
from app.samples.deps import WaveDep
from app.samples.routes import frames as frames_routes
from app.staff import service as staff_service
from app.staff.deps import FieldworkDep, QuestionnaireReaderDep
from app.web import SettingsDep, hx_redirect, render

staff_router = APIRouter()
public_router = APIRouter()


# --- test runs ------------------------------------------------------------------


@staff_router.post("/questionnaires/{questionnaire}/{version}/test-run")
async def start_test_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    questionnaire: str,
    version: str,
) -> Response:
    form = await request.form()
    attributes = {
        key[5:]: value
        for key, value in form.items()
        if key.startswith("attr_") and isinstance(value, str) and value.strip()
    }
    if form.get("draft") == "1":
        path = questionnaires_service.draft_file(
            settings.questionnaires_dir, questionnaire=questionnaire, version=version
        )
        try:
            draft, token = await testruns.start_draft(
                session,
                settings,
                data=path.read_bytes(),
                filename=f"{questionnaire}/{path.name}",
                attributes=attributes,
                started_by_id=staff.id,
                path=path,
            )
        except DefinitionErrors as exc:
            raise InvalidInput(
                "Het bestand bevat fouten:\n" + "\n".join(str(p) for p in exc.problems)
            ) from exc
        await staff_service.record_audit(
            session,
            actor=staff,
            action="questionnaire.test_draft",
            target=f"{questionnaire}/{version}",
            details={"hash": draft.content_hash},
        )
        return RedirectResponse(f"/s/{token}", status_code=303)
    published = await questionnaires_service.require_version(
        session, questionnaire=questionnaire, version=version
    )
    token = await testruns.start(
        session, settings, version=published, attributes=attributes
    )
    return RedirectResponse(f"/s/{token}", status_code=303)


# --- purging a wave's traces ---------------------------------------------------


@staff_router.post("/waves/{slug}/purge")
async def purge_contacts(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    confirm: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if confirm.strip() != wave.slug:
        overview = await samples_service.wave_overview(session, wave=wave)
        return render(
            request,
            "samples/purge.html",
            {
                "staff": staff,
                "wave": wave,
                "overview": overview,
                "today": frames_routes.local_today(),
                "error": f"Typ de code van de wave ({wave.slug}) om te bevestigen.",
            },
            status_code=422,
        )
    await purging.purge_contacts(session, wave=wave, actor=staff)
    return hx_redirect(request, f"/staff/waves/{wave.slug}")


# --- erasing one person ---------------------------------------------------------


@staff_router.post("/waves/{slug}/erase")
async def find_for_erasure(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    query: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    found = await erasure.find_person(session, wave=wave, query=query)
    return render(
        request,
        "samples/erase.html",
        {"staff": staff, "wave": wave, "query": query, "found": found,
         "searched": True},
        status_code=200 if found else 404,
    )  # fmt: skip


@staff_router.post("/waves/{slug}/erase/confirm")
async def confirm_erasure(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    invitation: Annotated[list[int] | None, Form(max_length=50)] = None,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if confirm != "ja" or not invitation:
        raise InvalidInput("Vink aan dat u deze persoon wilt wissen.")
    result = await erasure.erase(
        session, wave=wave, invitation_ids=invitation, actor=staff
    )
    return render(
        request,
        "samples/erase.html",
        {"staff": staff, "wave": wave, "erased": result, "at": utcnow()},
    )


# --- review walks (reviewers, without an account) -------------------------------


@public_router.post("/r/{token}")
async def review_start(
    request: Request, session: SessionDep, settings: SettingsDep, token: Token
) -> Response:
    try:
        link = await reviews_service.open_link(session, token=token)
    except reviews_service.ReviewLinkClosed:
        return render(
            request, "reviews/closed.html", {}, status_code=404, headers=NOINDEX
        )
    form = await request.form(max_fields=100)
    reviewer = form.get("reviewer")
    attributes = {
        key[5:]: value[:100]
        for key, value in form.items()
        if key.startswith("attr_") and isinstance(value, str) and value.strip()
    }
    test_token = await review_walks.start_walk(
        session,
        settings,
        link=link,
        reviewer=reviewer if isinstance(reviewer, str) else "",
        attributes=attributes,
    )
    return RedirectResponse(f"/s/{test_token}", status_code=303)


@public_router.post("/opmerking/{token}")
async def leave_comment(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Token,
    question_id: Annotated[str, Form(max_length=32, pattern=r"^[a-z][a-z0-9_]*$")],
    text: Annotated[str, Form(max_length=reviews_service.MAX_COMMENT + 100)],
) -> Response:
    """A reviewer's comment from a page of their walk; back to where they were."""
    try:
        await review_walks.add_comment(
            session, settings, token=token, question_id=question_id, text=text
        )
    except reviews_service.ReviewLinkClosed:
        return render(
            request, "reviews/closed.html", {}, status_code=404, headers=NOINDEX
        )
    return RedirectResponse(f"/s/{token}", status_code=303)
