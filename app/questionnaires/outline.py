"""A readable outline of a version for staff: blocks, pages, questions, conditions in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import InvalidInput, NotFound
from app.questionnaires import document, loader, service
from app.questionnaires.compiler import (
    CompiledQuestionnaire,
    question_options,
    question_rows,
)
from app.questionnaires.describe import describe
from app.questionnaires.errors import DefinitionErrors


@dataclass(frozen=True)
class Condition:
    source: str
    words: str


@dataclass
class QuestionLine:
    id: str
    type: str
    text: str
    required: bool
    condition: Condition | None
    options: list[str] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    is_threshold: bool = False


@dataclass
class PageLine:
    id: str
    title: str | None
    condition: Condition | None
    questions: list[QuestionLine]


@dataclass
class BlockLine:
    id: str
    title: str | None
    condition: Condition | None
    pages: list[PageLine]


async def definition_for(
    session: AsyncSession, *, settings: Settings, ref: str
) -> CompiledQuestionnaire:
    """The published text of ``ref`` if published, else the file (a draft)."""
    questionnaire, version = ref.split("/", 1)
    published = await service.get_version(
        session, questionnaire=questionnaire, version=version
    )
    try:
        if published is not None:
            return service.CompiledVersions(max_size=1).get(published)
        path = service.file_for(
            settings.questionnaires_dir, questionnaire=questionnaire, version=version
        )
        if path is None:
            raise NotFound(f"Vragenlijst {ref} bestaat niet.")
        return loader.load_questionnaire(path)
    except DefinitionErrors as exc:
        raise InvalidInput(
            "Het bestand bevat fouten:\n" + "\n".join(str(p) for p in exc.problems)
        ) from exc


def _condition(source: str | None, compiled: CompiledQuestionnaire) -> Condition | None:
    if not source:
        return None
    return Condition(source=source, words=describe(source, compiled.definition))


def build(compiled: CompiledQuestionnaire) -> list[BlockLine]:
    definition = compiled.definition
    blocks = []
    for block in definition.blocks:
        pages = []
        for page in block.pages:
            questions = []
            for q in page.questions:
                options = [
                    f"{o.code} {o.label}"
                    + (f" [{o.missing.value}]" if o.missing else "")
                    for o in question_options(q, definition.scales)
                ]
                questions.append(
                    QuestionLine(
                        id=q.id,
                        type=q.type,
                        text=q.text,
                        required=bool(getattr(q, "required", False)),
                        condition=_condition(q.relevant, compiled),
                        options=options,
                        rows=[f"{r.id}: {r.text}" for r in question_rows(q)],
                        is_threshold=q.id == definition.response_from,
                    )
                )
            pages.append(
                PageLine(
                    page.id, page.title, _condition(page.relevant, compiled), questions
                )
            )
        blocks.append(
            BlockLine(
                block.id, block.title, _condition(block.relevant, compiled), pages
            )
        )
    return blocks


async def document_for(
    session: AsyncSession, *, settings: Settings, ref: str
) -> document.QuestionnaireDocument:
    """The printable document of ``ref``: the published version, else the draft file."""
    compiled = await definition_for(session, settings=settings, ref=ref)
    questionnaire, version = ref.split("/", 1)
    published = await service.get_version(
        session, questionnaire=questionnaire, version=version
    )
    status = (
        f"gepubliceerd op {published.published_at:%d-%m-%Y}, "
        f"inhoud {published.content_hash[:12]}"
        if published is not None
        else "concept (nog niet gepubliceerd)"
    )
    return document.build(compiled, status=status)
