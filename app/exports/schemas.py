"""Inputs of the exports domain: what an analyst asks for."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ExportFormat(StrEnum):
    sav = "sav"
    dta = "dta"
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"
    codebook_html = "codebook-html"
    codebook_json = "codebook-json"

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self]

    @property
    def extension(self) -> str:
        return {
            ExportFormat.csv: "zip",
            ExportFormat.codebook_html: "codebook.html",
            ExportFormat.codebook_json: "codebook.json",
        }.get(self, self.value)

    @property
    def media_type(self) -> str:
        return {
            ExportFormat.sav: "application/x-spss-sav",
            ExportFormat.dta: "application/x-stata-dta",
            ExportFormat.csv: "application/zip",
            ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat.parquet: "application/vnd.apache.parquet",
            ExportFormat.codebook_html: "text/html; charset=utf-8",
            ExportFormat.codebook_json: "application/json",
        }[self]

    @property
    def is_file(self) -> bool:
        """Written to a temporary file first (the libraries need a file)."""
        return self in (
            ExportFormat.sav,
            ExportFormat.dta,
            ExportFormat.xlsx,
            ExportFormat.parquet,
        )


FORMAT_LABELS = {
    ExportFormat.sav: "SPSS (.sav)",
    ExportFormat.dta: "Stata (.dta)",
    ExportFormat.csv: "CSV met codeboek (.zip)",
    ExportFormat.xlsx: "Excel (.xlsx)",
    ExportFormat.parquet: "Parquet",
    ExportFormat.codebook_html: "Alleen codeboek (HTML)",
    ExportFormat.codebook_json: "Alleen codeboek (JSON)",
}

Slug = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]


class ExportRequest(BaseModel):
    """One export: wave, questionnaire, versions (empty = all with responses), format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wave: Slug
    questionnaire: Slug
    format: ExportFormat
    include_partial: bool = False
    versions: tuple[Annotated[str, Field(max_length=32)], ...] = ()
    separator: Literal[",", ";"] = ","
    shareable: bool = False
    """The shareable file (disclosure control applied) instead of the working
    file, which can identify people."""

    @field_validator("versions", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # "2022,2024" from the command line as well as a list from a form
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if str(v).strip())
        return value


POPULATION_FIELD = "count__"


def parse_population_form(
    fields: list[tuple[str, str]],
) -> dict[str, dict[str, int | None]]:
    """``count__<variable>__<value>`` fields → counts; an empty field clears the count.

    Raises ``ValueError`` naming every field that is not a whole number (with
    or without thousands separators: "8.800" and "8 800" are both 8800).
    """
    counts: dict[str, dict[str, int | None]] = {}
    bad: list[str] = []
    for name, raw in fields:
        if not name.startswith(POPULATION_FIELD):
            continue
        variable, _, value = name[len(POPULATION_FIELD) :].partition("__")
        text = raw.strip().replace(".", "").replace(" ", "").replace("\u202f", "")
        if not text:
            counts.setdefault(variable, {})[value] = None
        elif text.isdigit() and len(text) <= 9:
            counts.setdefault(variable, {})[value] = int(text)
        else:
            bad.append(f"{variable} {value}: '{raw.strip()[:20]}'")
    if bad:
        raise ValueError("geen geheel getal bij " + ", ".join(bad))
    return counts
