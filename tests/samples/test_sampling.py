"""The pure sampler and planner: reproducible, right sizes, and statistically sound."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from pydantic import ValidationError

from app.samples import sampling
from app.samples.design import (
    Census,
    ClusterSample,
    SampleDesign,
    SimpleRandomSample,
    parse_design,
    preset,
)
from app.samples.fields import FrameKind

G4 = ["GM0363", "GM0599", "GM0518", "GM0344"]
MUNICIPALITIES = G4 + [f"GM{n:04d}" for n in range(1, 339)]  # 342


def council(code: str, members: int = 3) -> list[dict[str, str | None]]:
    return [
        {"tier": "gemeente", "function": "raadslid", "organisation_code": code,
         "organisation": f"Gemeente {code}", "email_kind": "persoonlijk"}
        for _ in range(members)
    ]  # fmt: skip


def draw(
    design: SampleDesign, units: list[dict[str, str | None]], seed: int
) -> list[int]:
    """Run a plan over units given in stream order; return the chosen indexes."""
    cells: Counter[tuple[tuple[str, str | None], ...]] = Counter(
        tuple(sorted(u.items())) for u in units
    )
    plan = sampling.plan_draw(
        design, [sampling.Cell(dict(k), n) for k, n in cells.items()], seed
    )
    return [i for i, unit in enumerate(units) if plan.decide(unit) is not None]


def cluster_design(k: int = 122) -> SampleDesign:
    return SampleDesign(
        frame_kind=FrameKind.officials,
        components=[ClusterSample(where={"function": ["raadslid"]}, clusters=k, always_include=["Amsterdam", "GM0599", "den haag", "Gemeente Utrecht"])],
    )  # fmt: skip


UNITS = [u for code in MUNICIPALITIES for u in council(code)]
# Names for the G4 so they can be named by name.
for unit in UNITS:
    names = {"GM0363": "Gemeente Amsterdam", "GM0599": "Gemeente Rotterdam",
             "GM0518": "Gemeente Den Haag", "GM0344": "Gemeente Utrecht"}  # fmt: skip
    unit["organisation"] = names.get(
        unit["organisation_code"] or "", unit["organisation"]
    )


class TestChoosePositions:
    def test_distinct_and_in_range(self) -> None:
        chosen = sampling.choose_positions(sampling.rng_for(1, "t"), 50, 20)
        assert len(set(chosen)) == 20 and all(0 <= p < 50 for p in chosen)

    def test_all_when_n_equals_population(self) -> None:
        assert sorted(
            sampling.choose_positions(sampling.rng_for(1, "t"), 7, 7)
        ) == list(range(7))

    def test_each_position_equally_likely(self) -> None:
        population, n, draws = 30, 9, 3000
        counts = Counter(
            p
            for seed in range(draws)
            for p in sampling.choose_positions(
                sampling.rng_for(seed, "t"), population, n
            )
        )
        p = n / population
        sigma = math.sqrt(draws * p * (1 - p))
        assert all(abs(counts[i] - draws * p) < 5 * sigma for i in range(population))


class TestClusterSample:
    def test_same_seed_same_sample(self) -> None:
        assert draw(cluster_design(), UNITS, 2024) == draw(
            cluster_design(), UNITS, 2024
        )
        assert draw(cluster_design(), UNITS, 2024) != draw(
            cluster_design(), UNITS, 2025
        )

    def test_g4_always_in_and_k_others(self) -> None:
        for seed in range(20):
            chosen = {
                UNITS[i]["organisation_code"]
                for i in draw(cluster_design(), UNITS, seed)
            }
            assert set(G4) <= chosen
            assert len(chosen) == 122 + 4

    def test_everyone_in_a_drawn_municipality_is_in(self) -> None:
        chosen = draw(cluster_design(), UNITS, 7)
        per_org = Counter(UNITS[i]["organisation_code"] for i in chosen)
        assert set(per_org.values()) == {3}

    def test_inclusion_frequency_is_k_over_n(self) -> None:
        """Over many draws each non-G4 municipality is in with probability 122/338
        (binomial, within 5 sigma), and the G4 every time."""
        keys = sorted(MUNICIPALITIES)
        draws = 2000
        counts: Counter[str] = Counter()
        for seed in range(draws):
            counts.update(
                sampling.choose_clusters(sampling.rng_for(seed, "c"), keys, 122, G4)
            )
        p = 122 / 338
        sigma = math.sqrt(draws * p * (1 - p))
        others = [c for c in MUNICIPALITIES if c not in G4]
        assert all(counts[g] == draws for g in G4)
        worst = max(abs(counts[c] - draws * p) / sigma for c in others)
        assert worst < 5, worst
        assert sum(counts[c] for c in others) == draws * 122

    def test_unknown_always_included_organisation_is_refused_with_a_hint(self) -> None:
        design = SampleDesign(
            frame_kind=FrameKind.officials,
            components=[ClusterSample(clusters=1, always_include=["Amsterdm"])],
        )
        with pytest.raises(sampling.PlanError, match="bedoelt u 'Gemeente Amsterdam'"):
            draw(design, UNITS, 1)

    def test_asking_more_clusters_than_there_are(self) -> None:
        with pytest.raises(sampling.PlanError, match="maar 338"):
            draw(cluster_design(k=339), UNITS, 1)


class TestSimpleRandomSample:
    def test_n_per_stratum_and_census_strata(self) -> None:
        units = (
            [{"tier": "gemeente", "panel": "io_panel"} for _ in range(900)]
            + [{"tier": "provincie", "panel": "io_panel"} for _ in range(150)]
            + [{"tier": "waterschap", "panel": "io_panel"} for _ in range(120)]
            + [{"tier": "gemeente", "panel": "flitspanel"} for _ in range(50)]
        )
        chosen = draw(preset("employees-2024"), units, 9)
        counts = Counter((units[i]["tier"], units[i]["panel"]) for i in chosen)
        assert counts == {
            ("gemeente", "io_panel"): 400,
            ("provincie", "io_panel"): 150,
            ("waterschap", "io_panel"): 120,
        }

    def test_n_larger_than_the_stratum_takes_all_with_a_warning(self) -> None:
        design = SampleDesign(
            frame_kind=FrameKind.employees,
            components=[SimpleRandomSample(stratify_by=["tier"], n=10)],
        )
        units = [{"tier": "gemeente"}] * 4 + [{"tier": "provincie"}] * 30
        cells = [
            sampling.Cell({"tier": "gemeente"}, 4),
            sampling.Cell({"tier": "provincie"}, 30),
        ]
        plan = sampling.plan_draw(design, cells, 1)
        assert plan.components[0].warnings == [
            "stratum gemeente: gevraagd 10, maar er zijn er 4; allen genomen"
        ]
        chosen = [i for i, u in enumerate(units) if plan.decide(u)]
        assert Counter(units[i]["tier"] for i in chosen) == {
            "gemeente": 4,
            "provincie": 10,
        }


class TestDesign:
    def test_first_matching_component_wins(self) -> None:
        design = preset("officials-2024")
        units = UNITS + [
            {
                "tier": "gemeente",
                "function": "burgemeester",
                "organisation_code": c,
                "organisation": "x",
            }
            for c in MUNICIPALITIES
        ]
        chosen = draw(design, units, 3)
        mayors = [i for i in chosen if units[i]["function"] == "burgemeester"]
        assert len(mayors) == 342  # census of everyone but council members

    def test_summary_per_stratum(self) -> None:
        design = preset("officials-2024")
        units = [
            *UNITS,
            {
                "tier": "gemeente",
                "function": "wethouder",
                "organisation_code": "GM0001",
                "organisation": "x",
            },
        ]
        cells: Counter[tuple[tuple[str, str | None], ...]] = Counter(
            tuple(sorted(u.items())) for u in units
        )
        plan = sampling.plan_draw(
            design, [sampling.Cell(dict(k), n) for k, n in cells.items()], 3
        )
        sampled: Counter[str] = Counter()
        by_component: Counter[int] = Counter()
        for unit in units:
            owner = plan.decide(unit)
            if owner:
                sampled[
                    sampling.stratum_key(
                        sampling.with_function_type(unit), design.summary_by
                    )
                ] += 1
                by_component[owner.index] += 1
        summary = sampling.summarise(plan, sampled, by_component)
        assert [(s["label"], s["population"], s["sampled"]) for s in summary["strata"]] == [
            ("Gemeente · Wethouders", 1, 1), ("Gemeente · Raadsleden", 1026, 378),
        ]  # fmt: skip
        assert summary["components"][1]["clusters"]["drawn"] == 126

    def test_component_selecting_nobody_is_refused(self) -> None:
        design = SampleDesign(
            frame_kind=FrameKind.officials,
            components=[Census(where={"tier": ["provincie"]})],
        )
        with pytest.raises(sampling.PlanError, match="selecteert niemand"):
            draw(design, UNITS, 1)

    def test_typo_in_a_condition_is_refused_with_a_suggestion(self) -> None:
        with pytest.raises(ValidationError, match="bedoelt u 'raadslid'"):
            Census(where={"function": ["raadslidd"]})

    def test_parse_design_reports_json_and_field_errors(self) -> None:
        with pytest.raises(ValueError, match="geen geldige JSON"):
            parse_design("{")
        with pytest.raises(ValueError, match=r"components\.0\.cluster\.clusters"):
            parse_design(
                '{"frame_kind": "officials", "components": [{"kind": "cluster"}]}'
            )

    def test_presets_are_valid_and_round_trip(self) -> None:
        for name in (
            "officials-2024",
            "employees-2024",
            "organisations-2024",
            "census",
        ):
            design = preset(name)
            assert SampleDesign.model_validate(design.model_dump(mode="json")) == design
