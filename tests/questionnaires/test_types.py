"""The question-type registry: every type declares all its parts, and every
model of the file format has its type (drift between definition.py and types/)."""

from __future__ import annotations

from typing import get_args

import pytest

from app.questionnaires.definition import AnyQuestion
from app.questionnaires.loader import load_directory
from app.questionnaires.types import REGISTRY, QuestionType, question_type
from app.web import create_templates

BUILTIN = ("single", "multiple", "grid", "scale", "number", "text", "info")


def _type_literal(spec: QuestionType) -> str:
    (name,) = get_args(spec.model.model_fields["type"].annotation)
    return str(name)


class TestRegistry:
    def test_builtin_types_in_file_order(self) -> None:
        assert tuple(REGISTRY) == BUILTIN

    def test_every_model_of_the_format_is_registered(self) -> None:
        models = get_args(AnyQuestion)
        assert {_name(m) for m in models} == set(BUILTIN)
        assert {REGISTRY[_name(m)].model for m in models} == set(models)

    @pytest.mark.parametrize("name", BUILTIN)
    def test_type_declares_all_its_parts(self, name: str) -> None:
        spec = REGISTRY[name]
        assert spec.name == name == _type_literal(spec)
        assert spec.label and spec.document_label and spec.macro
        assert callable(spec.options) and callable(spec.rows)
        assert callable(spec.columns) and callable(spec.answer_note)
        assert callable(spec.view_fields) and callable(spec.shared_scale)
        assert spec.stored in ("value", "list", "text")
        assert spec.rows_key in ("rows", "items")
        assert spec.asks == (spec.parse_answer is not None)

    @pytest.mark.parametrize("name", BUILTIN)
    def test_macro_exists_in_the_respondent_template(self, name: str) -> None:
        env = create_templates(auto_reload=False).env
        module = env.get_template("responses/_questions.html").module
        macro = REGISTRY[name].macro
        assert callable(getattr(module, macro))
        assert module.by_name[macro] is getattr(module, macro)  # what question() calls

    def test_each_type_used_in_the_shipped_files_gives_columns_when_it_asks(
        self,
    ) -> None:
        seen: set[str] = set()
        for cq in load_directory("questionnaires").values():
            for question in cq.questions.values():
                spec = question_type(question)
                seen.add(spec.name)
                columns = spec.columns(question)
                assert bool(columns) == spec.asks, question.id
                assert all(c.name.startswith(question.id) for c in columns)
        assert seen == set(BUILTIN)


def _name(model: type) -> str:
    (name,) = get_args(model.model_fields["type"].annotation)  # type: ignore[attr-defined]
    return str(name)
