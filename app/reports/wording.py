"""The factsheet's words chosen from its figures: pure functions, no I/O.

Two rules, both written down here because a published sentence rests on them:

**Quantifier** (``quantifier``): a percentage becomes the words a report writer
uses ("bijna de helft", "ruim een derde", "één op de vijf"). The percentage is
first rounded to a whole number, as the reader sees it in brackets. Then:

* 0 → "geen"; 1–7 → "een klein deel"; 96–99 → "vrijwel alle"; 100 → "alle";
* otherwise the nearest of the anchors in ``ANCHORS`` (the fractions people say:
  één op de tien … de helft … negen op de tien); a tie goes to the higher anchor;
* within one point of the anchor (|p − a| < 1) the anchor itself ("een derde"
  for 33% and 34%, "de helft" for 50%); below it "bijna …", above it "ruim …".

**Comparison words** (``comparison_sentence``): "meer", "minder" or
"evenveel" per reference edition come from the significance test
(:func:`app.reports.comparison.compare_share`), never from the raw difference:
the report names only significant differences (R:919-945). Editions with the
same word are named together ("evenveel als in 2018 en 2020"); clauses with
different words are joined with "maar" ("evenveel als in 2020 maar minder dan
in 2022").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Word = Literal["meer", "minder", "evenveel"]

ANCHORS: tuple[tuple[float, str], ...] = (
    (10.0, "één op de tien"),
    (12.5, "één op de acht"),
    (100 / 7, "één op de zeven"),
    (100 / 6, "één op de zes"),
    (20.0, "één op de vijf"),
    (25.0, "een kwart"),
    (30.0, "drie op de tien"),
    (100 / 3, "een derde"),
    (40.0, "vier op de tien"),
    (50.0, "de helft"),
    (60.0, "zes op de tien"),
    (200 / 3, "twee derde"),
    (70.0, "zeven op de tien"),
    (75.0, "driekwart"),
    (80.0, "acht op de tien"),
    (90.0, "negen op de tien"),
)
"""Anchor percentages and their words, ascending."""


def whole_percent(percent: float) -> int:
    """Round half up to a whole percentage (as Excel and the report print it;
    Python's ``round`` would make 46.5 into 46)."""
    return int(Decimal(repr(percent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quantifier(percent: float) -> str:
    """The words for ``percent`` (0–100), lower case; see the module docstring."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percentage out of range: {percent}")
    p = whole_percent(percent)
    if p == 0:
        return "geen"
    if p < 8:
        return "een klein deel"
    if p == 100:
        return "alle"
    if p > 95:
        return "vrijwel alle"
    value, words = min(ANCHORS, key=lambda a: (abs(p - a[0]), -a[0]))
    if abs(p - value) < 1:
        return words
    return f"bijna {words}" if p < value else f"ruim {words}"


def capitalize_first(text: str) -> str:
    """Sentence case: "één op de vijf" → "Eén op de vijf" (Dutch drops the accent)."""
    if text.startswith("één"):
        return "Eén" + text[3:]
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The current edition against one reference edition, as decided by the test."""

    edition: int
    word: Word


_PHRASE = {
    "meer": "meer dan in",
    "minder": "minder dan in",
    "evenveel": "evenveel als in",
}


def _join(items: Sequence[str], last: str = "en") -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def comparison_sentence(comparisons: Sequence[Comparison]) -> str:
    """ "Dat is evenveel als in 2020 maar minder dan in 2022." (editions ascending).

    Empty when there is nothing to compare with.
    """
    if not comparisons:
        return ""
    ordered = sorted(comparisons, key=lambda c: c.edition)
    clauses: list[tuple[Word, list[int]]] = []
    for comparison in ordered:
        if clauses and clauses[-1][0] == comparison.word:
            clauses[-1][1].append(comparison.edition)
        else:
            clauses.append((comparison.word, [comparison.edition]))
    texts = [
        f"{_PHRASE[word]} {_join([str(e) for e in editions])}"
        for word, editions in clauses
    ]
    return f"Dat is {_join(texts, 'maar')}."


def headline_sentence(
    *,
    edition: int,
    percent: float,
    population: str,
    outcome: str,
    comparisons: Sequence[Comparison] = (),
) -> str:
    """ "In 2024 kreeg bijna de helft (47%) van de politieke ambtsdragers in
    provincies te maken met agressie en/of intimidatie. Dat is evenveel als in
    2020 maar minder dan in 2022."

    ``population`` follows "van" ("de politieke ambtsdragers in provincies");
    ``outcome`` follows the share ("te maken met agressie en/of intimidatie").
    """
    share = f"{quantifier(percent)} ({whole_percent(percent)}%)"
    first = f"In {edition} kreeg {share} van {population} {outcome}."
    second = comparison_sentence(comparisons)
    return f"{first} {second}" if second else first


def headline_count_sentence(
    *, edition: int, count: int, n: int, population: str, outcome: str
) -> str:
    """The headline when the base is too small for a percentage: the unweighted
    count, as the report gives it, and no comparison (a count is never tested)."""
    return (
        f"In {edition} kregen {count} van de {n} ondervraagde {population} {outcome}. "
        "Dat zijn te weinig respondenten voor een percentage en voor een vergelijking "
        "met eerdere jaren."
    )
