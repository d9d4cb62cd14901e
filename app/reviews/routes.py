"""Review pages: staff create and revoke links and read comments; reviewers
(without an account) open a link here, then start a walk and leave comments
from its pages through the review-walk flow (``app/flows/routes.py``).

The public POSTs carry no CSRF token, like the respondent pages: the
unguessable token in the URL is the authority.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import InvalidInput
from app.questionnaires import drafts, outline
from app.questionnaires import service as questionnaires_service
from app.questionnaires.errors import DefinitionErrors
from app.reviews import service
from app.staff import service as staff_service
from app.staff.deps import QuestionnaireReaderDep, ResearcherDep
from app.staff.models import Role
from app.web import SettingsDep, hx_redirect, render

staff_router = APIRouter()
public_router = APIRouter()
Token = Annotated[str, Path()]
NOINDEX = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


@staff_router.post("/questionnaires/{questionnaire}/{version}/review-links")
async def create_link(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: ResearcherDep,
    questionnaire: str,
    version: str,
    label: Annotated[str, Form(max_length=200)],
    days: Annotated[int, Form(ge=1, le=service.MAX_DAYS)] = 14,
    draft: Annotated[str, Form(max_length=1)] = "0",
) -> Response:
    """A review link for the published version, or (``draft=1``) for the file."""
    if draft == "1":
        path = questionnaires_service.draft_file(
            settings.questionnaires_dir, questionnaire=questionnaire, version=version
        )
        try:
            target = await drafts.store_draft_file(
                session, data=path.read_bytes(), filename=f"{questionnaire}/{path.name}",
                stored_by_id=staff.id, path=path,
            )  # fmt: skip
        except DefinitionErrors as exc:
            raise InvalidInput(
                "Het bestand bevat fouten:\n" + "\n".join(str(p) for p in exc.problems)
            ) from exc
    else:
        target = await questionnaires_service.require_version(
            session, questionnaire=questionnaire, version=version
        )
    link, token = await service.create_link(
        session, version=target, label=label, days=days, created_by_id=staff.id
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="review.link_created",
        target=target.ref,
        details={"link": link.id, "label": link.label, "days": days},
    )
    return render(
        request,
        "reviews/link_created.html",
        {
            "staff": staff,
            "link": link,
            "url": f"{settings.base_url.rstrip('/')}/r/{token}",
            "ref": f"{questionnaire}/{version}",
            "target": target,
        },
    )


@staff_router.post("/review-links/{link_id}/revoke")
async def revoke_link(
    request: Request,
    session: SessionDep,
    staff: ResearcherDep,
    link_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    back: Annotated[str, Form(max_length=200, pattern=r"^/staff/[a-z0-9_/.~-]*$")],
) -> Response:
    link = await service.revoke_link(session, link_id=link_id)
    await staff_service.record_audit(
        session, actor=staff, action="review.link_revoked", target=str(link.id)
    )
    return hx_redirect(request, back)


@staff_router.get("/questionnaires/{questionnaire}/{version}/comments")
async def comments_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: QuestionnaireReaderDep,
    questionnaire: str,
    version: str,
) -> Response:
    """Comments per question, in the order and with the lines of this file or
    version; open ones first in each question, resolved ones after."""
    ref = f"{questionnaire}/{version}"
    compiled = await outline.definition_for(session, settings=settings, ref=ref)
    published = await questionnaires_service.get_version(
        session, questionnaire=questionnaire, version=version
    )
    path = questionnaires_service.file_for(
        settings.questionnaires_dir, questionnaire=questionnaire, version=version
    )
    source = (
        published.source
        if published is not None
        else (path.read_text(encoding="utf-8-sig") if path is not None else "")
    )
    groups = await service.comments_for(
        session, questionnaire=questionnaire, source=source
    )
    texts = {qid: q.model.text for qid, q in compiled.questions.items()}
    return render(
        request,
        "reviews/comments.html",
        {
            "staff": staff,
            "ref": ref,
            "definition": compiled.definition,
            "groups": groups,
            "texts": texts,
            "links": await service.list_links(session, questionnaire=questionnaire),
            "now": service.utcnow(),
            "back": f"/staff/questionnaires/{questionnaire}/{version}/comments",
            "can_edit": staff.can(Role.researcher),
        },
    )


@staff_router.post("/review-comments/{comment_id}/resolve")
async def resolve_comment(
    request: Request,
    session: SessionDep,
    staff: ResearcherDep,
    comment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    back: Annotated[str, Form(max_length=200, pattern=r"^/staff/[a-z0-9_/.~-]*$")],
    reopen: Annotated[str, Form(max_length=1)] = "0",
) -> Response:
    comment = await service.resolve_comment(
        session, comment_id=comment_id, resolved_by_id=staff.id, reopen=reopen == "1"
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="review.comment_reopened"
        if reopen == "1"
        else "review.comment_resolved",
        target=f"{comment.questionnaire}/{comment.question_id}",
        details={"comment": comment.id},
    )
    return hx_redirect(request, f"{back}#q-{comment.question_id}")


# --- reviewers, without an account --------------------------------------------


@public_router.get("/r/{token}", name="review_start")
async def review_welcome(
    request: Request, session: SessionDep, token: Token
) -> Response:
    try:
        link = await service.open_link(session, token=token)
    except service.ReviewLinkClosed:
        return render(
            request, "reviews/closed.html", {}, status_code=404, headers=NOINDEX
        )
    version = await service.version_of(session, link)
    compiled = questionnaires_service.CompiledVersions(max_size=1).get(version)
    return render(
        request,
        "reviews/welcome.html",
        {"link": link, "definition": compiled.definition, "token": token},
        headers=NOINDEX,
    )
