"""Translations of a questionnaire version: one file per language, checked and applied.

A version is written in Dutch; ``questionnaires/<q>/translations/<version>.<lang>.yaml``
gives the same version in another language as ``texts:`` keyed by stable names
(``q5.text``, ``q5.options.2``, ``page.p_intro.title``). The structure (ids, codes,
conditions) is never translated, so a translated version routes, validates and
exports exactly like the original; only what a respondent reads changes.

The check refuses a file that misses a text, names a text the version does not
have, or changes a placeholder (``${q_x}``), with file, line and reason, so a
translator's slip can never show a respondent an untranslated or broken text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from app.questionnaires.compiler import CompiledQuestionnaire, compile_questionnaire
from app.questionnaires.definition import PIPE, Questionnaire
from app.questionnaires.errors import DefinitionErrors, ErrorCode, Problem
from app.questionnaires.yamlsource import read_yaml

LANGUAGES = {"nl": "Nederlands", "en": "English"}
"""Languages a version may be offered in, with the name shown on the welcome page."""

_QUESTION_TEXTS = (
    "text",
    "title",
    "help",
    "required_message",
    "constraint_message",
    "min_label",
    "max_label",
    "unit",
)

DataPath = tuple[str | int, ...]


def _sites(data: dict[str, Any]) -> Iterator[tuple[str, DataPath]]:
    """Every translatable text of a dumped definition: (stable key, path in the dump)."""
    for name in ("title", "welcome", "thanks"):
        yield name, (name,)
    for i, resource in enumerate(data.get("help_resources") or []):
        for name in ("label", "text"):
            if resource.get(name):
                yield f"help_resources.{i}.{name}", ("help_resources", i, name)
    for attr, spec in (data.get("attributes") or {}).items():
        for value in spec.get("values") or {}:
            yield f"attributes.{attr}.{value}", ("attributes", attr, "values", value)
    for scale, options in (data.get("scales") or {}).items():
        for i, option in enumerate(options):
            yield f"scales.{scale}.{option['code']}", ("scales", scale, i, "label")
    for bi, block in enumerate(data["blocks"]):
        if block.get("title"):
            yield f"block.{block['id']}.title", ("blocks", bi, "title")
        for pi, page in enumerate(block["pages"]):
            base: DataPath = ("blocks", bi, "pages", pi)
            for name in ("title", "intro"):
                if page.get(name):
                    yield f"page.{page['id']}.{name}", (*base, name)
            for qi, question in enumerate(page["questions"]):
                yield from _question_sites(question, (*base, "questions", qi))


def _question_sites(
    q: dict[str, Any], path: DataPath
) -> Iterator[tuple[str, DataPath]]:
    qid = q["id"]
    for name in _QUESTION_TEXTS:
        if q.get(name):
            yield f"{qid}.{name}", (*path, name)
    for i, option in enumerate(q.get("options") or []):
        yield f"{qid}.options.{option['code']}", (*path, "options", i, "label")
    for kind in ("rows", "items"):
        for i, row in enumerate(q.get(kind) or []):
            yield f"{qid}.{kind}.{row['id']}", (*path, kind, i, "text")


def _get(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: DataPath, value: str) -> None:
    _get(data, path[:-1])[path[-1]] = value


def source_texts(qn: Questionnaire) -> dict[str, str]:
    """Every translatable text of a version by key, in the order of the file."""
    data = qn.model_dump(mode="python")
    return {key: _get(data, path) for key, path in _sites(data)}


def translate(qn: Questionnaire, language: str, texts: dict[str, str]) -> Questionnaire:
    """The same version with the texts of ``texts`` (checked beforehand) in place."""
    data = qn.model_dump(mode="python")
    for key, path in list(_sites(data)):
        if key in texts:
            _set(data, path, texts[key])
    data["language"] = language
    return Questionnaire.model_validate(data)


def compile_translation(
    compiled: CompiledQuestionnaire, language: str, texts: dict[str, str]
) -> CompiledQuestionnaire:
    """The compiled form of a translation: same routing, same content hash."""
    return compile_questionnaire(
        translate(compiled.definition, language, texts),
        source=compiled.source,
        content_hash=compiled.content_hash,
    )


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PIPE.finditer(text))


@dataclass(frozen=True)
class Translation:
    language: str
    texts: dict[str, str]
    file: str


def translation_files(definition_path: str | FsPath) -> list[FsPath]:
    """``<folder>/translations/<version>.<lang>.yaml`` beside a definition file."""
    path = FsPath(definition_path)
    folder = path.parent / "translations"
    return sorted(folder.glob(f"{path.stem}.*.yaml")) if folder.is_dir() else []


def check_translation(
    qn: Questionnaire, text: str, filename: str
) -> tuple[Translation | None, list[Problem]]:
    """Parse and check one translation file against its version."""
    document, source = read_yaml(text, filename)

    def problem(path: DataPath, detail: str) -> Problem:
        return Problem.of(
            ErrorCode.TRANSLATION,
            file=filename,
            line=source.line(path),
            detail=detail,
        )

    if not isinstance(document, dict):
        return None, [problem((), "expected a mapping with language: and texts:")]
    problems: list[Problem] = []
    language = document.get("language")
    if language not in LANGUAGES or language == qn.language:
        allowed = ", ".join(sorted(set(LANGUAGES) - {qn.language}))
        problems.append(problem(("language",), f"language must be one of: {allowed}"))
    stem = FsPath(filename).name.removesuffix(".yaml")
    if "." in stem and isinstance(language, str):
        version, _, file_language = stem.rpartition(".")
        if version != qn.version or file_language != language:
            problems.append(
                problem(
                    ("language",),
                    f"the file is named '{stem}' but translates version "
                    f"{qn.version} into '{language}'",
                )
            )
    for key in set(document) - {"language", "texts"}:
        problems.append(problem((key,), f"unknown key '{key}' (only language, texts)"))
    texts = document.get("texts")
    if not isinstance(texts, dict):
        problems.append(problem(("texts",), "texts: must map text keys to texts"))
        return None, problems
    wanted = source_texts(qn)
    for key, original in wanted.items():
        if key not in texts:
            problems.append(
                problem(("texts",), f"missing text '{key}' ({_short(original)})")
            )
    for key, value in texts.items():
        where = ("texts", key)
        if key not in wanted:
            problems.append(
                problem(where, f"'{key}' is not a text of version {qn.version}")
            )
        elif not isinstance(value, str) or not value.strip():
            problems.append(problem(where, f"'{key}' must be a non-empty text"))
        elif _placeholders(value) != _placeholders(wanted[key]):
            problems.append(
                problem(
                    where,
                    f"'{key}' has placeholders {_placeholders(value) or 'none'}, "
                    f"the original {_placeholders(wanted[key]) or 'none'}",
                )
            )
    if problems:
        return None, problems
    clean = {key: str(value).strip() for key, value in texts.items()}
    return Translation(str(language), clean, filename), []


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return json.dumps(
        flat if len(flat) <= 50 else flat[:47] + "...", ensure_ascii=False
    )


def load_translations(
    qn: Questionnaire, definition_path: str | FsPath, *, shown_as: str | None = None
) -> dict[str, dict[str, str]]:
    """Every translation file beside a definition, checked; all problems at once.

    ``shown_as``: how messages name the definition file (staff pages never show
    where the server keeps files); translation files are named beside it.
    """
    found: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    shown_folder = FsPath(shown_as).parent / "translations" if shown_as else None
    for path in translation_files(definition_path):
        name = str(shown_folder / path.name) if shown_folder else str(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                Problem.of(
                    ErrorCode.FILE_UNREADABLE,
                    file=name,
                    line=None,
                    detail=str(exc),
                )
            )
            continue
        try:
            translation, found_problems = check_translation(qn, text, name)
        except DefinitionErrors as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(found_problems)
        if translation is not None:
            found[translation.language] = translation.texts
    if problems:
        raise DefinitionErrors(problems)
    return found
