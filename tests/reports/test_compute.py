"""The computation core on hand-worked cases whose right answers are known.

Small frames built here, a hand-made catalog, and the answer worked out in
the test: weighted shares, multiple response, excluded categories, small
cells, suppression, and significance decisions that clearly go either way
(including one that the weighting turns from significant into not).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from app.reports import compute
from app.reports.catalog import Catalog, MultipleInfo, OptionInfo, VarInfo
from app.reports.definition import ReportFile
from app.reports.reference import Reference, ReferenceValue

YES_NO = ((0, "Nee"), (1, "Ja"))
CHOSEN = ((0, "Niet gekozen"), (1, "Gekozen"))


def catalog() -> Catalog:
    variables = {
        "weight": VarInfo("weight", "Gewicht", "float", "weight", ()),
        "g": VarInfo(
            "g",
            "Groep",
            "coded",
            "attribute",
            ((1, "A"), (2, "B"), (3, "C")),
            {"a": 1, "b": 2, "c": 3},
        ),
        "y": VarInfo("y", "Slachtoffer", "coded", "derived", YES_NO),
        "opinion": VarInfo(
            "opinion",
            "Mening",
            "coded",
            "answer",
            ((1, "Eens"), (2, "Oneens")),
            {"eens": 1, "oneens": 2, "weet_niet": -8},
            (-1, -3, -8),
        ),
    }
    options = (
        OptionInfo("mail", 1, "E-mail", "m_mail", None),
        OptionInfo("social", 2, "Sociale media", "m_social", None),
        OptionInfo("weet_niet", 98, "Weet niet", "m_weet_niet", "dont_know"),
    )
    for o in options:
        variables[o.column] = VarInfo(o.column, o.label, "coded", "answer", CHOSEN)
    return Catalog(variables, {"m": MultipleInfo("m", "Kanalen", options)}, ("2024",))


def report(tables: list[dict], *, breakdowns: dict | None = None) -> ReportFile:
    return ReportFile.model_validate(
        {
            "questionnaire": "officials",
            "edition": 2024,
            "versions": ["2024"],
            "population": "ambtsdragers",
            "bases": {"all": {"label": "ambtsdragers"}},
            "breakdowns": breakdowns
            or {
                "g": {
                    "label": "Groep",
                    "variable": "g",
                    "groups": [
                        {"key": "a", "label": "A", "values": ["a"]},
                        {"key": "b", "label": "B", "values": ["b"]},
                    ],
                }
            },
            "tables": tables,
        }
    )


def run(frame: pd.DataFrame, table: dict, **kwargs) -> compute.ReportTable:  # type: ignore[name-defined]
    definition = report([table], **kwargs.pop("report_kwargs", {}))
    return compute.compute_tables(frame, definition, catalog(), **kwargs)[0]


YES_ROW = {"key": "ja", "label": "Ja", "variable": "y", "values": [1]}


def groups_frame(
    n_a: int, yes_a: int, n_b: int, yes_b: int, w_a=None, w_b=None
) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    y = [1] * yes_a + [0] * (n_a - yes_a) + [1] * yes_b + [0] * (n_b - yes_b)
    g = [1] * n_a + [2] * n_b
    w = list(w_a or [1.0] * n_a) + list(w_b or [1.0] * n_b)
    return pd.DataFrame({"g": g, "y": y, "weight": w})


class TestWeightedShares:
    def test_weighted_percentage_and_unweighted_n(self) -> None:
        # 4 respondents: weights 3, 1, 1, 1; the first said yes → 3/6 = 50% (unweighted 25%)
        frame = pd.DataFrame(
            {"g": [1, 1, 2, 2], "y": [1, 0, 0, 0], "weight": [3.0, 1, 1, 1]}
        )
        table = run(
            frame,
            {"id": "t", "number": "T", "title": "t", "base": "all", "rows": [YES_ROW]},
            thresholds=compute.Thresholds(min_n=1, min_cell=1),
        )
        assert table.rows[0].cells[0] == compute.Cell(50.0, None, 4)
        assert table.base_label == "Basis: ambtsdragers (n=4)"

    def test_missing_codes_are_left_out_of_the_base(self) -> None:
        frame = pd.DataFrame(
            {"g": [1, 1, 1, 1], "y": [1, 0, -5, -3], "weight": [1.0] * 4}
        )
        table = run(
            frame,
            {"id": "t", "number": "T", "title": "t", "base": "all", "rows": [YES_ROW]},
            thresholds=compute.Thresholds(min_n=1, min_cell=1),
        )
        assert table.rows[0].cells[0] == compute.Cell(50.0, None, 2)
        assert table.n_total == 2


class TestExcludedCategories:
    FRAME = pd.DataFrame(
        {
            "g": [1] * 10,
            "opinion": [1, 1, 1, 1, 2, 2, -8, -8, -8, -9],
            "weight": [1.0] * 10,
        }
    )
    TABLE = {
        "id": "t",
        "number": "T",
        "title": "t",
        "base": "all",
        "categories": "opinion",
    }
    LOW = compute.Thresholds(min_n=1, min_cell=1)

    def test_weet_niet_left_out_by_default(self) -> None:
        table = run(self.FRAME, self.TABLE, thresholds=self.LOW)
        assert [r.key for r in table.rows] == ["eens", "oneens"]
        assert [r.cells[0].percent for r in table.rows] == pytest.approx(
            [400 / 6, 200 / 6]
        )
        assert table.n_total == 6

    def test_weet_niet_as_a_category_when_included(self) -> None:
        table = run(
            self.FRAME,
            {**self.TABLE, "include_missing": ["dont_know"]},
            thresholds=self.LOW,
        )
        assert [r.key for r in table.rows] == ["eens", "oneens", "weet_niet"]
        assert [r.cells[0].percent for r in table.rows] == pytest.approx(
            [400 / 9, 200 / 9, 300 / 9]
        )
        assert table.n_total == 9  # "wil ik niet zeggen" (-9) stays out

    def test_an_excluded_option_leaves_rows_and_base(self) -> None:
        table = run(
            self.FRAME, {**self.TABLE, "exclude": ["oneens"]}, thresholds=self.LOW
        )
        assert [r.key for r in table.rows] == ["eens"]
        assert table.rows[0].cells[0].percent == pytest.approx(100.0)


class TestMultipleResponse:
    # respondent: mail social weet_niet ; weights
    FRAME = pd.DataFrame(
        {
            "g": [1, 1, 1, 1, 1],
            "m_mail": [1, 1, 0, -8, -3],
            "m_social": [1, 0, 1, -8, -3],
            "m_weet_niet": [0, 0, 0, 1, -3],
            "weight": [1.0, 1.0, 2.0, 1.0, 1.0],
        }
    )
    TABLE = {"id": "t", "number": "T", "title": "t", "base": "all", "multiple": ["m"]}
    LOW = compute.Thresholds(min_n=1, min_cell=1)

    def test_percentages_of_respondents_not_of_answers(self) -> None:
        table = run(self.FRAME, self.TABLE, thresholds=self.LOW)
        # base: the three who chose a channel (weights 1, 1, 2 → 4); weet niet and -3 out
        assert [r.key for r in table.rows] == ["mail", "social"]
        assert table.rows[0].cells[0] == compute.Cell(50.0, None, 3)  # (1 + 1) / 4
        assert table.rows[1].cells[0] == compute.Cell(75.0, None, 3)  # (1 + 2) / 4
        assert sum(r.cells[0].percent for r in table.rows) > 100
        assert any("Meerdere antwoorden mogelijk" in note for note in table.footnotes)

    def test_weet_niet_included_counts_in_the_base(self) -> None:
        table = run(
            self.FRAME,
            {**self.TABLE, "include_missing": ["dont_know"]},
            thresholds=self.LOW,
        )
        assert [r.key for r in table.rows] == ["mail", "social", "weet_niet"]
        assert [r.cells[0].percent for r in table.rows] == pytest.approx(
            [40.0, 60.0, 20.0]
        )
        assert [r.cells[0].n for r in table.rows] == [4, 4, 4]


class TestSmallCellsAndSuppression:
    def test_small_base_shows_a_count_and_is_not_tested(self) -> None:
        # B has 30 respondents: shown as a count; A has 300, differs hugely, but the rest is B
        frame = groups_frame(300, 270, 30, 3)
        table = run(
            frame,
            {
                "id": "t",
                "number": "T",
                "title": "t",
                "base": "all",
                "rows": [YES_ROW],
                "breakdowns": ["g"],
            },
        )
        _total, a, b = table.rows[0].cells
        assert b == compute.Cell(None, 3, 30)
        assert (
            a.percent == pytest.approx(90.0) and a.mark is None
        )  # rest (B) below 50: no test
        assert any("ongewogen aantal" in note for note in table.footnotes)

    def test_fewer_than_min_cell_respondents_are_suppressed(self) -> None:
        frame = groups_frame(300, 150, 3, 3)
        table = run(
            frame,
            {
                "id": "t",
                "number": "T",
                "title": "t",
                "base": "all",
                "rows": [YES_ROW],
                "breakdowns": ["g"],
            },
        )
        total, a, b = table.rows[0].cells
        assert b.suppressed and b.percent is None and b.count is None and b.n == 3
        # A and the total would give B away: A is hidden as well, the total stays
        assert a.suppressed and a.percent is None and a.n == 300
        assert total.percent == pytest.approx(100 * 153 / 303)
        assert any("kleinste andere groep" in note for note in table.footnotes)
        assert any(
            "Niet getoond" in note and "5 respondenten" in note
            for note in table.footnotes
        )

    def test_thresholds_are_settings(self) -> None:
        frame = groups_frame(300, 150, 8, 4)
        table = run(
            frame,
            {
                "id": "t",
                "number": "T",
                "title": "t",
                "base": "all",
                "rows": [YES_ROW],
                "breakdowns": ["g"],
            },
            thresholds=compute.Thresholds(min_n=5, min_cell=10),
        )
        assert table.rows[0].cells[2].suppressed


def _known_p(p1: float, n1: float, p2: float, n2: float) -> float:
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * norm.sf(abs(z)))


class TestSignificance:
    TABLE = {
        "id": "t",
        "number": "T",
        "title": "t",
        "base": "all",
        "rows": [YES_ROW],
        "breakdowns": ["g"],
    }

    def test_a_large_difference_is_marked_both_ways(self) -> None:
        frame = groups_frame(200, 160, 200, 40)  # 80% vs 20%
        _, a, b = run(frame, self.TABLE).rows[0].cells
        assert (a.mark, b.mark) == ("hoger", "lager")
        assert _known_p(0.8, 200, 0.2, 200) < 1e-30

    def test_a_small_difference_is_not_marked(self) -> None:
        frame = groups_frame(100, 52, 100, 48)  # 52% vs 48%: p ≈ 0.57
        _, a, b = run(frame, self.TABLE).rows[0].cells
        assert (a.mark, b.mark) == (None, None)
        assert _known_p(0.52, 100, 0.48, 100) > 0.5

    def test_weights_widen_the_test_through_the_effective_sample_size(self) -> None:
        # 57% vs 50% with 400 each: p = 0.047 unweighted, significant
        plain = groups_frame(400, 228, 400, 200)
        assert _known_p(0.57, 400, 0.5, 400) < 0.05
        assert run(plain, self.TABLE).rows[0].cells[1].mark == "hoger"
        # the same shares with weights 0.2 / 1.8 spread evenly over yes and no:
        # n_eff = 400² / (200·0.04 + 200·3.24) ≈ 244 per group, p ≈ 0.12: not significant
        w = [0.2, 1.8] * 200
        weighted = groups_frame(400, 228, 400, 200, w_a=w, w_b=w)
        cells = run(weighted, self.TABLE).rows[0].cells
        assert cells[1].percent == pytest.approx(57.0)
        assert cells[1].mark is None
        n_eff = 400**2 / (200 * 0.04 + 200 * 3.24)
        assert _known_p(0.57, n_eff, 0.5, n_eff) > 0.1

    def test_group_against_the_rest_of_the_groups(self) -> None:
        # A 50%, B 50%, C 90%: C is higher than A+B together; A and B lower than the rest
        frame = pd.DataFrame(
            {
                "g": [1] * 100 + [2] * 100 + [3] * 100,
                "y": [1] * 50 + [0] * 50 + [1] * 50 + [0] * 50 + [1] * 90 + [0] * 10,
                "weight": [1.0] * 300,
            }
        )
        breakdowns = {
            "g": {
                "label": "Groep",
                "variable": "g",
                "groups": [
                    {"key": "a", "label": "A", "values": ["a"]},
                    {"key": "b", "label": "B", "values": ["b"]},
                    {"key": "c", "label": "C", "values": ["c"]},
                ],
            }
        }
        cells = (
            run(frame, self.TABLE, report_kwargs={"breakdowns": breakdowns})
            .rows[0]
            .cells
        )
        assert [c.mark for c in cells] == [None, "lager", "lager", "hoger"]

    def test_edition_against_the_published_base_of_the_previous_edition(self) -> None:
        # 2024: 45% of 1,000; 2022 published 60% of n=3,033 → lower; 2020 printed without n
        frame = pd.DataFrame(
            {"g": [1] * 1000, "y": [1] * 450 + [0] * 550, "weight": [1.0] * 1000}
        )
        ref = Reference(
            "test",
            {
                ("t", "ja", "totaal", 2020): ReferenceValue(44.0, None, "R:1", "", ""),
                ("t", "ja", "totaal", 2022): ReferenceValue(
                    60.0, 3033, "R:2", "R:3", ""
                ),
            },
        )
        table = run(
            frame,
            {
                "id": "t",
                "number": "T",
                "title": "t",
                "base": "all",
                "rows": [YES_ROW],
                "editions": [2020, 2022],
            },
            reference=ref,
        )
        cells = table.rows[0].cells
        assert [c.key for c in table.columns] == [
            "totaal_2020",
            "totaal_2022",
            "totaal_2024",
        ]
        assert cells[0] == compute.Cell(44.0, None, 0)
        assert cells[1] == compute.Cell(60.0, None, 3033)
        assert cells[2].percent == pytest.approx(45.0) and cells[2].mark == "lager"
        assert _known_p(0.45, 1000, 0.60, 3033) < 1e-10
        assert any(
            "verschil met 2022" in note and "95%" in note for note in table.footnotes
        )
        assert table.base_label.endswith("(n=1.000, 2024)")

    def test_no_test_without_a_published_base(self) -> None:
        frame = pd.DataFrame(
            {"g": [1] * 1000, "y": [1] * 450 + [0] * 550, "weight": [1.0] * 1000}
        )
        ref = Reference(
            "test",
            {("t", "ja", "totaal", 2022): ReferenceValue(90.0, None, "R:2", "", "")},
        )
        table = run(
            frame,
            {
                "id": "t",
                "number": "T",
                "title": "t",
                "base": "all",
                "rows": [YES_ROW],
                "editions": [2022],
            },
            reference=ref,
        )
        assert table.rows[0].cells[1].mark is None
        assert any("geen basis gepubliceerd" in note for note in table.footnotes)
