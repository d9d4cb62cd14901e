from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.questionnaires.errors import (
    DefinitionError,
    DefinitionErrors,
    ErrorCode,
    Problem,
)
from app.questionnaires.loader import (
    content_hash,
    load_directory,
    load_questionnaire,
    load_text,
)
from app.questionnaires.yamlsource import read_yaml
from tests.questionnaires.inline import document, line_of, problems_of

SIMPLE = """
- id: b1
  pages:
    - id: p1
      questions:
        - id: q1
          type: single
          text: Bent u politiek ambtsdrager?
          options:
            - {code: 1, name: ja, label: Ja}
            - {code: 2, name: no, label: Nee}
"""


def errors_of(
    text: str, filename: str = "demo.yaml"
) -> list[tuple[ErrorCode, int | None]]:
    return [(p.code, p.line) for p in problems_of(text, filename)]


class TestProblemFormat:
    def test_str_is_file_line_message_code(self) -> None:
        problem = Problem.of(
            ErrorCode.UNKNOWN_REF,
            file="questionnaires/officials/2024.yaml",
            line=12,
            where="routing condition",
            ref="q5b",
        )
        assert str(problem) == (
            "questionnaires/officials/2024.yaml:12: routing condition refers to ${q5b}, "
            "which is not a question in this version [UNKNOWN_REF]"
        )

    def test_single_error_can_be_raised(self) -> None:
        with pytest.raises(DefinitionError, match=r"^f.yaml:3: .*\[UNKNOWN_SCALE\]$"):
            raise DefinitionError(
                ErrorCode.UNKNOWN_SCALE, file="f.yaml", line=3, question="q1", scale="x"
            )


class TestYaml12:
    def test_no_stays_text(self) -> None:
        compiled = load_text(document(SIMPLE))
        assert compiled.questions["q1"].names == {"ja": 1, "no": 2}

    def test_quoted_leading_zero_stays_text(self) -> None:
        data, _ = read_yaml("values: {'012': a, no: b, yes: c}\n", "f.yaml")
        assert data == {"values": {"012": "a", "no": "b", "yes": "c"}}
        assert all(type(k) is str for k in data["values"])

    def test_attribute_values_keep_their_text(self) -> None:
        extra = (
            "attributes:\n  region: {label: Regio, values: {'012': Twaalf, no: Noord}}"
        )
        compiled = load_text(document(SIMPLE, extra=extra))
        assert list(compiled.definition.attributes["region"].values) == ["012", "no"]

    def test_plain_types_only(self) -> None:
        data, _ = read_yaml("a: [1, true, 'x', null]\n", "f.yaml")
        assert [type(v) for v in data["a"]] == [int, bool, str, type(None)]

    def test_line_map_points_at_keys_and_items(self) -> None:
        text = "a:\n  - x: 1\n    y: 2\n  - z: 3\n"
        _, source = read_yaml(text, "f.yaml")
        assert source.line(("a", 0, "y")) == 3
        assert source.line(("a", 1)) == 4
        assert source.line(("a", 1, "missing")) == 4


class TestContentHash:
    def test_is_sha256_of_the_exact_bytes(self) -> None:
        data = document(SIMPLE).encode()
        assert (
            load_text(document(SIMPLE)).content_hash == hashlib.sha256(data).hexdigest()
        )
        assert content_hash(data) == hashlib.sha256(data).hexdigest()

    def test_a_changed_space_changes_the_hash(self) -> None:
        data = document(SIMPLE).encode()
        assert content_hash(data) != content_hash(data.replace(b"Ja}", b"Ja }"))


class TestMalformedYaml:
    def test_reports_the_line_ruamel_reports(self) -> None:
        text = document(SIMPLE).replace("text: Bent u", "text: [Bent u")
        [problem] = problems_of(text)
        assert problem.code is ErrorCode.YAML_SYNTAX
        assert "expected ',' or ']'" in problem.message
        assert problem.line == line_of(text, "options:")

    def test_duplicate_keys_are_malformed(self) -> None:
        text = document(
            SIMPLE.replace("type: single\n", "type: single\n          type: text\n")
        )
        assert errors_of(text) == [(ErrorCode.YAML_SYNTAX, line_of(text, "type: text"))]

    def test_not_a_mapping(self) -> None:
        assert errors_of("- a\n- b\n") == [(ErrorCode.SCHEMA, 1)]


class TestSchemaErrors:
    def test_missing_label_is_located_at_the_option(self) -> None:
        text = document(SIMPLE).replace(
            "{code: 2, name: no, label: Nee}", "{code: 2, name: no}"
        )
        [problem] = problems_of(text)
        assert (problem.code, problem.line) == (
            ErrorCode.SCHEMA,
            line_of(text, "{code: 2, name: no}"),
        )
        assert problem.message.startswith(
            "blocks[0].pages[0].questions[0].options[1].label: Field required"
        )

    def test_wrong_value_is_located_at_its_key(self) -> None:
        text = document(SIMPLE).replace("code: 1,", "code: een,")
        assert errors_of(text) == [(ErrorCode.SCHEMA, line_of(text, "code: een"))]

    def test_unknown_type(self) -> None:
        text = document(SIMPLE).replace("type: single", "type: dropdown")
        [problem] = problems_of(text)
        assert problem.line == line_of(text, "- id: q1")
        assert "dropdown" in problem.message

    def test_every_schema_error_is_reported(self) -> None:
        text = (
            document(SIMPLE)
            .replace("id: q1", "id: Q1")
            .replace("{code: 1, name: ja, label: Ja}", "{code: 1}")
        )
        assert errors_of(text) == [
            (ErrorCode.SCHEMA, line_of(text, "id: Q1")),
            (ErrorCode.SCHEMA, line_of(text, "{code: 1}")),
        ]

    def test_unknown_key_is_refused(self) -> None:
        text = document(
            SIMPLE.replace("type: single", "type: single\n          colour: red")
        )
        assert errors_of(text) == [(ErrorCode.SCHEMA, line_of(text, "colour: red"))]

    def test_version_number_is_read_as_text(self) -> None:
        text = document(SIMPLE).replace('version: "1"', "version: 2024")
        assert load_text(text).definition.version == "2024"


class TestLocation:
    def test_folder_must_match_questionnaire(self) -> None:
        text = document(SIMPLE).replace('version: "1"', 'version: "2024"')
        assert errors_of(text, "questionnaires/officials/2024.yaml") == [
            (ErrorCode.FOLDER_MISMATCH, line_of(text, "questionnaire: demo"))
        ]

    def test_file_name_must_match_version(self) -> None:
        text = document(SIMPLE)
        assert errors_of(text, "questionnaires/demo/2024.yaml") == [
            (ErrorCode.VERSION_MISMATCH, line_of(text, 'version: "1"'))
        ]

    def test_other_paths_are_not_checked(self) -> None:
        assert load_text(document(SIMPLE), "tmp/anything.yaml").key == ("demo", "1")


class TestFiles:
    def test_load_questionnaire(self, tmp_path: Path) -> None:
        path = tmp_path / "demo.yaml"
        path.write_text(document(SIMPLE), encoding="utf-8")
        compiled = load_questionnaire(path)
        assert (compiled.key, compiled.source) == (("demo", "1"), str(path))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DefinitionErrors) as info:
            load_questionnaire(tmp_path / "nope.yaml")
        assert [p.code for p in info.value.problems] == [ErrorCode.FILE_UNREADABLE]

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "demo.yaml"
        path.write_bytes(document(SIMPLE).replace("Nee", "N\u00e9e").encode("latin-1"))
        with pytest.raises(DefinitionErrors, match="not UTF-8"):
            load_questionnaire(path)

    def test_load_directory_collects_problems_of_all_files(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "demo").mkdir()
        (tmp_path / "demo" / "1.yaml").write_text(document(SIMPLE))
        (tmp_path / "demo" / "2.yaml").write_text(document(SIMPLE))
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "1.yaml").write_text("a: [")
        with pytest.raises(DefinitionErrors) as info:
            load_directory(tmp_path)
        assert [
            (Path(p.file).relative_to(tmp_path).as_posix(), p.code)
            for p in info.value.problems
        ] == [
            ("demo/2.yaml", ErrorCode.VERSION_MISMATCH),
            ("other/1.yaml", ErrorCode.YAML_SYNTAX),
        ]

    def test_load_directory_returns_versions_by_key(self, tmp_path: Path) -> None:
        (tmp_path / "demo").mkdir()
        (tmp_path / "demo" / "1.yaml").write_text(document(SIMPLE))
        (tmp_path / "demo" / "2.yaml").write_text(
            document(SIMPLE).replace('version: "1"', 'version: "2"')
        )
        assert sorted(load_directory(tmp_path)) == [("demo", "1"), ("demo", "2")]


class TestMergeKeys:
    def test_merged_keys_are_located_at_the_merging_map(self) -> None:
        _, source = read_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  z: 3\n", "f.yaml")
        assert (source.line(("other", "x")), source.line(("other", "z"))) == (2, 4)
