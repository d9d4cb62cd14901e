"""Form handling for the reference and eligibility pages: parsing and context.

Kept out of the routes so they stay thin; the checks themselves live in
``reference.check_rows`` and are shared with file uploads and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.monitoring import queries, service
from app.monitoring.layouts import FUNCTION, TIER, layout_for
from app.monitoring.models import ReferenceCount
from app.monitoring.reference import (
    SHIPPED,
    ReferenceFileError,
    ReferenceRow,
    check_edition,
    check_rows,
    parse_count,
)
from app.samples import catalogue
from app.samples.states import InvitationStatus


@dataclass(frozen=True)
class FormCell:
    tier: str
    function: str
    label: str

    @property
    def name(self) -> str:
        return f"{self.tier}__{self.function}"


def form_cells(questionnaire: str) -> list[FormCell]:
    """The cells an edition is entered by: per function for officials, else per tier."""
    keys = [d.key for d in layout_for(questionnaire).rows]
    if "function" in keys:
        return [
            FormCell(
                f.tier, code, f"{TIER.label_of(f.tier)}: {FUNCTION.label_of(code)}"
            )
            for code, f in catalogue.FUNCTIONS.items()
        ]
    return [FormCell(code, "", label) for code, label in catalogue.TIERS.items()]


def reference_rows_from_form(
    form: Mapping[str, Any], *, questionnaire: str
) -> tuple[str, list[ReferenceRow]]:
    edition = check_edition(str(form.get("edition", "")))
    rows, problems = [], []
    for line, cell in enumerate(form_cells(questionnaire), start=1):
        raw_invited = str(form.get(f"invited__{cell.name}", ""))
        raw_responses = str(form.get(f"responses__{cell.name}", ""))
        try:
            invited, responses = parse_count(raw_invited), parse_count(raw_responses)
        except ValueError as exc:
            problems.append(f"{cell.label}: '{exc}' is geen aantal")
            continue
        if responses is None:
            if invited is not None:
                problems.append(f"{cell.label}: vul ook de respons in")
            continue
        rows.append(ReferenceRow(line, cell.tier, cell.function, invited, responses))
    if problems:
        raise ReferenceFileError(problems)
    return edition, check_rows(rows)


def decode_upload(raw: bytes) -> str:
    """UTF-8 (Excel adds a BOM), else Windows-1252 as older Excel saves CSV."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("Het bestand is geen tekstbestand (CSV).")


@dataclass(frozen=True)
class EditionSummary:
    edition: str
    rows: list[ReferenceCount]

    @property
    def responses(self) -> int:
        return sum(r.responses for r in self.rows)

    @property
    def source(self) -> str:
        return self.rows[0].source if self.rows else ""


async def reference_context(
    session: AsyncSession, *, wave_slug: str, questionnaire: str, edition: str | None
) -> dict[str, object]:
    wave = await service.require_monitored(
        session, wave_slug=wave_slug, questionnaire=questionnaire
    )
    stored = await queries.reference_rows(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    editions: dict[str, list[ReferenceCount]] = {}
    for row in stored:
        editions.setdefault(row.edition, []).append(row)
    values = {f"{r.tier}__{r.function}": r for r in editions.get(edition or "", [])}
    return {
        "wave": wave,
        "questionnaire": questionnaire,
        "layout": layout_for(questionnaire),
        "base": f"/staff/monitor/{wave.slug}/{questionnaire}",
        "editions": [EditionSummary(e, rows) for e, rows in editions.items()],
        "shipped": [s for s in SHIPPED.values() if s.questionnaire == questionnaire],
        "cells": form_cells(questionnaire),
        "edition": edition or "",
        "values": values,
        "tier_labels": catalogue.TIERS,
        "function_labels": {c: f.plural for c, f in catalogue.FUNCTIONS.items()},
    }


def attribute_labels() -> dict[str, dict[str, str]]:
    return {
        "tier": dict(catalogue.TIERS),
        "function": {c: f.label for c, f in catalogue.FUNCTIONS.items()},
        "email_kind": dict(catalogue.EMAIL_KINDS),
        "status": {
            InvitationStatus.invited: "uitgenodigd",
            InvitationStatus.started: "gestart",
            InvitationStatus.response: "respons (vraag 5 bereikt)",
            InvitationStatus.complete: "volledig",
        },
    }
