"""Staff pages for questionnaires: files and versions, outline, diff, publish, test runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.db import SessionDep
from app.errors import InvalidInput, NotFound
from app.questionnaires import outline, service, testruns
from app.questionnaires.diff import diff_versions
from app.questionnaires.errors import DefinitionErrors
from app.staff import service as staff_service
from app.staff.deps import QuestionnaireReaderDep, ResearcherDep
from app.staff.models import Role
from app.web import SettingsDep, hx_redirect, render

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
            session, path=path, published_by_id=staff.id
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
    return render(
        request,
        "questionnaires/version.html",
        {
            "staff": staff,
            "ref": ref,
            "compiled": compiled,
            "definition": compiled.definition,
            "published": published,
            "outline": outline.build(compiled),
        },
    )


@router.post("/questionnaires/{questionnaire}/{version}/test-run")
async def start_test_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    questionnaire: str,
    version: str,
) -> Response:
    published = await service.require_version(
        session, questionnaire=questionnaire, version=version
    )
    form = await request.form()
    attributes = {
        key[5:]: value
        for key, value in form.items()
        if key.startswith("attr_") and isinstance(value, str) and value.strip()
    }
    token = await testruns.start(
        session, settings, version=published, attributes=attributes
    )
    return RedirectResponse(f"/s/{token}", status_code=303)
