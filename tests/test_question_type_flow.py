"""A new question type flows through parse → validate → export columns by
registering it, without touching the compiler, submission or exports.

The toy type lives in this test and is registered only while it runs. The file
format's union of models (``definition.AnyQuestion``) is static, so the toy
question is parsed by its own model and put on a page of a loaded version.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from ruamel.yaml import YAML

from app.exports.parts import question_parts
from app.questionnaires import routing
from app.questionnaires.compiler import (
    CompiledQuestion,
    CompiledQuestionnaire,
    compile_questionnaire,
)
from app.questionnaires.definition import AskedQuestion
from app.questionnaires.types import (
    REGISTRY,
    AnswerForm,
    Column,
    Parsed,
    QuestionType,
    register,
    short_label,
    unregister,
)
from tests.questionnaires.inline import load_inline


class YesNo(AskedQuestion):
    type: Literal["yesno"]


def _parse(form: AnswerForm) -> Parsed:
    question = form.question
    values = form.values(question.id)
    parsed = Parsed()
    if values == ["ja"] or values == ["nee"]:
        parsed.value = int(values == ["ja"])
    elif values:
        parsed.errors[question.id] = form.message("invalid_option")
    return parsed


def _columns(question: CompiledQuestion) -> list[Column]:
    model = question.model
    labels = ((0, "Nee"), (1, "Ja"))
    return [
        Column(
            None,
            model.id,
            short_label(model),
            model.text,
            "coded",
            "nominal",
            labels,
            "none",
        )
    ]


YESNO = QuestionType(
    name="yesno",
    model=YesNo,
    label="ja/nee",
    document_label="ja of nee",
    macro="yesno",
    parse_answer=_parse,
    columns=_columns,
)


@pytest.fixture
def toy_type() -> Iterator[QuestionType]:
    register(YESNO)
    yield YESNO
    unregister("yesno")


def _with_toy_question(toy: YesNo) -> CompiledQuestionnaire:
    base = load_inline(
        """
        - id: b1
          pages:
            - id: p1
              questions:
                - {id: q1, type: single, text: Vraag, options: [{code: 1, label: A}]}
        """
    ).definition
    block = base.blocks[0]
    page = block.pages[0]
    page = page.model_copy(update={"questions": [*page.questions, toy]})
    block = block.model_copy(update={"pages": [page]})
    return compile_questionnaire(base.model_copy(update={"blocks": [block]}))


class TestToyType:
    def test_parse_validate_and_export(self, toy_type: QuestionType) -> None:
        entry = YAML(typ="safe").load(
            "{id: q_toy, type: yesno, text: Bent u tevreden?, required: true}"
        )
        toy = toy_type.model.model_validate(entry)
        assert isinstance(toy, YesNo)
        cq = _with_toy_question(toy)

        answers, errors = routing.parse_page_submission(
            cq, "p1", {"q1": ["1"], "q_toy": ["ja"]}, {}, {}
        )
        assert (answers, errors) == ({"q1": 1, "q_toy": 1}, {})
        assert routing.parse_page_submission(cq, "p1", {"q1": ["1"]}, {}, {}) == (
            {"q1": 1},
            {"q_toy": "Beantwoord deze vraag."},
        )

        (part,) = question_parts(cq, cq.questions["q_toy"])
        assert (part.name, part.kind, part.values) == (
            "q_toy",
            "coded",
            ((0, "Nee"), (1, "Ja")),
        )

    def test_gone_after_the_test(self) -> None:
        assert "yesno" not in REGISTRY
