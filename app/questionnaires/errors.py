"""Located, coded problems in questionnaire files (pyxform style).

Authors fix files from these messages, so every problem names the file, the line
and a stable code they can search for. Checks collect *all* problems of a file
before raising, because a researcher fixing one error per run would need dozens
of runs for a new edition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum, unique


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@unique
class ErrorCode(Enum):
    """Message templates; the member name is the code printed in brackets."""

    YAML_SYNTAX = "the file is not valid YAML: {detail}"
    SCHEMA = "{where}: {detail}"
    FOLDER_MISMATCH = "the file is in folder '{folder}' but says questionnaire: {name}"
    VERSION_MISMATCH = "the file is named '{stem}' but says version: {version}"
    DUPLICATE_ID = (
        "{kind} id '{id}' is used twice in this version (first on line {first})"
    )
    DUPLICATE_ROW = "question {question} has row/item '{id}' twice"
    DUPLICATE_CODE = "{where} has option code {code} twice"
    DUPLICATE_OPTION_NAME = "{where} has option name '{name}' twice"
    DERIVED_ID_TAKEN = "derived value '{id}' has the same id as a question"
    VARIABLE_NAME_CLASH = (
        "variable name '{name}' of question {question} is also the id of a question"
    )
    UNKNOWN_SCALE = (
        "question {question} uses scale '{scale}', which is not defined under scales:"
    )
    EXPRESSION_SYNTAX = "{where} is not a valid condition: {detail}"
    EXPRESSION_TOO_COMPLEX = "{where} is too complex: {detail}"
    UNKNOWN_REF = (
        "{where} refers to ${{{ref}}}, which is not a question in this version"
    )
    UNKNOWN_ROW = "{where} refers to ${{{ref}}}, but question {question} has no row or item '{row}'"
    UNKNOWN_OPTION = (
        "{where} uses option {option}, which question {question} does not have"
    )
    UNKNOWN_ATTRIBUTE = (
        "{where} uses attribute '{name}', which is not declared under attributes:"
    )
    UNKNOWN_ATTRIBUTE_VALUE = "{where} compares attribute '{name}' with '{value}', which is not one of its values"
    FORWARD_REF = "{where} refers to ${{{ref}}}, which comes later in the questionnaire"
    SELF_REF = "{where} refers to its own question ${{{ref}}} (only a constraint may)"
    TYPE_MISMATCH = "{where} mixes up types: {detail}"
    UNKNOWN_RESPONSE_FROM = (
        "response_from names '{id}', which is not a question in this version"
    )
    FLAG_WRONG_TYPE = "option {code} of question {question} is marked '{flag}', which a {type} question cannot use"
    MULTIPLE_OTHER = "question {question} has more than one 'other' option"
    CHOICE_BOUNDS = "question {question}: {detail}"
    OPTION_CODE_IN_RANGE = "question {question}: option code {code} lies inside the answer range {min}..{max}"
    NAME_TOO_LONG = (
        "variable name '{name}' is {length} characters; SPSS and Stata allow at most 32"
    )
    PIPE_UNKNOWN = (
        "{where} pipes ${{{ref}}}, which is not a question, derived value or attribute"
    )
    PIPE_FORWARD = "{where} pipes ${{{ref}}}, which is not answered on an earlier page"
    PIPE_MALFORMED = "{where} has '{text}', which is not a pipe: write ${{name}} or ${{name.row}} (lower case, no spaces)"
    PIPE_NOT_PIPED = "{where} contains '{text}', but this text is not piped: respondents would see it as written"
    UNREACHABLE = "{kind} {id} can never be shown: its conditions can never all be true"
    UNREACHABLE_OPTION = "option {code} of question {question} can never be shown"
    NEAR_DUPLICATE = "{what} '{a}' and '{b}' differ only in case, spaces or underscores"
    FILE_UNREADABLE = "the file cannot be read: {detail}"
    TRANSLATION = "translation: {detail}"


@dataclass(frozen=True)
class Problem:
    """One located problem; ``str()`` is the line the CLI prints."""

    file: str
    line: int | None
    code: ErrorCode
    message: str
    severity: Severity = Severity.error

    @classmethod
    def of(
        cls,
        code: ErrorCode,
        /,
        *,
        file: str,
        line: int | None,
        **fields: object,
    ) -> Problem:
        """An error from a template; warnings are built by the checks' ``Context.warn``."""
        return cls(file, line, code, code.value.format(**fields))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        prefix = "warning: " if self.severity is Severity.warning else ""
        return f"{where}: {prefix}{self.message} [{self.code.name}]"


class DefinitionError(Exception):
    """A single located problem, for code that stops at the first one."""

    def __init__(
        self,
        code: ErrorCode,
        /,
        *,
        file: str,
        line: int | None = None,
        **fields: object,
    ) -> None:
        self.problem = Problem.of(code, file=file, line=line, **fields)
        super().__init__(str(self.problem))


class DefinitionErrors(Exception):
    """Every error found in one or more files; warnings travel along for display."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=_problem_order)
        self.errors = [p for p in self.problems if p.severity is Severity.error]
        self.warnings = [p for p in self.problems if p.severity is Severity.warning]
        super().__init__("\n".join(str(p) for p in self.errors))


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.file, problem.line or 0, problem.code.name)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity is Severity.error for p in problems)
