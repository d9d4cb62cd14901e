"""The codebook: counts that match the rows, routing in words, nothing executable."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import openpyxl

from app.exports import codebook
from app.exports.encode import Encoder, ResponseRecord, fixed_variables
from app.exports.layout import build_layout
from app.exports.writers.csv import CsvEncoder
from app.exports.writers.xlsx import XlsxWriter
from app.questionnaires import loader
from tests.fixtures.exports import HOSTILE, OFFICIALS, demo, walk

META = codebook.Meta(
    "Demo",
    "mies-2024",
    "officials",
    ({"code": 1, "label": "2024", "respondents": 0},),
    True,
    None,
)


def _run(text: str, n: int = 30, texts: list[str] | None = None):
    cq = loader.load_text(text, "demo.yaml")
    layout = build_layout([cq], fixed=fixed_variables(["2024"], weight_label="w"))
    encoder = Encoder(layout)
    tally = codebook.Tally(layout)
    logs, rows = [], []
    for i in range(n):
        attributes = OFFICIALS[i % len(OFFICIALS)]
        log = walk(
            cq,
            attributes,
            random.Random(i),
            stop_after=2 if i % 5 == 0 else None,
            texts=texts,
        )
        logs.append(log)
        status = "complete" if log.complete else "response"
        rows.append(
            encoder.encode(
                ResponseRecord(
                    i + 1, 0, status, log.answers, log.submitted, None, None, attributes
                )
            )
        )
    tally.add(rows[:7])
    tally.add(rows[7:])
    tally.text_asked = encoder.text_asked
    return cq, layout, logs, rows, codebook.build(layout, tally, META)


class TestCounts:
    def test_asked_answered_and_dont_know_follow_the_walks(self) -> None:
        _cq, _, logs, _, book = _run(demo())
        gender = next(v for v in book["variables"] if v["name"] == "q_gender")
        asked = [log for log in logs if "p_end" in log.shown]
        answered = [log for log in asked if "q_gender" in log.answers]
        assert gender["counts"]["asked"] == len(asked)
        assert gender["counts"]["answered"] == len(answered)
        assert gender["counts"]["dont_know"] == sum(
            1 for log in answered if log.answers["q_gender"] == 98
        )
        assert gender["counts"]["not_reached"] == sum(
            1 for log in logs if not log.complete
        )
        assert sum(f["n"] for f in gender["counts"]["frequencies"]) == len(logs)

    def test_text_questions_count_who_was_shown_them(self) -> None:
        _, _, logs, _, book = _run(demo())
        story = next(v for v in book["variables"] if v["name"] == "q_story")
        assert story["counts"]["asked"] == sum(
            1 for log in logs if "q_story" in log.shown.get("p_victim", set())
        )
        assert story["counts"]["answered"] == sum(
            1 for log in logs if log.answers.get("q_story")
        )

    def test_routing_and_missing_codes_are_described(self) -> None:
        _, _, _, _, book = _run(demo())
        mayor = next(v for v in book["variables"] if v["name"] == "q_mayor")
        assert mayor["routing"][0]["source"] == "function = 'burgemeester'"
        assert mayor["routing"][0]["words"]
        gender = next(v for v in book["variables"] if v["name"] == "q_gender")
        assert {"code": -8, "label": "Weet niet", "questionnaire_code": 98} in gender[
            "missing"
        ]
        json.dumps(book)  # JSON-ready


HOSTILE_DEFINITION = demo().replace(
    "text: Wat is uw geslacht?",
    "text: \"<script>alert('x')</script> =cmd|' /C calc'!A0\"",
)


class TestNothingExecutable:
    def test_html_codebook_escapes_definition_text(self) -> None:
        _, _, _, _, book = _run(HOSTILE_DEFINITION)
        html = codebook.render_html(book)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(" in html

    def test_csv_guards_hostile_answers_and_keeps_numbers(self) -> None:
        _, layout, _, rows, _ = _run(demo(), texts=HOSTILE)
        encoder = CsvEncoder(layout)
        data = (encoder.start() + encoder.rows(rows)).decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(data)))
        header = table[0]
        texts = {i for i, v in enumerate(layout.variables) if v.kind == "text"}
        seen = 0
        for line in table[1:]:
            for i, cell in enumerate(line):
                if i in texts and cell:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (
                        header[i],
                        cell,
                    )
                    seen += cell.startswith("'")
                elif cell.startswith("-"):
                    assert int(cell) < 0  # missing codes stay numbers
        assert seen > 0
        assert "\x00" not in data

    def test_xlsx_codebook_sheet_is_text_only(self, tmp_path: Path) -> None:
        _, layout, _, rows, book = _run(HOSTILE_DEFINITION, texts=HOSTILE)
        writer = XlsxWriter(layout, tmp_path / "x.xlsx", stamp=None)
        writer.write(rows)
        writer.close(book)
        workbook = openpyxl.load_workbook(tmp_path / "x.xlsx")
        for sheet in workbook:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )
        text = workbook["codebook"]
        cells = [
            c
            for r in text.iter_rows()
            for c in r
            if isinstance(c.value, str) and "=cmd" in c.value
        ]
        assert cells
