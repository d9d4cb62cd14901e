"""Storing a checked draft file as a version row no wave can field.

Drafts (checked files not yet published) can be test-run and reviewed: every
review round would otherwise burn a version number. The test run itself
involves samples and responses and lives in ``app/flows/testruns.py``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.questionnaires import loader, translations
from app.questionnaires import service as questionnaires_service
from app.questionnaires.models import QuestionnaireVersion


async def store_draft_file(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    stored_by_id: int | None = None,
    path: Path | None = None,
) -> QuestionnaireVersion:
    """Check a draft file's bytes and store it as a draft (once per content);
    with ``path`` (where the file lies), its translation files go along."""
    compiled = loader.load_bytes(data, filename)
    translated = (
        translations.load_translations(compiled.definition, path, shown_as=filename)
        if path
        else None
    )
    return await questionnaires_service.store_draft(
        session,
        compiled=compiled,
        text=data.decode("utf-8-sig"),
        stored_by_id=stored_by_id,
        translated=translated,
    )
