"""The factsheet's words: the quantifier rule and the comparison sentence."""

from __future__ import annotations

import pytest

from app.reports.wording import (
    Comparison,
    capitalize_first,
    comparison_sentence,
    headline_sentence,
    quantifier,
    whole_percent,
)


@pytest.mark.parametrize(
    ("percent", "words"),
    [
        (0, "geen"),
        (0.4, "geen"),
        (3, "een klein deel"),
        (7.4, "een klein deel"),
        (10, "één op de tien"),
        (14, "één op de zeven"),
        (19, "bijna één op de vijf"),
        (20, "één op de vijf"),
        (23, "bijna een kwart"),
        (25, "een kwart"),
        (33, "een derde"),
        (34, "een derde"),
        (36, "ruim een derde"),
        (37, "bijna vier op de tien"),  # 40 is nearer than 33⅓
        (41, "ruim vier op de tien"),
        (45, "bijna de helft"),  # a tie between 40 and 50 goes up
        (46.5, "bijna de helft"),  # rounds half up to 47
        (47, "bijna de helft"),
        (49.6, "de helft"),  # shown as 50%
        (50, "de helft"),
        (53, "ruim de helft"),
        (59, "bijna zes op de tien"),
        (67, "twee derde"),
        (85, "bijna negen op de tien"),
        (88, "bijna negen op de tien"),
        (93, "ruim negen op de tien"),
        (97, "vrijwel alle"),
        (100, "alle"),
    ],
)
def test_quantifier_follows_the_documented_rule(percent: float, words: str) -> None:
    assert quantifier(percent) == words


def test_quantifier_refuses_what_is_not_a_percentage() -> None:
    with pytest.raises(ValueError, match="out of range"):
        quantifier(100.5)
    with pytest.raises(ValueError, match="out of range"):
        quantifier(-1)


def test_whole_percent_rounds_half_up_as_printed() -> None:
    assert [whole_percent(p) for p in (46.5, 47.5, 0.5, 99.49)] == [47, 48, 1, 99]


def test_sentence_case_keeps_the_dutch_een() -> None:
    assert capitalize_first("één op de vijf") == "Eén op de vijf"
    assert capitalize_first("bijna de helft") == "Bijna de helft"


def test_comparison_sentence_of_the_provincial_factsheet() -> None:
    sentence = comparison_sentence(
        [Comparison(2022, "minder"), Comparison(2020, "evenveel")]
    )
    assert sentence == "Dat is evenveel als in 2020 maar minder dan in 2022."


def test_comparison_sentence_names_editions_with_the_same_word_together() -> None:
    assert (
        comparison_sentence(
            [
                Comparison(2018, "meer"),
                Comparison(2020, "meer"),
                Comparison(2022, "evenveel"),
            ]
        )
        == "Dat is meer dan in 2018 en 2020 maar evenveel als in 2022."
    )
    assert comparison_sentence([Comparison(2022, "meer")]) == "Dat is meer dan in 2022."
    assert comparison_sentence([]) == ""


def test_headline_sentence_reads_like_the_seed() -> None:
    assert headline_sentence(
        edition=2024,
        percent=47.2,
        population="de politieke ambtsdragers in provincies",
        outcome="te maken met agressie en/of intimidatie",
        comparisons=[Comparison(2020, "evenveel"), Comparison(2022, "minder")],
    ) == (
        "In 2024 kreeg bijna de helft (47%) van de politieke ambtsdragers in "
        "provincies te maken met agressie en/of intimidatie. Dat is evenveel als "
        "in 2020 maar minder dan in 2022."
    )
