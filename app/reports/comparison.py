"""Is this edition's share different from a reference edition's? → meer/minder/evenveel.

The factsheet's sentences compare the current share with each earlier edition it
names, and the report allows a comparison word only for a significant difference.
Earlier editions exist only as published figures (percentage and base), so the
test is the two-sample z-test for proportions (pooled, two-sided, 95 %) from
statsmodels on (share × n, n) of both. The current share is weighted: pass its
effective sample size (Kish: (Σw)²/Σw²) as ``n``, so weighting widens the test
as it widens the interval; the published base stands for the reference edition,
whose weights we do not have.
"""

from __future__ import annotations

import math

from statsmodels.stats.proportion import proportions_ztest

from app.reports.wording import Word

ALPHA = 0.05
"""The one stated level: 95 % (two-sided)."""


def kish_effective_n(weights: list[float]) -> float:
    """(Σw)² / Σw²: the sample size an unweighted sample of equal precision has."""
    total = math.fsum(weights)
    squares = math.fsum(w * w for w in weights)
    return total * total / squares if squares else 0.0


def share_p_value(
    percent: float, n: float, reference_percent: float, reference_n: float
) -> float:
    """Two-sided p-value of the pooled z-test of two independent proportions."""
    if n <= 0 or reference_n <= 0:
        raise ValueError("both bases must be positive")
    p1, p2 = percent / 100, reference_percent / 100
    pooled = (p1 * n + p2 * reference_n) / (n + reference_n)
    if pooled in (0.0, 1.0):
        return 1.0  # both 0 % or both 100 %: no difference to find
    _, p_value = proportions_ztest([p1 * n, p2 * reference_n], [n, reference_n])
    return float(p_value)


def compare_share(
    percent: float,
    n: float,
    reference_percent: float,
    reference_n: float,
    *,
    alpha: float = ALPHA,
) -> Word:
    """ "meer"/"minder" when the difference is significant at ``alpha``, else
    "evenveel". The sign of the difference decides only between meer and minder."""
    if share_p_value(percent, n, reference_percent, reference_n) >= alpha:
        return "evenveel"
    return "meer" if percent > reference_percent else "minder"
