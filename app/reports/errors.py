"""Located, coded problems in table definition files, in the questionnaire files' style.

``str(problem)`` is ``file:line: message [CODE]``, as ``questionnaire check``
prints, so authors fix both kinds of file the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, unique

from app.errors import InvalidInput


@unique
class ReportErrorCode(Enum):
    YAML_SYNTAX = "the file is not valid YAML: {detail}"
    FILE_UNREADABLE = "the file cannot be read: {detail}"
    SCHEMA = "{where}: {detail}"
    UNKNOWN_QUESTIONNAIRE = "questionnaire '{name}' version {version} is not in {root}"
    UNKNOWN_VARIABLE = (
        "{where} uses variable '{name}', which is not in the export of {versions}"
    )
    UNKNOWN_VALUE = (
        "{where} uses value '{value}', which variable '{name}' does not have"
    )
    NOT_MULTIPLE = "{where}: '{name}' is not a multiple-response question"
    NOT_CATEGORICAL = "{where}: variable '{name}' has no categories (it is a {kind})"
    UNKNOWN_BASE = "{where} uses base '{name}', which is not defined under bases:"
    UNKNOWN_BREAKDOWN = (
        "{where} uses breakdown '{name}', which is not defined under breakdowns:"
    )
    DUPLICATE_ID = "table id '{id}' is used twice (first on line {first})"
    DUPLICATE_KEY = "{where} has key '{key}' twice"
    OVERLAPPING_GROUPS = "{where}: value {value} is in groups '{a}' and '{b}'"
    EDITION_ORDER = "{where}: editions must be earlier than {edition}, oldest first"
    NO_REFERENCE = "{where}: editions given but the file names no reference series"
    UNKNOWN_REFERENCE = "reference series '{name}' does not exist ({detail})"


@dataclass(frozen=True)
class ReportProblem:
    file: str
    line: int | None
    code: ReportErrorCode
    message: str

    @classmethod
    def of(
        cls, code: ReportErrorCode, /, *, file: str, line: int | None, **fields: object
    ) -> ReportProblem:
        return cls(file, line, code, code.value.format(**fields))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} [{self.code.name}]"


class ReportDefinitionErrors(InvalidInput):
    """Every problem found in a table definition file."""

    def __init__(self, problems: Iterable[ReportProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


class ReportOptionsError(InvalidInput):
    """A request for tables that cannot be met (no definition for the edition, ...)."""
