"""R-indicators against hand-worked cases and an independent fit.

The independent computation fits the same logistic model by Newton-Raphson
written out here in numpy, on one row per invitation (not on cells), and
computes R, the bias bound, the CV and the partial indicators from the
textbook formulas.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import statsmodels.api as sm

from app.monitoring.rindicators import Cell, r_indicators


def test_equal_propensities_give_r_one() -> None:
    cells = [
        Cell({"tier": "gemeente"}, 400, 100),
        Cell({"tier": "provincie"}, 200, 50),
        Cell({"tier": "waterschap"}, 80, 20),
    ]
    result = r_indicators(cells, ["tier"])
    assert result is not None
    assert result.r == pytest.approx(1.0, abs=1e-9)
    assert result.max_bias == pytest.approx(0.0, abs=1e-8)
    assert result.cv == pytest.approx(0.0, abs=1e-8)
    assert all(abs(c.partial) < 1e-9 for c in result.variables[0].categories)


def test_two_strata_with_known_rates_worked_by_hand() -> None:
    # 600 at 50%, 400 at 25%: mean 0.4;
    # S^2 = (600 * 0.1^2 + 400 * 0.15^2) / 999 = 15 / 999
    cells = [Cell({"tier": "a"}, 600, 300), Cell({"tier": "b"}, 400, 100)]
    result = r_indicators(cells, ["tier"])
    assert result is not None
    s = math.sqrt(15 / 999)
    assert result.mean_propensity == pytest.approx(0.4)
    assert result.r == pytest.approx(1 - 2 * s, abs=1e-9)
    assert result.r == pytest.approx(0.754928, abs=1e-6)
    assert result.max_bias == pytest.approx((2 * s) / (2 * 0.4), abs=1e-9)
    assert result.cv == pytest.approx(s / 0.4, abs=1e-9)
    [tier] = result.variables
    partial = {c.category: c.partial for c in tier.categories}
    assert partial["a"] == pytest.approx(math.sqrt(600 / 999) * 0.1, abs=1e-9)
    assert partial["b"] == pytest.approx(-math.sqrt(400 / 999) * 0.15, abs=1e-9)
    assert tier.partial == pytest.approx(s, abs=1e-9)  # one variable: P_u = S
    assert [c.category for c in result.most_negative()] == ["b"]


def test_no_respondents_or_all_respondents_give_nothing() -> None:
    assert r_indicators([Cell({"tier": "a"}, 10, 0)], ["tier"]) is None
    assert r_indicators([Cell({"tier": "a"}, 10, 10)], ["tier"]) is None


def newton_logit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        gradient = x.T @ (y - p)
        hessian = (x * (p * (1 - p))[:, None]).T @ x
        beta = beta + np.linalg.solve(hessian, gradient)
    return 1 / (1 + np.exp(-x @ beta))


def test_against_an_independent_fit_per_invitation() -> None:
    rng = random.Random(7)
    tiers = {"gemeente": 0.45, "provincie": 0.6, "waterschap": 0.5}
    kinds = {"persoonlijk": 0.1, "algemeen": -0.15}
    genders = {"man": 0.0, "vrouw": 0.05, "": -0.1}
    people = []
    for _ in range(3000):
        t = rng.choice(list(tiers))
        k = rng.choice(list(kinds))
        g = rng.choices(list(genders), weights=[5, 4, 1])[0]
        p = tiers[t] + kinds[k] + genders[g]
        people.append((t, k, g, 1 if rng.random() < p else 0))
    cells_map: dict[tuple[str, str, str], list[int]] = {}
    for t, k, g, r in people:
        cells_map.setdefault((t, k, g), []).append(r)
    cells = [
        Cell({"tier": t, "email_kind": k, "gender": g}, len(rs), sum(rs))
        for (t, k, g), rs in cells_map.items()
    ]
    result = r_indicators(cells, ["tier", "email_kind", "gender"])
    assert result is not None

    # independent: one row per person, dummies in a different order
    levels = {
        0: sorted(tiers)[::-1],
        1: sorted(kinds)[::-1],
        2: sorted(genders)[::-1],
    }
    x = np.array(
        [
            [1.0]
            + [
                1.0 if person[v] == level else 0.0
                for v in range(3)
                for level in levels[v][1:]
            ]
            for person in people
        ]
    )
    y = np.array([person[3] for person in people], dtype=float)
    rho = newton_logit(x, y)
    # and statsmodels' own Logit per person agrees too
    logit = sm.Logit(y, x).fit(disp=0)
    assert np.allclose(logit.predict(x), rho, atol=1e-8)
    n = len(people)
    mean = rho.mean()
    s = rho.std(ddof=1)
    assert result.r == pytest.approx(1 - 2 * s, abs=1e-8)
    assert result.mean_propensity == pytest.approx(mean, abs=1e-10)
    assert result.max_bias == pytest.approx(2 * s / (2 * mean), abs=1e-8)
    assert result.cv == pytest.approx(s / mean, abs=1e-8)
    for variable in result.variables:
        index = {"tier": 0, "email_kind": 1, "gender": 2}[variable.variable]
        between = 0.0
        for category in variable.categories:
            members = np.array([p[index] == category.category for p in people])
            n_k = members.sum()
            mean_k = rho[members].mean()
            expected = math.sqrt(n_k / (n - 1)) * (mean_k - mean)
            assert category.partial == pytest.approx(expected, abs=1e-8)
            # a model with Z as main effect reproduces Z's observed rates
            assert mean_k == pytest.approx(y[members].mean(), abs=1e-8)
            between += n_k * (mean_k - mean) ** 2
        assert variable.partial == pytest.approx(math.sqrt(between / (n - 1)), abs=1e-8)


def test_nested_variables_and_a_category_without_response() -> None:
    # function lies within tier (collinear dummies), and one function has
    # no respondent yet (separation): still a fit, propensity near zero there
    cells = [
        Cell({"tier": "gemeente", "function": "raadslid"}, 500, 200),
        Cell({"tier": "gemeente", "function": "wethouder"}, 100, 60),
        Cell({"tier": "provincie", "function": "statenlid"}, 120, 0),
        Cell({"tier": "provincie", "function": "gedeputeerde"}, 30, 12),
    ]
    result = r_indicators(cells, ["tier", "function"])
    assert result is not None
    by = {c.category: c for v in result.variables for c in v.categories}
    assert by["statenlid"].mean_propensity == pytest.approx(0.0, abs=1e-6)
    assert by["raadslid"].mean_propensity == pytest.approx(0.4, abs=1e-6)
    assert result.most_negative(1)[0].category == "statenlid"
