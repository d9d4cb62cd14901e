"""An independent reader: GNU PSPP opens the .sav and reports our dictionary."""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from app.exports.encode import Encoder, ResponseRecord, fixed_variables
from app.exports.layout import build_layout
from app.exports.writers.stats import ColumnStore, write_sav
from app.questionnaires import loader
from tests.fixtures.exports import OFFICIALS, demo, walk

PSPP = shutil.which("pspp")
pytestmark = pytest.mark.skipif(
    PSPP is None, reason="GNU PSPP (apt-get install pspp) is not installed"
)
CQ = loader.load_text(demo(), "demo.yaml")


def _layout():
    return build_layout(
        [CQ],
        fixed=fixed_variables(["2024"], weight_label="Weegfactor: poststratificatie"),
    )


def _sav(path: Path) -> list[list[object]]:
    cq = CQ
    layout = _layout()
    encoder = Encoder(layout)
    rows = []
    for n in range(25):
        attributes = OFFICIALS[n % len(OFFICIALS)]
        log = walk(
            cq, attributes, random.Random(n), stop_after=3 if n % 4 == 0 else None
        )
        status = "complete" if log.complete else "response"
        rows.append(
            encoder.encode(
                ResponseRecord(
                    n + 1, 0, status, log.answers, log.submitted, None, None, attributes
                )
            )
        )
    store = ColumnStore(layout)
    store.write(rows)
    write_sav(
        layout,
        store,
        path,
        title="Demo",
        notes=["Weging: poststratificatie naar bestuurslaag en functie."],
        stamp=None,
    )
    return rows


def _run(tmp_path: Path, syntax: str) -> str:
    (tmp_path / "run.sps").write_text(syntax, encoding="utf-8")
    subprocess.run(
        [
            PSPP,
            "-O",
            "format=csv",
            "-o",
            str(tmp_path / "out.csv"),
            str(tmp_path / "run.sps"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (tmp_path / "out.csv").read_text(encoding="utf-8")


def _table(output: str, title: str) -> list[list[str]]:
    """The first table called ``title`` in PSPP's CSV output."""
    block = (
        output.split(f"Table: {title}\n", 1)[1]
        .split("\n\n", 1)[0]
        .split("Table:", 1)[0]
    )
    return list(csv.reader(io.StringIO(block.strip())))


class TestPsppReadsTheDictionary:
    def test_labels_measures_and_missing_values(self, tmp_path: Path) -> None:
        _sav(tmp_path / "x.sav")
        output = _run(
            tmp_path,
            f"GET FILE='{tmp_path / 'x.sav'}'.\nDISPLAY DICTIONARY.\nDISPLAY DOCUMENTS.\n",
        )
        header, *rows = _table(output, "Variables")
        variables = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
        assert variables["q_gender"]["Label"] == "Wat is uw geslacht?"
        assert variables["q_gender"]["Missing Values"] == "-9 THRU -1"
        assert variables["q_safety_veilig"]["Measurement Level"] == "Ordinal"
        assert variables["weight"]["Label"] == "Weegfactor: poststratificatie"
        assert variables["q_story"]["Missing Values"] == ""
        labels = _table(output, "Value Labels")
        start = next(
            i for i, row in enumerate(labels) if row[0] == "Wat is uw geslacht?"
        )
        gender = {labels[start][1]: labels[start][2]}
        for row in labels[start + 1 :]:
            if row[0]:
                break
            gender[row[1]] = row[2]
        assert gender == {
            "-9[a]": "Wil ik niet zeggen",
            "-8[a]": "Weet niet",
            "-3[a]": "Geen antwoord",
            "-2[a]": "Niet bereikt (afgebroken)",
            "-1[a]": "Niet gevraagd (routing)",
            "1": "Man",
            "2": "Vrouw",
        }
        assert "poststratificatie naar bestuurslaag" in output

    def test_missing_codes_are_not_counted_as_valid(self, tmp_path: Path) -> None:
        rows = _sav(tmp_path / "x.sav")
        output = _run(
            tmp_path, f"GET FILE='{tmp_path / 'x.sav'}'.\nDESCRIPTIVES q_gender.\n"
        )
        header, *stats = _table(output, "Descriptive Statistics")
        row = dict(zip(header, stats[0], strict=True))
        column = _layout().index("q_gender")
        assert int(row["N"]) == sum(1 for r in rows if r[column] > 0)
        assert int(row["N"]) < len(rows)  # some did not answer, or said weet niet
