"""Pydantic models of a questionnaire definition file (one file = one version).

The file format is documented for researchers in ``docs/questionnaire-format.md``;
these models are its single source of truth. They check the *shape* of a file
(types, required keys, value ranges). Cross-references (routing conditions,
duplicate ids and codes, reachability) are checked afterwards by
``app.questionnaires.checks``, which needs the whole document at once.

Everything is frozen: a loaded version is immutable, like a published one.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENT = r"^[a-z][a-z0-9_]*$"
"""Question, page, block, row and option names: lower snake case.

They become variable names in SPSS and Stata, so they must start with a letter
and stay short (checked: at most 32 characters including suffixes)."""

Identifier = Annotated[str, Field(pattern=IDENT, max_length=32)]
Expression = Annotated[str, Field(min_length=1, max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class MissingKind(StrEnum):
    """Why an answer is not a substantive answer; analysts declare these missing."""

    dont_know = "dont_know"  # "weet niet" / "weet ik niet"
    refused = "refused"  # "wil ik niet zeggen"
    not_applicable = "not_applicable"  # "niet van toepassing"


class Option(_Frozen):
    """One answer option: a stable numeric code, an optional stable name, a label.

    The code is what exports carry; the name is what routing conditions may use
    instead of the code (``${q_tier} = 'gemeente'``). Codes must never be reused
    for another meaning in a later version: ``questionnaire diff`` reports recodes.
    """

    code: int = Field(ge=-99, le=9999)
    name: Identifier | None = None
    label: str = Field(min_length=1)
    missing: MissingKind | None = None
    exclusive: bool = False
    """Multiple choice only: choosing it clears the other options ("geen van deze")."""
    other: bool = False
    """"Anders, namelijk …": the respondent may type text, kept as ``<question>_other``."""
    other_required: bool = False
    """With ``other``: the text must be filled in when this option is chosen."""
    relevant: Expression | None = None
    """Show this option only when the condition holds (e.g. filter by function)."""
    fixed: bool = False
    """With ``rotate`` on the question: this option keeps its place. Options that
    are "anders", missing ("weet niet") or exclusive ("geen van deze") always do."""

    @property
    def pinned(self) -> bool:
        """Keeps its place when the question's options are rotated."""
        return self.fixed or self.other or self.exclusive or self.missing is not None


class Row(_Frozen):
    """A statement of a grid, or a field of a multi-field number question."""

    id: Identifier
    text: str = Field(min_length=1)
    relevant: Expression | None = None
    fixed: bool = False
    """With ``rotate`` on the grid: this statement keeps its place."""


OptionList = Annotated[list[Option], Field(min_length=1)]


class Attribute(_Frozen):
    """A sample attribute available to routing and piping (tier, function, ...).

    ``values`` maps the value as it appears in the sample to its label, so text
    piping can say "als burgemeester" and the checker can refuse unknown values.
    An empty ``values`` means free text (e.g. organisation name).
    """

    label: str
    values: dict[str, str] = Field(default_factory=dict)


class Derived(_Frozen):
    """A value computed from earlier answers and attributes, never asked.

    Usable in conditions and piping as ``${id}``; exported as its own column.
    """

    id: Identifier
    label: str
    expr: Expression


class HelpResource(_Frozen):
    label: str
    url: str | None = None
    phone: str | None = None
    text: str | None = None


class AskedQuestion(_Frozen):
    """What every question that asks something has (every type but ``info``)."""

    id: Identifier
    text: str = Field(min_length=1)
    help: str | None = None
    relevant: Expression | None = None
    required: bool = False
    required_message: str | None = None
    constraint: Expression | None = None
    """An expression that must hold for the answer to be accepted; may refer to
    this question itself (``${q}``) and to earlier ones."""
    constraint_message: str | None = None
    label: str | None = None
    """Short label for exports and the codebook (defaults to ``text``)."""
    comparability: str | None = None
    """A note for analysts on how this item compares to earlier editions."""


class SingleChoice(AskedQuestion):
    type: Literal["single"]
    options: OptionList | None = None
    scale: Identifier | None = None
    """Name of a shared scale in ``scales:`` instead of inline ``options``."""
    rotate: bool = False
    """Show the options in a random order per respondent (``app.questionnaires.rotation``)."""

    @model_validator(mode="after")
    def _options_or_scale(self) -> SingleChoice:
        if (self.options is None) == (self.scale is None):
            raise ValueError("give either 'options' or 'scale', not both or neither")
        if self.rotate and self.scale is not None:
            raise ValueError(
                "'rotate' on a question with a 'scale': a scale has an order of "
                "its own; rotate the statements of a grid instead"
            )
        return self


class MultipleChoice(AskedQuestion):
    type: Literal["multiple"]
    options: OptionList
    min_choices: int | None = Field(default=None, ge=1)
    max_choices: int | None = Field(default=None, ge=1)
    rotate: bool = False
    """Show the options in a random order per respondent."""


class Grid(AskedQuestion):
    """Statements sharing one scale; each row is answered on its own."""

    type: Literal["grid"]
    rows: Annotated[list[Row], Field(min_length=1)]
    options: OptionList | None = None
    scale: Identifier | None = None
    rotate: bool = False
    """Show the statements (rows) in a random order per respondent; the answer
    scale keeps its order."""

    @model_validator(mode="after")
    def _options_or_scale(self) -> Grid:
        if (self.options is None) == (self.scale is None):
            raise ValueError("give either 'options' or 'scale', not both or neither")
        return self


class Scale(AskedQuestion):
    """A numeric rating scale (e.g. 1 to 7) with labelled ends.

    The answer is the number itself. ``options`` adds non-scale answers such as
    "weet niet", whose codes must lie outside ``min``..``max``.
    """

    type: Literal["scale"]
    min: int = 1
    max: int = 7
    min_label: str
    max_label: str
    options: list[Option] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> Scale:
        if self.max <= self.min or self.max - self.min > 20:
            raise ValueError("'max' must be above 'min', at most 20 points apart")
        return self


class Number(AskedQuestion):
    """Whole numbers within bounds; with ``items``, one number per item
    (e.g. incidents offline and online)."""

    type: Literal["number"]
    min: int = 0
    max: int = 9999
    unit: str | None = None
    items: list[Row] | None = None
    options: list[Option] = Field(default_factory=list)
    """Non-numeric answers such as "weet niet" (single number questions only)."""

    @model_validator(mode="after")
    def _range(self) -> Number:
        if self.max < self.min:
            raise ValueError("'max' must not be below 'min'")
        if self.items is not None and self.options:
            raise ValueError(
                "'options' (e.g. weet niet) only on a number without items"
            )
        return self


class Text(AskedQuestion):
    type: Literal["text"]
    multiline: bool = False
    max_length: int = Field(default=2000, ge=1, le=20000)


class Info(_Frozen):
    """An information block: text shown to the respondent, nothing asked."""

    type: Literal["info"]
    id: Identifier
    text: str = Field(min_length=1)
    title: str | None = None
    relevant: Expression | None = None


AnyQuestion = SingleChoice | MultipleChoice | Grid | Scale | Number | Text | Info
"""Every type's model; each has its declaration in ``app.questionnaires.types``
(``tests/questionnaires/test_types.py`` keeps the two in step)."""

Question = Annotated[AnyQuestion, Field(discriminator="type")]


class Page(_Frozen):
    id: Identifier
    title: str | None = None
    intro: str | None = None
    relevant: Expression | None = None
    questions: Annotated[list[Question], Field(min_length=1)]


class Block(_Frozen):
    """A group of pages sharing a condition (e.g. the incident block for victims)."""

    id: Identifier
    title: str | None = None
    relevant: Expression | None = None
    pages: Annotated[list[Page], Field(min_length=1)]


class Questionnaire(_Frozen):
    """One version of one questionnaire, as written in its YAML file."""

    questionnaire: Identifier
    version: Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")]
    title: str
    language: Literal["nl", "en"] = "nl"
    estimated_minutes: int | None = Field(default=None, ge=1, le=240)
    welcome: str
    """Welcome text: what the survey is about, anonymity, how long it takes."""
    thanks: str
    help_resources: list[HelpResource] = Field(default_factory=list)
    response_from: Identifier
    """The question from which a respondent counts as a response once reached
    (the Monitor: question 5)."""
    attributes: dict[Identifier, Attribute] = Field(default_factory=dict)
    scales: dict[Identifier, OptionList] = Field(default_factory=dict)
    derived: list[Derived] = Field(default_factory=list)
    blocks: Annotated[list[Block], Field(min_length=1)]

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, value: object) -> object:
        # `version: 2024` in YAML is an int; it names a file, so keep it as text.
        return str(value) if isinstance(value, int) else value

    def pages(self) -> list[Page]:
        return [page for block in self.blocks for page in block.pages]

    def questions(self) -> list[AnyQuestion]:
        return [q for page in self.pages() for q in page.questions]


def other_key(question_id: str) -> str:
    """Key (and export variable) holding the 'anders, namelijk' text of a question."""
    return f"{question_id}_other"


PIPE = re.compile(r"\$\{([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?\}")
"""Text piping: ``${q_x}``, ``${q_x.row}`` or ``${attribute}`` inside labels and texts."""
_PIPE = PIPE
