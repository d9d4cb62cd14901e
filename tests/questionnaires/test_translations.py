"""Translation files: refused with file, line and reason; the shipped English passes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncSession

from app.questionnaires import drafts
from app.questionnaires.cli import questionnaire_group
from app.questionnaires.errors import DefinitionErrors, ErrorCode
from app.questionnaires.loader import load_directory, load_questionnaire
from app.questionnaires.service import (
    CompiledVersions,
    PublishedVersionChanged,
    VersionInfo,
    languages_of,
    publish_file,
)
from app.questionnaires.translations import (
    compile_translation,
    load_translations,
    source_texts,
)
from app.web import PROJECT_ROOT

OFFICIALS = PROJECT_ROOT / "questionnaires" / "officials" / "2024.yaml"
ENGLISH = OFFICIALS.parent / "translations" / "2024.en.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of officials/2024 with its English translation, to break."""
    folder = tmp_path / "questionnaires" / "officials"
    (folder / "translations").mkdir(parents=True)
    shutil.copy(OFFICIALS, folder / "2024.yaml")
    shutil.copy(ENGLISH, folder / "translations" / "2024.en.yaml")
    return folder


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def check(folder: Path) -> list[str]:
    compiled = load_questionnaire(folder / "2024.yaml")
    with pytest.raises(DefinitionErrors) as caught:
        load_translations(compiled.definition, folder / "2024.yaml")
    assert all(p.code is ErrorCode.TRANSLATION for p in caught.value.problems)
    return [str(p) for p in caught.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def test_the_shipped_english_translates_every_text() -> None:
    compiled = load_questionnaire(OFFICIALS)
    texts = load_translations(compiled.definition, OFFICIALS)["en"]
    assert set(texts) == set(source_texts(compiled.definition))
    english = compile_translation(compiled, "en", texts)
    assert english.content_hash == compiled.content_hash
    assert [p.id for p in english.pages] == [p.id for p in compiled.pages]
    assert "confidential" in english.definition.welcome
    assert english.definition.attributes["function"].values["burgemeester"] == "mayor"


def test_check_command_checks_the_translation_too() -> None:
    result = CliRunner().invoke(questionnaire_group, ["check", str(OFFICIALS)])
    assert result.exit_code == 0, result.output
    assert "translation 'en' ok, 412 texts" in result.output


def test_a_missing_text_is_refused_with_file_and_line(tree: Path) -> None:
    english = tree / "translations" / "2024.en.yaml"
    edit(english, '  q_gender.text: "What is your sex?"\n', "")
    [message] = check(tree)
    assert message.startswith(f"{english}:{line_of(english, 'texts:')}: ")
    assert "missing text 'q_gender.text'" in message
    assert '"Wat is uw geslacht?"' in message


def test_a_changed_placeholder_is_refused_at_its_line(tree: Path) -> None:
    english = tree / "translations" / "2024.en.yaml"
    edit(english, "as ${function}, have", "as ${functie}, have")
    [message] = check(tree)
    line = line_of(english, "q_contact_freq.text")
    assert message.startswith(f"{english}:{line}: ")
    assert "'q_contact_freq.text' has placeholders ['${functie}']" in message
    assert "the original ['${function}']" in message


def test_a_dropped_placeholder_is_refused(tree: Path) -> None:
    english = tree / "translations" / "2024.en.yaml"
    edit(english, "must be ${q_aggr_count.verbaal} times", "must be the same")
    [message] = check(tree)
    assert f":{line_of(english, 'q_split_verbal.constraint_message')}: " in message
    assert "placeholders none" in message


def test_an_unknown_key_and_a_wrong_language_are_refused(tree: Path) -> None:
    english = tree / "translations" / "2024.en.yaml"
    edit(english, "language: en", "language: nl")
    text = english.read_text("utf-8") + '  q_nonexistent.text: "Hello"\n'
    english.write_text(text, "utf-8")
    messages = check(tree)
    assert any(
        f":{line_of(english, 'q_nonexistent')}: " in m
        and "'q_nonexistent.text' is not a text of version 2024" in m
        for m in messages
    )
    assert any("language must be one of: en" in m for m in messages)


def test_check_command_fails_on_a_broken_translation(tree: Path) -> None:
    english = tree / "translations" / "2024.en.yaml"
    edit(english, '  q_age.text: "What is your age?"\n', "")
    result = CliRunner().invoke(questionnaire_group, ["check", str(tree / "2024.yaml")])
    assert result.exit_code == 1
    assert "missing text 'q_age.text'" in result.output
    assert "[TRANSLATION]" in result.output


@pytest.mark.asyncio
async def test_publishing_stores_the_translation_and_keeps_it_immutable(
    session: AsyncSession, tree: Path
) -> None:
    version, new = await publish_file(session, path=tree / "2024.yaml")
    assert new
    assert languages_of(version) == ["nl", "en"]
    stored = json.loads(version.translations_json)["en"]
    assert stored["q_contact_freq.text"].startswith("How often do you")
    again, new = await publish_file(session, path=tree / "2024.yaml")
    assert (again.id, new) == (version.id, False)
    english = tree / "translations" / "2024.en.yaml"
    edit(english, '"What is your age?"', '"How old are you?"')
    with pytest.raises(PublishedVersionChanged):
        await publish_file(session, path=tree / "2024.yaml")


@pytest.mark.asyncio
async def test_a_draft_carries_its_translation_and_each_edit_is_a_new_draft(
    session: AsyncSession, tree: Path
) -> None:
    path = tree / "2024.yaml"
    first = await drafts.store_draft_file(
        session, data=path.read_bytes(), filename="officials/2024.yaml", path=path
    )
    assert languages_of(first) == ["nl", "en"]
    english = tree / "translations" / "2024.en.yaml"
    edit(english, '"What is your age?"', '"How old are you?"')
    second = await drafts.store_draft_file(
        session, data=path.read_bytes(), filename="officials/2024.yaml", path=path
    )
    assert second.id != first.id
    assert "How old are you?" in second.translations_json


def test_the_startup_load_refuses_a_broken_translation(tree: Path) -> None:
    root = tree.parent
    assert set(load_directory(root)) == {("officials", "2024")}
    english = tree / "translations" / "2024.en.yaml"
    edit(english, '  q_age.text: "What is your age?"\n', "")
    with pytest.raises(DefinitionErrors) as caught:
        load_directory(root)
    assert "missing text 'q_age.text'" in str(caught.value)


def test_translated_versions_are_cached_per_stored_version_and_language() -> None:
    compiled = load_questionnaire(OFFICIALS)
    texts = load_translations(compiled.definition, OFFICIALS)["en"]
    edited = {**texts, "title": "Edited title"}
    cache = CompiledVersions()
    first = VersionInfo(1, "officials", "2024~a", compiled.content_hash, {"en": texts})
    second = VersionInfo(
        2, "officials", "2024~b", compiled.content_hash, {"en": edited}
    )
    english = cache.in_language(first, compiled, "en")
    assert cache.in_language(first, compiled, "en") is english
    assert english.definition.title.startswith("Integrity and Safety Monitor")
    assert cache.in_language(second, compiled, "en").definition.title == "Edited title"
    assert cache.in_language(first, compiled, "nl") is compiled
    assert cache.in_language(first, compiled, "de") is compiled
