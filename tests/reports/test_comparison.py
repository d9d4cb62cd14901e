"""meer/minder/evenveel from the significance test, checked against hand-worked z-tests."""

from __future__ import annotations

import math

import pytest

from app.reports.comparison import compare_share, kish_effective_n, share_p_value


def hand_worked_p(p1: float, n1: int, p2: float, n2: int) -> float:
    """Pooled two-proportion z-test written out: z = (p1 − p2) / √(p̄(1−p̄)(1/n1 + 1/n2))."""
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def test_47_of_100_against_60_of_1000_published_is_minder() -> None:
    # By hand: p̄ = 647/1100 = 0.5882; se = √(0.5882·0.4118·0.011) = 0.05162;
    # z = −0.13 / 0.05162 = −2.518; two-sided p = 0.0118 < 0.05.
    assert share_p_value(47, 100, 60, 1000) == pytest.approx(0.0118, abs=1e-4)
    assert share_p_value(47, 100, 60, 1000) == pytest.approx(
        hand_worked_p(0.47, 100, 0.60, 1000)
    )
    assert compare_share(47, 100, 60, 1000) == "minder"


def test_47_against_48_is_evenveel() -> None:
    assert compare_share(47, 1076, 48, 3033) == "evenveel"
    assert compare_share(47, 100, 48, 1000) == "evenveel"


def test_a_large_raw_difference_on_small_bases_is_still_evenveel() -> None:
    # 13 points apart, but n=30 each: z = −1.01, p = 0.31.
    assert share_p_value(47, 30, 60, 30) == pytest.approx(
        hand_worked_p(0.47, 30, 0.60, 30)
    )
    assert compare_share(47, 30, 60, 30) == "evenveel"


def test_meer_when_significantly_higher() -> None:
    # 45% of 1,076 against 23% of 1,000 (2014): z ≈ 10.6
    assert compare_share(45, 1076, 23, 1000) == "meer"


def test_weighting_widens_the_test_through_the_effective_n() -> None:
    # 53% vs 49% of 3,033: significant at n=1,076, not at an effective n of 300.
    assert compare_share(53, 1076, 49, 3033) == "meer"
    assert compare_share(53, 300, 49, 3033) == "evenveel"
    assert kish_effective_n([1.0] * 10) == pytest.approx(10)
    assert kish_effective_n([1.0, 3.0]) == pytest.approx(16 / 10)


def test_identical_extremes_are_evenveel() -> None:
    assert compare_share(0, 50, 0, 500) == "evenveel"
    assert compare_share(100, 50, 100, 500) == "evenveel"
