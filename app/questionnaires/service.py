"""Published versions: publishing files, serving stored versions, immutability.

A version is published by storing its exact file text and hash. Respondents are
always served from the stored text (compiled once per process and cached by
hash), so a version cannot change under a respondent's feet, and every app and
worker process serves the same thing.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.errors import Conflict, NotFound
from app.questionnaires import loader, translations
from app.questionnaires.compiler import CompiledQuestionnaire, compile_questionnaire
from app.questionnaires.definition import Questionnaire
from app.questionnaires.errors import DefinitionErrors
from app.questionnaires.models import QuestionnaireVersion


class PublishedVersionChanged(Conflict):
    """A published version's file was edited; published versions are immutable."""


@dataclass(frozen=True)
class FileStatus:
    """How a questionnaire file relates to what is published."""

    path: Path
    questionnaire: str
    version: str
    content_hash: str
    published: QuestionnaireVersion | None

    @property
    def state(self) -> str:
        if self.published is None:
            return "draft"
        return (
            "published"
            if self.published.content_hash == self.content_hash
            else "changed"
        )


@dataclass(frozen=True)
class VersionInfo:
    """The immutable facts of a published version (safe to cache across requests)."""

    id: int
    questionnaire: str
    version: str
    content_hash: str
    translated: dict[str, dict[str, str]] = field(
        default_factory=dict, compare=False, hash=False
    )
    """The stored translations: ``{language: {text key: text}}``."""

    @property
    def ref(self) -> str:
        return f"{self.questionnaire}/{self.version}"


VersionLoader = Callable[
    [AsyncSession | AsyncConnection, int], Awaitable[QuestionnaireVersion | None]
]
"""Reads a stored version by id on the caller's session or connection. (On the
caller's: the pool is fixed, so a request that holds a connection and waits for
a second one could wait forever under a burst.)"""


async def load_stored_version(
    db: AsyncSession | AsyncConnection, version_id: int
) -> QuestionnaireVersion | None:
    """The default ``VersionLoader``: the row, on a session or a bare
    connection (the respondent pages)."""
    if isinstance(db, AsyncConnection):
        async with AsyncSession(bind=db) as session:
            return await session.get(QuestionnaireVersion, version_id)
    return await db.get(QuestionnaireVersion, version_id)


class _CompiledByHash:
    """The process's compiled versions, keyed by content hash: the one cache.

    Loading a version (parse, check, compile) takes a good fraction of a
    second; doing it per request would be absurd. Compiling is a pure function
    of the stored definition, so every holder in the process (respondent
    pages, exports, monitoring, reviews) shares what is compiled, whichever
    database it came from; the least recently used are dropped beyond
    ``max_size``. (Nothing here is exempted from garbage collection: the app
    freezes once, at start, see ``app.main``.)
    """

    def __init__(self, max_size: int) -> None:
        self._items: OrderedDict[str, CompiledQuestionnaire] = OrderedDict()
        self._max_size = max_size
        self._lock = threading.Lock()  # export threads share it too

    def get(self, version: QuestionnaireVersion) -> CompiledQuestionnaire:
        with self._lock:
            compiled = self._items.get(version.content_hash)
            if compiled is not None:
                self._items.move_to_end(version.content_hash)
                return compiled
        compiled = compile_questionnaire(
            Questionnaire.model_validate_json(version.definition_json),
            source=f"{version.ref}.yaml",
            content_hash=version.content_hash,
        )
        with self._lock:
            compiled = self._items.setdefault(version.content_hash, compiled)
            if len(self._items) > self._max_size:
                self._items.popitem(last=False)
        return compiled


_COMPILED = _CompiledByHash(max_size=64)


def compiled_version(version: QuestionnaireVersion) -> CompiledQuestionnaire:
    """``version`` compiled, from the process's cache."""
    return _COMPILED.get(version)


class CompiledVersions:
    """Published versions by id, compiled, for one database.

    Stored versions are immutable, so what is found never goes stale: the
    first request that meets a version id reads it (``loader``), later ones
    find it here. The compiling itself goes through the process's one cache
    (``compiled_version``). One per app (``app.state.versions``); ids are
    per database, so a process that talks to several makes one for each.
    """

    def __init__(
        self, loader: VersionLoader = load_stored_version, *, max_size: int = 64
    ) -> None:
        self._loader = loader
        self._by_id: dict[int, tuple[VersionInfo, CompiledQuestionnaire]] = {}
        self._translated: dict[tuple[int, str], CompiledQuestionnaire] = {}
        self._max_size = max_size

    def in_language(
        self, info: VersionInfo, compiled: CompiledQuestionnaire, language: str
    ) -> CompiledQuestionnaire:
        """``compiled`` in ``language`` (a stored translation), or as it is when
        that is its own language or not translated. Cached per stored version
        and language: two drafts of the same file may differ in translation."""
        texts = info.translated.get(language)
        if texts is None or language == compiled.definition.language:
            return compiled
        key = (info.id, language)
        found = self._translated.get(key)
        if found is None:
            found = translations.compile_translation(compiled, language, texts)
            if len(self._translated) >= self._max_size:
                self._translated.clear()
            self._translated[key] = found
        return found

    async def by_id(
        self, db: AsyncSession | AsyncConnection, version_id: int
    ) -> tuple[VersionInfo, CompiledQuestionnaire] | None:
        """``db``: a session, or a bare connection (the respondent pages)."""
        cached = self._by_id.get(version_id)
        if cached is not None:
            return cached
        version = await self._loader(db, version_id)
        if version is None:
            return None
        info = VersionInfo(
            version.id,
            version.questionnaire,
            version.version,
            version.content_hash,
            json.loads(version.translations_json or "{}"),
        )
        entry = (info, compiled_version(version))
        if len(self._by_id) >= self._max_size:
            self._by_id.clear()
        self._by_id[version_id] = entry
        return entry

    def get(self, version: QuestionnaireVersion) -> CompiledQuestionnaire:
        return compiled_version(version)


async def get_version(
    session: AsyncSession, *, questionnaire: str, version: str
) -> QuestionnaireVersion | None:
    return await session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire == questionnaire,
            QuestionnaireVersion.version == version,
        )
    )


async def require_version(
    session: AsyncSession, *, questionnaire: str, version: str
) -> QuestionnaireVersion:
    found = await get_version(session, questionnaire=questionnaire, version=version)
    if found is None:
        raise NotFound(f"Versie {questionnaire}/{version} is niet gepubliceerd.")
    return found


async def get_version_by_id(
    session: AsyncSession, version_id: int
) -> QuestionnaireVersion | None:
    return await session.get(QuestionnaireVersion, version_id)


async def list_versions(session: AsyncSession) -> list[QuestionnaireVersion]:
    """Published versions (drafts stored for test runs are not versions)."""
    return list(
        await session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.is_draft.is_(False))
            .order_by(
                QuestionnaireVersion.questionnaire, QuestionnaireVersion.published_at
            )
        )
    )


async def newest_version(
    session: AsyncSession, *, questionnaire: str
) -> QuestionnaireVersion | None:
    return await session.scalar(
        select(QuestionnaireVersion)
        .where(
            QuestionnaireVersion.questionnaire == questionnaire,
            QuestionnaireVersion.is_draft.is_(False),
        )
        .order_by(
            QuestionnaireVersion.published_at.desc(), QuestionnaireVersion.id.desc()
        )
        .limit(1)
    )


def changed_message(path: str, questionnaire: str, version: str) -> str:
    return (
        f"{path}: version {questionnaire}/{version} is already published and cannot change. "
        f"Published versions are immutable so that respondents and analysts keep seeing what "
        f"was fielded. Copy your edits into a new version file (e.g. "
        f"questionnaires/{questionnaire}/{version}-2.yaml with 'version: \"{version}-2\"'), "
        f"publish that, and restore this file."
    )


async def publish_file(
    session: AsyncSession,
    *,
    path: Path,
    published_by_id: int | None = None,
    shown_as: str | None = None,
) -> tuple[QuestionnaireVersion, bool]:
    """Check and publish a questionnaire file. Returns (version, newly_published).

    Refuses (``PublishedVersionChanged``) when this version was published before
    with different content; publishing the same content again is a no-op.
    Raises ``DefinitionErrors`` (file, line, reason) when the file is broken.
    """
    data = path.read_bytes()
    shown = shown_as or str(path)  # messages name the file as the caller knows it
    compiled = loader.load_bytes(data, shown)
    return await publish_compiled(
        session,
        compiled=compiled,
        text=data.decode("utf-8-sig"),
        path=shown,
        published_by_id=published_by_id,
        translated=translations.load_translations(
            compiled.definition, path, shown_as=shown
        ),
    )


async def publish_compiled(
    session: AsyncSession,
    *,
    compiled: CompiledQuestionnaire,
    text: str,
    path: str,
    published_by_id: int | None = None,
    translated: dict[str, dict[str, str]] | None = None,
) -> tuple[QuestionnaireVersion, bool]:
    """Publish an already loaded version; ``text`` is the file's exact text,
    ``translated`` its checked translations (``{language: {key: text}}``)."""
    definition = compiled.definition
    translations_json = _translations_json(translated)
    existing = await get_version(
        session, questionnaire=definition.questionnaire, version=definition.version
    )
    if existing is not None:
        if (
            existing.content_hash != compiled.content_hash
            or existing.translations_json != translations_json
        ):
            raise PublishedVersionChanged(
                changed_message(path, definition.questionnaire, definition.version)
            )
        return existing, False
    version = QuestionnaireVersion(
        questionnaire=definition.questionnaire,
        version=definition.version,
        title=definition.title,
        content_hash=compiled.content_hash,
        source=text,
        definition_json=definition.model_dump_json(),
        translations_json=translations_json,
        published_by_id=published_by_id,
    )
    session.add(version)
    await session.flush()
    return version, True


def _translations_json(translated: dict[str, dict[str, str]] | None) -> str:
    return json.dumps(translated or {}, ensure_ascii=False, sort_keys=True)


def languages_of(version: QuestionnaireVersion) -> list[str]:
    """The languages a stored version can be answered in, its own first."""
    own = json.loads(version.definition_json).get("language", "nl")
    return [own, *sorted(json.loads(version.translations_json or "{}"))]


DRAFT_MARK = "~"


async def store_draft(
    session: AsyncSession,
    *,
    compiled: CompiledQuestionnaire,
    text: str,
    stored_by_id: int | None = None,
    translated: dict[str, dict[str, str]] | None = None,
) -> QuestionnaireVersion:
    """Store a checked, unpublished file so that staff can test-run it.

    Respondent pages serve versions from the database, so a test run of a draft
    needs a row too; it is marked ``is_draft`` and named after its content
    (``2025~3f2a9c1e``), so the same draft text is stored once, every edit gets
    its own row, and publishing stays the only way to field a version.
    """
    definition = compiled.definition
    translations_json = _translations_json(translated)
    digest = compiled.content_hash
    if translated:  # an edited translation is another draft as well
        digest = loader.content_hash((digest + translations_json).encode())
    name = f"{definition.version}{DRAFT_MARK}{digest[:8]}"
    existing = await get_version(
        session, questionnaire=definition.questionnaire, version=name
    )
    if existing is not None:
        return existing
    draft = QuestionnaireVersion(
        questionnaire=definition.questionnaire,
        version=name,
        title=definition.title,
        content_hash=compiled.content_hash,
        source=text,
        definition_json=definition.model_dump_json(),
        translations_json=translations_json,
        published_by_id=stored_by_id,
        is_draft=True,
    )
    session.add(draft)
    await session.flush()
    return draft


def questionnaire_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*.yaml") if p.is_file())


def display_path(path: Path) -> str:
    """How messages name a questionnaire file: ``questionnaires/<q>/<v>.yaml``,
    never where the server keeps it."""
    return f"questionnaires/{path.parent.name}/{path.name}"


def file_for(root: Path, *, questionnaire: str, version: str) -> Path | None:
    """The file of ``questionnaire``/``version``, looked up in the listing of
    ``root``: never a path built from what a URL or form says (``..``)."""
    for path in questionnaire_files(root):
        if (path.parent.name, path.stem) == (questionnaire, version):
            return path
    return None


def _version_order(version: str) -> tuple[int, ...] | tuple[float, str]:
    parts = version.replace("-", ".").split(".")
    if all(part.isdigit() for part in parts):
        return tuple(int(part) for part in parts)
    return (float("inf"), version)


def default_comparison(refs: list[str]) -> tuple[str | None, str | None]:
    """What the compare form offers first: the two newest versions of one
    questionnaire (comparing two different questionnaires is never meant)."""
    by_questionnaire: dict[str, list[str]] = {}
    for ref in refs:
        questionnaire, version = ref.split("/", 1)
        by_questionnaire.setdefault(questionnaire, []).append(version)
    for questionnaire, versions in sorted(by_questionnaire.items()):
        if len(versions) >= 2:
            old, new = sorted(versions, key=_version_order)[-2:]
            return f"{questionnaire}/{old}", f"{questionnaire}/{new}"
    first = refs[0] if refs else None
    return first, first


def draft_file(root: Path, *, questionnaire: str, version: str) -> Path:
    """Like ``file_for``, but a missing file is a ``NotFound``."""
    path = file_for(root, questionnaire=questionnaire, version=version)
    if path is None:
        raise NotFound(f"Er is geen vragenlijstbestand {questionnaire}/{version}.")
    return path


async def file_statuses(session: AsyncSession, *, root: Path) -> list[FileStatus]:
    """Every file under ``root`` with its publication state (draft/published/changed)."""
    published = {(v.questionnaire, v.version): v for v in await list_versions(session)}
    statuses = []
    for path in questionnaire_files(root):
        questionnaire, version = path.parent.name, path.stem
        statuses.append(
            FileStatus(
                path=path,
                questionnaire=questionnaire,
                version=version,
                content_hash=loader.content_hash(path.read_bytes()),
                published=published.get((questionnaire, version)),
            )
        )
    return statuses


def load_all(root: Path) -> dict[tuple[str, str], CompiledQuestionnaire]:
    """Load and check every file; raises ``DefinitionErrors`` listing all problems."""
    return loader.load_directory(root)


__all__ = [
    "CompiledVersions",
    "DefinitionErrors",
    "FileStatus",
    "PublishedVersionChanged",
    "VersionInfo",
    "VersionLoader",
    "changed_message",
    "compiled_version",
    "draft_file",
    "file_statuses",
    "get_version",
    "get_version_by_id",
    "list_versions",
    "load_all",
    "load_stored_version",
    "newest_version",
    "publish_compiled",
    "publish_file",
    "questionnaire_files",
    "require_version",
    "store_draft",
]
