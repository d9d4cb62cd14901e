"""What every check needs: the definition indexed by id, and a place to report."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.questionnaires.compiler import (
    located_questions,
    question_options,
    question_rows,
)
from app.questionnaires.definition import (
    AnyQuestion,
    Derived,
    Option,
    Questionnaire,
    Row,
)
from app.questionnaires.errors import ErrorCode, Problem, Severity
from app.questionnaires.yamlsource import Path, SourceMap


@dataclass
class QuestionInfo:
    model: AnyQuestion
    index: int
    page_index: int
    path: Path
    options: list[Option]
    rows: list[Row]

    @property
    def names(self) -> dict[str, int]:
        return {o.name: o.code for o in self.options if o.name}

    @property
    def codes(self) -> set[int]:
        return {o.code for o in self.options}


@dataclass
class DerivedInfo:
    model: Derived
    order: int
    ready: int = -1
    """Index of the last question it depends on: usable only after that question."""
    ready_page: int = -1
    type: str = "any"


@dataclass
class Context:
    qn: Questionnaire
    source: SourceMap
    problems: list[Problem] = field(default_factory=list)
    questions: dict[str, QuestionInfo] = field(default_factory=dict)
    derived: dict[str, DerivedInfo] = field(default_factory=dict)

    @classmethod
    def build(cls, qn: Questionnaire, source: SourceMap) -> Context:
        ctx = cls(qn, source)
        for path, index, page_index, q in located_questions(qn):
            options = question_options(q, qn.scales)
            info = QuestionInfo(q, index, page_index, path, options, question_rows(q))
            ctx.questions.setdefault(q.id, info)
        for order, d in enumerate(qn.derived):
            ctx.derived.setdefault(d.id, DerivedInfo(d, order))
        return ctx

    def line(self, path: Path) -> int | None:
        return self.source.line(path)

    def report(self, error: ErrorCode, path: Path, /, **fields: object) -> None:
        self._add(error, path, Severity.error, fields)

    def warn(self, error: ErrorCode, path: Path, /, **fields: object) -> None:
        self._add(error, path, Severity.warning, fields)

    def _add(
        self,
        error: ErrorCode,
        path: Path,
        severity: Severity,
        fields: dict[str, object],
    ) -> None:
        message = error.value.format(**fields)
        self.problems.append(
            Problem(self.source.file, self.line(path), error, message, severity)
        )
