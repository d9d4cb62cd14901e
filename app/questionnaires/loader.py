"""Questionnaire files → checked, compiled versions, with located errors.

Loading is parse → validate (pydantic) → check (cross-references, reachability)
→ compile. Every stage reports ``file:line`` problems, and a stage that finds
errors reports all of them at once before the load stops. YAML is read as YAML
1.2 by ruamel.yaml, so ``no`` stays text and quoted ``'012'`` stays "012".
"""

from __future__ import annotations

import hashlib
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from app.questionnaires import checks, translations, types
from app.questionnaires.compiler import CompiledQuestionnaire, compile_questionnaire
from app.questionnaires.definition import Questionnaire
from app.questionnaires.errors import (
    DefinitionErrors,
    ErrorCode,
    Problem,
    Severity,
    has_errors,
)
from app.questionnaires.yamlsource import Path, SourceMap, read_yaml


def content_hash(data: bytes) -> str:
    """SHA-256 of the exact file bytes: a published version is pinned to them."""
    return hashlib.sha256(data).hexdigest()


def validate(data: Any, source: SourceMap) -> Questionnaire:
    """Shape-check with the pydantic model, every error located at its line."""
    if not isinstance(data, dict):
        problem = Problem.of(
            ErrorCode.SCHEMA,
            file=source.file,
            line=1,
            where="file",
            detail="expected a mapping",
        )
        raise DefinitionErrors([problem])
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        problems = [_schema_problem(error, data, source) for error in exc.errors()]
        raise DefinitionErrors(problems) from None


def _schema_problem(error: Any, data: Any, source: SourceMap) -> Problem:
    path = _data_path(tuple(error["loc"]), data)
    where = _dotted(path) or "file"
    return Problem.of(
        ErrorCode.SCHEMA,
        file=source.file,
        line=source.line(path),
        where=where,
        detail=error["msg"],
    )


def _data_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Keep the parts of a pydantic ``loc`` that exist in the data.

    Pydantic inserts union tags and validator names (``'single'``,
    ``'function-after[...]'``) that are not keys in the file; skipping them leaves
    the path to the nearest thing the author wrote.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_tag(part):
            path.append(part)  # a missing key: report it, located at its parent
            break
        else:
            continue
        path.append(part)
    return tuple(path)


def _is_tag(part: str) -> bool:
    return part in types.REGISTRY or "[" in part


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def check_location(
    qn: Questionnaire, filename: str, source: SourceMap, *, in_tree: bool = False
) -> list[Problem]:
    """``questionnaires/<q>/<v>.yaml`` must say ``questionnaire: <q>`` and ``version: <v>``.

    Applies when the path has that shape, or always for files found by
    ``load_directory`` (``in_tree``), whatever its root folder is called.
    """
    parts = FsPath(filename).parts
    if len(parts) < 2 or not (
        in_tree or (len(parts) >= 3 and parts[-3] == "questionnaires")
    ):
        return []
    folder, stem = parts[-2], FsPath(parts[-1]).stem
    problems = []
    if folder != qn.questionnaire:
        line = source.line(("questionnaire",))
        problems.append(
            Problem.of(
                ErrorCode.FOLDER_MISMATCH,
                file=filename,
                line=line,
                folder=folder,
                name=qn.questionnaire,
            )
        )
    if stem != qn.version:
        line = source.line(("version",))
        problems.append(
            Problem.of(
                ErrorCode.VERSION_MISMATCH,
                file=filename,
                line=line,
                stem=stem,
                version=qn.version,
            )
        )
    return problems


def load_bytes(
    data: bytes, filename: str, *, in_tree: bool = False
) -> CompiledQuestionnaire:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        detail = f"not UTF-8 ({exc.reason} at byte {exc.start})"
        raise DefinitionErrors(
            [
                Problem.of(
                    ErrorCode.FILE_UNREADABLE, file=filename, line=None, detail=detail
                )
            ]
        ) from None
    document, source = read_yaml(text, filename)
    qn = validate(document, source)
    problems = check_location(qn, filename, source, in_tree=in_tree) + checks.check(
        qn, source
    )
    if has_errors(problems):
        raise DefinitionErrors(problems)
    warnings = tuple(p for p in problems if p.severity is Severity.warning)
    return compile_questionnaire(
        qn, source=filename, content_hash=content_hash(data), warnings=warnings
    )


def load_text(text: str, filename: str = "<string>") -> CompiledQuestionnaire:
    """Load from a string; ``filename`` is only shown in messages (and location checks)."""
    return load_bytes(text.encode("utf-8"), filename)


def load_questionnaire(
    path: str | FsPath, *, in_tree: bool = False
) -> CompiledQuestionnaire:
    try:
        data = FsPath(path).read_bytes()
    except OSError as exc:
        raise DefinitionErrors(
            [
                Problem.of(
                    ErrorCode.FILE_UNREADABLE,
                    file=str(path),
                    line=None,
                    detail=exc.strerror or str(exc),
                )
            ]
        ) from None
    return load_bytes(data, str(path), in_tree=in_tree)


def load_directory(root: str | FsPath) -> dict[tuple[str, str], CompiledQuestionnaire]:
    """Every ``<root>/<questionnaire>/<version>.yaml``, and its translations
    (``translations/<version>.<lang>.yaml``); one error anywhere refuses all.

    The app loads this at startup and must not run with a broken file, so the
    problems of every file are gathered into one ``DefinitionErrors``.
    """
    loaded: dict[tuple[str, str], CompiledQuestionnaire] = {}
    problems: list[Problem] = []
    for path in sorted(FsPath(root).glob("*/*.yaml")):
        try:
            compiled = load_questionnaire(path, in_tree=True)
            translations.load_translations(compiled.definition, path)
        except DefinitionErrors as exc:
            problems.extend(exc.problems)
            continue
        loaded[compiled.key] = compiled
    if problems:
        raise DefinitionErrors(problems)
    return loaded
