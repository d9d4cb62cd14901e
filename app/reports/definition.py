"""Pydantic models of a table definition file (``reports/<questionnaire>/<edition>.yaml``).

A file names the bases (who is counted), the breakdowns (how respondents are
grouped) and the tables. A table's rows are either explicit indicators
(``rows:``: a variable and the values that count), the categories of one
variable (``categories:``) or the options of one or more multiple-response
questions (``multiple:``; percentages of respondents, not of answers).
Negative export codes are missing and never counted, unless a table lists the
kind in ``include_missing`` ("weet niet" as a category of its own).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
MissingName = Literal["dont_know", "refused", "not_applicable"]
Value = int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """``variable`` holds one of ``values``, lies in ``range`` or is above ``above``.

    With none of the three, any valid (non-negative) value counts.
    """

    variable: str
    values: tuple[Value, ...] | None = None
    range: tuple[float, float] | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        given = [x for x in (self.values, self.range, self.above) if x is not None]
        if len(given) > 1:
            raise ValueError("give at most one of values, range, above")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError("range must be [low, high]")
        return self


class Base(_Strict):
    label: str
    where: tuple[Condition, ...] = ()


class Group(_Strict):
    key: str = Id
    label: str
    values: tuple[Value, ...] | None = None
    range: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of values, range")
        return self


class Breakdown(_Strict):
    label: str
    variable: str
    groups: tuple[Group, ...] = Field(min_length=1)


class RowDef(Condition):
    """An indicator row: share of the base for whom the condition holds.

    ``and_`` (written ``and:``) adds conditions that must hold too; respondents
    for whom they are missing count as not meeting them (e.g. "victim and
    severity 5–7" as a share of all officials).
    """

    key: str = Id
    label: str
    and_: tuple[Condition, ...] = Field(default=(), alias="and")
    or_: tuple[Condition, ...] = Field(default=(), alias="or")
    """Alternatives: the row counts whoever meets the row's condition or any of these."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TableDef(_Strict):
    id: str = Id
    number: str
    title: str
    base: str
    base_note: str | None = None
    """Added to the base label, e.g. "exclusief 'weet niet'"."""
    chart: Literal["bar", "trend", "grouped"] | None = None
    rows: tuple[RowDef, ...] | None = None
    categories: str | None = None
    multiple: tuple[str, ...] | None = None
    series_labels: tuple[str, ...] = ()
    """Column labels when ``multiple`` names several questions side by side."""
    include_missing: tuple[MissingName, ...] = ()
    exclude: tuple[Value, ...] = ()
    """Option names or codes left out of the rows and the base."""
    breakdowns: tuple[str, ...] = ()
    total: bool = True
    editions: tuple[int, ...] = ()
    """Earlier editions shown beside this one (from the reference series)."""
    reference_table: str | None = None
    """Table id in the reference series when it differs from ``id`` (the same figure twice)."""
    test: Literal["groups", "editions", "none"] | None = None
    """What the marks compare; default: editions when given, else groups."""
    footnotes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [x for x in (self.rows, self.categories, self.multiple) if x]
        if len(given) != 1:
            raise ValueError("give exactly one of rows, categories, multiple")
        if self.multiple and len(self.multiple) > 1:
            if self.breakdowns or self.editions:
                raise ValueError(
                    "several multiple-response questions side by side take no breakdowns or editions"
                )
            if len(self.series_labels) != len(self.multiple):
                raise ValueError(
                    "series_labels needs one label per question in multiple"
                )
        if not self.total and not self.breakdowns:
            raise ValueError("total: false needs at least one breakdown")
        return self

    @property
    def test_kind(self) -> str:
        if self.test is not None:
            return self.test
        return "editions" if self.editions else "groups"


class ReportFile(_Strict):
    questionnaire: str = Id
    edition: int = Field(ge=2000, le=2100)
    versions: tuple[str, ...] = Field(min_length=1)
    """Questionnaire versions whose export the tables read."""
    reference: str | None = None
    """Reference series file under app/reports/reference/ (without .csv)."""
    population: str
    """What the base label calls everyone, e.g. "politieke ambtsdragers"."""
    bases: dict[str, Base]
    breakdowns: dict[str, Breakdown] = Field(default_factory=dict)
    tables: tuple[TableDef, ...] = Field(min_length=1)
