"""Published questionnaire versions.

The exact file content is stored with its hash: respondents are served from the
stored text, so a version stays what it was when published, in every process,
whatever happens to the file afterwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class QuestionnaireVersion(Base):
    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    """The file's exact text, for people (outline, diff, audit)."""
    definition_json: Mapped[str] = mapped_column(Text)
    """The validated definition as JSON, for machines: loading it skips the YAML
    parse and the static checks, both already passed at publish time."""
    translations_json: Mapped[str] = mapped_column(
        Text, default="{}", server_default="{}"
    )
    """``{language: {text key: text}}`` from the translation files, checked at
    publish time and stored with the version, so a translation is as immutable
    as the version it translates (``app.questionnaires.translations``)."""
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    is_draft: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """A draft stored only so staff can test-run it: never fielded, never listed
    as a version. Its ``version`` is ``<file version>~<hash prefix>`` so that it
    cannot take the name the published version will have."""

    @property
    def ref(self) -> str:
        return f"{self.questionnaire}/{self.version}"
