"""The codebook: every variable with its question, codes, routing and counts.

JSON for programs, HTML for people (rendered with autoescaping: question texts
and labels come from files and are never trusted as markup). Counts are
gathered while the rows are written (``Tally``), so the codebook describes
exactly the rows in the file beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.exports.layout import Layout
from app.exports.missing import Missing, scheme
from app.exports.missing import label as missing_label
from app.exports.variables import Variable
from app.web import TEMPLATES_DIR

FORMAT_VERSION = 1

INJECTION_NOTE = (
    "CSV en Excel: een tekstantwoord dat begint met =, +, -, @, een tab of een "
    "regelterugloop krijgt in CSV een apostrof ervoor, zodat een spreadsheet het "
    "nooit als formule uitvoert; in Excel (XLSX) staat zo'n tekst als tekstcel met "
    "het kenmerk 'quotePrefix' (wat Excel zelf doet bij een getypte apostrof). "
    "Getallen en codes blijven getallen. SPSS, Stata en Parquet bevatten de "
    "oorspronkelijke tekst."
)


class Tally:
    """Per-column counts over the rows written, chunk by chunk (numpy per column)."""

    def __init__(self, layout: Layout) -> None:
        self.variables = layout.variables
        self.rows = 0
        self.codes: list[Counter[int]] = [Counter() for _ in layout.variables]
        self.valid: list[dict[str, float]] = [{} for _ in layout.variables]
        self.nonempty = [0] * len(layout.variables)
        self.text_asked: Sequence[int] = [0] * len(layout.variables)

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        columns = list(zip(*rows, strict=True))
        for index, variable in enumerate(self.variables):
            values = columns[index]
            if variable.kind == "coded":
                found, counts = np.unique(
                    np.asarray(values, dtype=np.int64), return_counts=True
                )
                self.codes[index].update(
                    dict(zip(found.tolist(), counts.tolist(), strict=True))
                )
            elif variable.kind == "number" and variable.role != "respondent":
                self._number(index, np.asarray(values, dtype=np.float64))
            elif variable.kind == "text":
                self.nonempty[index] += sum(1 for v in values if v)

    def _number(self, index: int, array: np.ndarray) -> None:
        negative = array[array < 0]
        if negative.size:
            found, counts = np.unique(negative.astype(np.int64), return_counts=True)
            self.codes[index].update(
                dict(zip(found.tolist(), counts.tolist(), strict=True))
            )
        valid = array[array >= 0]
        stats = self.valid[index]
        if valid.size:
            stats["n"] = stats.get("n", 0) + int(valid.size)
            stats["sum"] = stats.get("sum", 0.0) + float(valid.sum())
            stats["min"] = min(stats.get("min", float(valid.min())), float(valid.min()))
            stats["max"] = max(stats.get("max", float(valid.max())), float(valid.max()))


@dataclass(frozen=True)
class Meta:
    """What the codebook says about the dataset as a whole."""

    title: str
    wave: str
    questionnaire: str
    versions: tuple[dict[str, Any], ...]
    include_partial: bool
    data_as_of: str | None
    weighting: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def build(layout: Layout, tally: Tally, meta: Meta) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "title": meta.title,
        "dataset": {
            "wave": meta.wave,
            "questionnaire": meta.questionnaire,
            "versions": list(meta.versions),
            "include_partial": meta.include_partial,
            "rows": tally.rows,
            "data_as_of": meta.data_as_of,
            "row_order": "respondent_id (oplopend)",
            "time_zone": "Europe/Amsterdam (tijden zonder zone)",
        },
        "missing_values": {
            "scheme": [m.__dict__ for m in scheme()],
            "spss": "Elke numerieke variabele: MISSING VALUES -9 THRU -1.",
            "stata": "Extended missing values: -1 = .a, -2 = .b, ... -9 = .i, met labels.",
            "csv_parquet_xlsx": "De negatieve codes staan als getal in het bestand: negatief = ontbrekend. Teksten: leeg = geen tekst.",
        },
        "weighting": meta.weighting,
        "formula_injection": INJECTION_NOTE,
        "privacy": "Geen namen, e-mailadressen, tokens of organisatienamen; testresponsen nooit.",
        "notes": list(meta.notes),
        "variables": [_variable(v, i, tally) for i, v in enumerate(layout.variables)],
    }


def _variable(variable: Variable, index: int, tally: Tally) -> dict[str, Any]:
    own = dict(variable.questionnaire_codes)
    entry: dict[str, Any] = {
        "name": variable.name,
        "label": variable.label,
        "role": variable.role,
        "type": variable.kind,
        "measure": variable.measure,
        "question_id": variable.question,
        "part": variable.part,
        "text": variable.text,
        "versions": list(variable.versions),
        "routing": [r.__dict__ for r in variable.routing],
        "values": [{"code": code, "label": text} for code, text in variable.values],
        "missing": [
            {
                "code": code,
                "label": missing_label(code),
                **({"questionnaire_code": own[code]} if code in own else {}),
            }
            for code in variable.missing
        ],
        "notes": list(variable.notes),
    }
    entry["counts"] = _counts(variable, index, tally)
    return entry


def _counts(variable: Variable, index: int, tally: Tally) -> dict[str, Any]:
    codes = tally.codes[index]
    if variable.kind == "text":
        asked = (
            tally.text_asked[index]
            if variable.role == "answer" and variable.part != "other"
            else None
        )
        return {"asked": asked, "answered": tally.nonempty[index]}
    if variable.kind not in ("coded", "number") or variable.role == "respondent":
        return {}
    if variable.role not in ("answer", "derived"):  # attributes, version, status
        labels = variable.value_labels()
        return {
            "frequencies": [
                {"code": code, "label": labels.get(code, ""), "n": n}
                for code, n in sorted(codes.items())
            ]
        }
    structural = {
        int(Missing.NOT_ASKED),
        int(Missing.NOT_REACHED),
        int(Missing.NOT_IN_VERSION),
    }
    not_shown = sum(codes[c] for c in structural)
    asked = tally.rows - not_shown
    answered = asked - codes[int(Missing.NO_ANSWER)]
    counts: dict[str, Any] = {
        "asked": asked,
        "answered": answered,
        "dont_know": codes[int(Missing.DONT_KNOW)],
        "refused": codes[int(Missing.REFUSED)],
        "not_applicable": codes[int(Missing.NOT_APPLICABLE)],
        "not_asked": codes[int(Missing.NOT_ASKED)],
        "not_reached": codes[int(Missing.NOT_REACHED)],
        "no_answer": codes[int(Missing.NO_ANSWER)],
        "not_in_version": codes[int(Missing.NOT_IN_VERSION)],
    }
    if variable.kind == "coded":
        labels = variable.value_labels()
        counts["frequencies"] = [
            {"code": code, "label": labels.get(code, ""), "n": n}
            for code, n in sorted(codes.items())
        ]
    else:
        stats = tally.valid[index]
        n = int(stats.get("n", 0))
        counts["valid"] = {
            "n": n,
            "min": stats.get("min"),
            "max": stats.get("max"),
            "mean": round(stats["sum"] / n, 4) if n else None,
        }
    return counts


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(codebook: dict[str, Any]) -> str:
    return _environment().get_template("exports/codebook.html").render(cb=codebook)
