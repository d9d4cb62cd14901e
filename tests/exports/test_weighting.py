"""Post-stratification and raking: margins reproduced, mean 1, empty cells handled."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.exports import weighting
from app.exports.schemes import EMPLOYEES, OFFICIALS, official_cells

CELLS = st.dictionaries(
    st.sampled_from([f"c{i}" for i in range(8)]),
    st.tuples(st.integers(1, 400), st.integers(1, 100_000)),
    min_size=1,
)


def _respondents(sample: dict) -> list:
    return [cell for cell, n in sample.items() for _ in range(n)]


class TestPoststratify:
    @given(CELLS)
    @settings(max_examples=150, deadline=None)
    def test_weighted_shares_are_population_shares(self, cells: dict) -> None:
        sample = {c: n for c, (n, _) in cells.items()}
        population = {c: float(p) for c, (_, p) in cells.items()}
        result = weighting.poststratify(sample, population)
        people = _respondents(sample)
        w = weighting.expand(result, people)
        assert w.mean() == pytest.approx(1.0)
        assert (w > 0).all()
        total = sum(population.values())
        for cell, _n in sample.items():
            weighted = sum(x for x, c in zip(w, people, strict=True) if c == cell)
            assert weighted / len(people) == pytest.approx(population[cell] / total)

    def test_empty_cell_collapses_into_its_parent(self) -> None:
        sample = {"gemeente/raadslid": 40, "gemeente/wethouder": 10, "provincie": 10}
        population = {
            "gemeente/raadslid": 900,
            "gemeente/wethouder": 100,
            "gemeente/burgemeester": 50,
            "provincie": 50,
        }
        result = weighting.poststratify(
            sample,
            population,
            lambda c: "gemeente" if c.startswith("gemeente/") else None,
        )
        assert [s.name for s in result.strata] == ["gemeente", "provincie"]
        assert "samengevoegd tot gemeente" in result.warnings[0]
        assert (
            result.cell_weights["gemeente/raadslid"]
            == result.cell_weights["gemeente/wethouder"]
        )
        w = weighting.expand(result, _respondents(sample))
        gemeente = w[:50].sum() / w.sum()
        assert gemeente == pytest.approx(1050 / 1100)

    def test_stratum_without_parent_is_left_out_and_named(self) -> None:
        result = weighting.poststratify({"a": 10}, {"a": 100, "b": 100})
        assert result.cell_weights == {"a": 1.0}
        assert any("b (populatie 100)" in w for w in result.warnings)

    def test_respondents_without_population_keep_weight_one(self) -> None:
        result = weighting.poststratify({"a": 10, "b": 5, "?": 5}, {"a": 1, "b": 3})
        assert result.cell_weights["?"] == 1.0
        w = weighting.expand(result, _respondents({"a": 10, "b": 5, "?": 5}))
        assert w.mean() == pytest.approx(1.0)
        assert w[:15].sum() == pytest.approx(15)


# Every combination of tier and gender has respondents, so any positive margins
# can be met together (raking is feasible) and must converge. Counts and
# targets as skewed as fieldwork gets: one respondent against hundreds, and
# margins a thousand to one.
JOINT = st.lists(st.integers(1, 300), min_size=6, max_size=6)
MARGIN = st.lists(st.integers(1, 50_000), min_size=3, max_size=3)


class TestRake:
    @given(JOINT, MARGIN, st.lists(st.integers(1, 50_000), min_size=2, max_size=2))
    @settings(max_examples=150, deadline=None)
    def test_both_margins_reproduced(
        self, joint: list[int], tiers: list[int], genders: list[int]
    ) -> None:
        cells = [
            (t, g)
            for t in ("gemeente", "provincie", "waterschap")
            for g in ("man", "vrouw")
        ]
        sample = dict(zip(cells, joint, strict=True))
        margins = [
            (
                "tier",
                dict(zip(("gemeente", "provincie", "waterschap"), tiers, strict=True)),
            ),
            ("gender", dict(zip(("man", "vrouw"), genders, strict=True))),
        ]
        result = weighting.rake(sample, margins)
        assert result.converged
        people = _respondents(sample)
        w = weighting.expand(result, people)
        assert w.mean() == pytest.approx(1.0)
        for d, (_, targets) in enumerate(margins):
            total = sum(targets.values())
            for value, target in targets.items():
                share = (
                    sum(x for x, c in zip(w, people, strict=True) if c[d] == value)
                    / w.sum()
                )
                assert share == pytest.approx(target / total, abs=1e-6)

    @pytest.mark.parametrize(
        ("joint", "tiers", "genders"),
        [
            ([1, 1, 1, 266, 242, 2], [1, 36_903, 50_000], [50_000, 36_220]),
            ([300, 1, 1, 300, 176, 1], [1, 50_000, 50_000], [50_000, 50_000]),
        ],
    )
    def test_inputs_that_did_not_settle_in_200_rounds(
        self, joint: list[int], tiers: list[int], genders: list[int]
    ) -> None:
        # Found on the old code (200 rounds, then weights that met no margin).
        # Checked independently: each weighted share against its target share.
        names = ("gemeente", "provincie", "waterschap")
        cells = [(t, g) for t in names for g in ("man", "vrouw")]
        sample = dict(zip(cells, joint, strict=True))
        margins = [
            ("tier", dict(zip(names, tiers, strict=True))),
            ("gender", dict(zip(("man", "vrouw"), genders, strict=True))),
        ]
        result = weighting.rake(sample, margins)
        assert result.converged and result.iterations is not None
        assert result.iterations > 200
        weighted = {c: result.cell_weights[c] * n for c, n in sample.items()}
        total = sum(weighted.values())
        for d, (_, targets) in enumerate(margins):
            for value, target in targets.items():
                share = sum(x for c, x in weighted.items() if c[d] == value) / total
                assert share == pytest.approx(target / sum(targets.values()), rel=1e-6)

    def test_margins_that_cannot_be_met_together_raise_a_clear_error(self) -> None:
        # Only women in b and only men in a: tier shares are gender shares, so
        # tier 1:1 and gender 1:3 cannot both hold.
        sample = {("a", "m"): 5, ("b", "v"): 5}
        with pytest.raises(weighting.RakingError) as caught:
            weighting.rake(
                sample, [("tier", {"a": 1, "b": 1}), ("gender", {"m": 1, "v": 3})]
            )
        reason = caught.value.reason
        assert "haalt de populatieverdeling niet" in reason
        assert "tier = a en gender = v" in reason and "tier = b en gender = m" in reason
        assert "ongewogen" in reason

    def test_the_export_reports_the_error_to_the_analyst(self) -> None:
        from app.exports.errors import ExportWeightingError

        with pytest.raises(ExportWeightingError) as caught:
            EMPLOYEES.compute(
                {("gemeente", "man"): 5, ("provincie", "vrouw"): 5},
                {
                    "tier": {"gemeente": 1, "provincie": 1},
                    "gender": {"man": 1, "vrouw": 3},
                },
            )
        assert caught.value.status_code == 409
        assert "combinaties zonder respondenten" in caught.value.message

    def test_a_margin_with_one_value_left_is_no_margin(self) -> None:
        result = weighting.rake(
            {("a", "m"): 5, ("a", "v"): 15},
            [("tier", {"a": 1, "b": 9}), ("gender", {"m": 1, "v": 1})],
        )
        assert result.converged
        assert result.cell_weights[("a", "m")] == pytest.approx(2.0)

    def test_proportional_sample_gets_weight_one(self) -> None:
        sample = {("a", "m"): 10, ("a", "v"): 10, ("b", "m"): 20, ("b", "v"): 20}
        result = weighting.rake(
            sample, [("t", {"a": 1, "b": 2}), ("g", {"m": 5, "v": 5})]
        )
        assert set(np.round(list(result.cell_weights.values()), 9)) == {1.0}

    def test_unknown_gender_is_held_and_named(self) -> None:
        sample = {("a", "m"): 10, ("a", None): 5, ("b", "v"): 10, ("b", "m"): 4}
        result = weighting.rake(
            sample, [("tier", {"a": 1, "b": 1}), ("gender", {"m": 1, "v": 1})]
        )
        assert any("gender onbekend" in w for w in result.warnings)
        w = weighting.expand(result, _respondents(sample))
        assert w.mean() == pytest.approx(1.0)

    def test_margin_value_without_respondents_is_dropped(self) -> None:
        result = weighting.rake(
            {("a", "m"): 5, ("a", "v"): 5},
            [("tier", {"a": 1, "b": 9}), ("gender", {"m": 1, "v": 3})],
        )
        assert any("tier = b" in w for w in result.warnings)
        assert result.cell_weights[("a", "v")] == pytest.approx(1.5)


class TestReportCase:
    """Officials 2024: council members were sampled (a third), so weighting raises their share."""

    RESPONSE = {
        "burgemeester": 78,
        "wethouder": 256,
        "raadslid": 453,
        "cdk": 6,
        "gedeputeerde": 15,
        "statenlid": 112,
        "dijkgraaf": 8,
        "lid_db": 31,
        "lid_ab": 123,
    }
    POPULATION = {
        "burgemeester": 342,
        "wethouder": 1397,
        "raadslid": 8476,
        "cdk": 12,
        "gedeputeerde": 62,
        "statenlid": 571,
        "dijkgraaf": 21,
        "lid_db": 91,
        "lid_ab": 502,
    }
    TIER = {
        "burgemeester": "gemeente",
        "wethouder": "gemeente",
        "raadslid": "gemeente",
        "cdk": "provincie",
        "gedeputeerde": "provincie",
        "statenlid": "provincie",
        "dijkgraaf": "waterschap",
        "lid_db": "waterschap",
        "lid_ab": "waterschap",
    }

    def test_council_members_weigh_more_than_their_response_share(self) -> None:
        sample: dict = {}
        for function, n in self.RESPONSE.items():
            cell = OFFICIALS.cell(
                {"tier": self.TIER[function], "function": function}, {}, {}
            )
            sample[cell] = sample.get(cell, 0) + n
        result = OFFICIALS.compute(sample, {"function": self.POPULATION})
        total = sum(self.RESPONSE.values())
        weighted = result.cell_weights["gemeente/raadslid"] * 453 / total
        assert 453 / total == pytest.approx(0.419, abs=0.001)
        assert weighted == pytest.approx(8476 / sum(self.POPULATION.values()))
        assert weighted > 0.7
        assert (
            result.cell_weights["provincie"] < 1
        )  # provinces are over-represented in the response

    def test_tier_counts_fill_tiers_without_function_counts(self) -> None:
        cells = official_cells(
            {"function": {"raadslid": 100}, "tier": {"provincie": 50, "gemeente": 999}}
        )
        assert cells == {"gemeente/raadslid": 100.0, "provincie": 50.0}

    def test_employees_gender_from_the_answer_when_the_panel_has_none(self) -> None:
        cell = EMPLOYEES.cell(
            {"tier": "gemeente", "gender": None},
            {"q_gender": 2},
            {1: "man", 2: "vrouw"},
        )
        assert cell == ("gemeente", "vrouw")
