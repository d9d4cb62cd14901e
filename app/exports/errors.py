"""Errors of the exports domain (shown to analysts in Dutch)."""

from __future__ import annotations

from app.errors import Conflict, InvalidInput


class ExportLayoutError(Conflict):
    """The selected questionnaire versions cannot be laid out as export columns."""


class ExportOptionsError(InvalidInput):
    """An export was asked for with options that do not fit (wave, version, format)."""


class ExportWeightingError(Conflict):
    """The weights cannot be computed as asked (raking did not converge); the
    message says why and what to choose instead."""
