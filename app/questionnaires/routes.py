"""Staff pages for questionnaires: files and versions, outline, diff, publish.

Starting a test run (samples + responses) is a flow: ``app/flows/routes.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.db import SessionDep
from app.errors import InvalidInput, NotFound
from app.questionnaires import (
    diff_document,
    document_render,
    outline,
    service,
)
from app.questionnaires.diff import diff_versions
from app.questionnaires.errors import DefinitionErrors
from app.questionnaires.translations import LANGUAGES
from app.staff import service as staff_service
from app.staff.deps import QuestionnaireReaderDep, ResearcherDep
from app.staff.models import Role
from app.web import SettingsDep, hx_redirect, render, style_hash_csp

router = APIRouter()
Ref = Annotated[
    str, Query(max_length=80, pattern=r"^[a-z][a-z0-9_]*/[0-9A-Za-z][0-9A-Za-z._-]*$")
]


@router.get("/questionnaires", name="questionnaires")
async def list_questionnaires(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
) -> Response:
    files = await service.file_statuses(session, root=settings.questionnaires_dir)
    versions = await service.list_versions(session)
    refs = sorted(
        {v.ref for v in versions} | {f"{f.questionnaire}/{f.version}" for f in files}
    )
    compare_old, compare_new = service.default_comparison(refs)
    return render(
        request,
        "questionnaires/list.html",
        {
            "staff": staff,
            "files": files,
            "versions": versions,
            "refs": refs,
            "compare_old": compare_old,
            "compare_new": compare_new,
            "can_publish": staff.can(Role.researcher),
        },
    )


@router.post("/questionnaires/publish")
async def publish(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: ResearcherDep,
    ref: Annotated[
        str,
        Form(max_length=80, pattern=r"^[a-z][a-z0-9_]*/[0-9A-Za-z][0-9A-Za-z._-]*$"),
    ],
) -> Response:
    questionnaire, version = ref.split("/", 1)
    path = service.file_for(
        settings.questionnaires_dir, questionnaire=questionnaire, version=version
    )
    if path is None:
        raise NotFound(f"Er is geen bestand voor {ref}.")
    try:
        published, new = await service.publish_file(
            session,
            path=path,
            published_by_id=staff.id,
            shown_as=service.display_path(path),
        )
    except DefinitionErrors as exc:
        raise InvalidInput(
            "Het bestand bevat fouten:\n" + "\n".join(str(p) for p in exc.problems)
        ) from exc
    if new:
        await staff_service.record_audit(
            session,
            actor=staff,
            action="questionnaire.publish",
            target=published.ref,
            details={"hash": published.content_hash},
        )
    return hx_redirect(
        request, f"/staff/questionnaires/{published.questionnaire}/{published.version}"
    )


@router.get("/questionnaires/diff", name="questionnaire_diff")
async def show_diff(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    old: Ref,
    new: Ref,
) -> Response:
    a = await outline.definition_for(session, settings=settings, ref=old)
    b = await outline.definition_for(session, settings=settings, ref=new)
    diff = diff_versions(a.definition, b.definition)
    return render(
        request,
        "questionnaires/diff.html",
        {"staff": staff, "diff": diff, "old": old, "new": new},
    )


DocumentFormat = Annotated[str, Query(pattern=r"^(html|pdf|docx)$")]
_MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _document_response(content: bytes | str, *, fmt: str, filename: str) -> Response:
    disposition = "inline" if fmt != "docx" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{filename}.{fmt}"'}
    if fmt == "html" and isinstance(content, str):
        headers["Content-Security-Policy"] = style_hash_csp(content)
    return Response(content, media_type=_MEDIA[fmt], headers=headers)


@router.get("/questionnaires/diff/document", name="questionnaire_diff_document")
async def diff_document_download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    old: Ref,
    new: Ref,
    format: DocumentFormat = "pdf",
) -> Response:
    """The difference between two versions as a document to sign off (PDF or HTML)."""
    a = await outline.definition_for(session, settings=settings, ref=old)
    b = await outline.definition_for(session, settings=settings, ref=new)
    html = document_render.diff_to_html(
        request.app.state.templates.env, diff_document.build(a, b)
    )
    name = f"wijzigingen-{old.replace('/', '-')}-{new.replace('/', '-')}"
    if format == "pdf":
        pdf = await run_in_threadpool(document_render.to_pdf, html)
        return _document_response(pdf, fmt="pdf", filename=name)
    return _document_response(html, fmt="html", filename=name)


@router.get("/questionnaires/{questionnaire}/{version}", name="questionnaire_version")
async def show_version(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    questionnaire: str,
    version: str,
) -> Response:
    ref = f"{questionnaire}/{version}"
    compiled = await outline.definition_for(session, settings=settings, ref=ref)
    published = await service.get_version(
        session, questionnaire=questionnaire, version=version
    )
    file_status = next(
        (
            f
            for f in await service.file_statuses(
                session, root=settings.questionnaires_dir
            )
            if (f.questionnaire, f.version) == (questionnaire, version)
        ),
        None,
    )
    return render(
        request,
        "questionnaires/version.html",
        {
            "staff": staff,
            "ref": ref,
            "compiled": compiled,
            "definition": compiled.definition,
            "published": published,
            "file_status": file_status,
            "outline": outline.build(compiled),
            "can_publish": staff.can(Role.researcher),
            "language_names": [
                LANGUAGES.get(code, code)
                for code in (
                    service.languages_of(published)
                    if published is not None
                    else [compiled.definition.language]
                )
            ],
        },
    )


@router.get(
    "/questionnaires/{questionnaire}/{version}/document",
    name="questionnaire_document",
)
async def document_download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    questionnaire: str,
    version: str,
    format: DocumentFormat = "pdf",
) -> Response:
    """Every question with codes and routing in words: for sign-off and appendices."""
    ref = f"{questionnaire}/{version}"
    doc = await outline.document_for(session, settings=settings, ref=ref)
    name = f"vragenlijst-{questionnaire}-{version}"
    if format == "docx":
        docx = await run_in_threadpool(document_render.to_docx, doc)
        return _document_response(docx, fmt="docx", filename=name)
    html = document_render.to_html(request.app.state.templates.env, doc)
    if format == "pdf":
        pdf = await run_in_threadpool(document_render.to_pdf, html)
        return _document_response(pdf, fmt="pdf", filename=name)
    return _document_response(html, fmt="html", filename=name)
