from __future__ import annotations

import pytest

from app.questionnaires.describe import describe
from tests.questionnaires.officials import officials


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (
            "${q_aggr_count.verbaal} > 0",
            "q_aggr_count.verbaal (Verbale agressie) groter dan 0",
        ),
        (
            "function in ['burgemeester', 'wethouder']",
            "functie is burgemeester of wethouder",
        ),
        ("function not in ['burgemeester']", "functie is geen van: burgemeester"),
        (
            "not ${victim} or tier != 'provincie'",
            "niet victim (Slachtoffer afgelopen 12 maanden) of bestuurslaag is niet provincie",
        ),
        (
            "selected(${q_channels}, 'facebook')",
            "bij q_channels (Via welke online kanalen is agressie geuit?) is ‘Facebook’ gekozen",
        ),
        (
            "${q_contact} = 'dagelijks'",
            "q_contact (Hoe vaak heeft u contact met mensen buiten de organisatie?) is ‘Dagelijks’",
        ),
        (
            "${q_severity} = 98 or ${q_severity} <= 4",
            "q_severity (Hoe ernstig vond u het meest recente incident?) is ‘Weet niet’ of q_severity (Hoe ernstig vond u het meest recente incident?) kleiner dan of gelijk aan 4",
        ),
        (
            "count_selected(${q_channels}) >= 2",
            "het aantal gekozen antwoorden bij q_channels (Via welke online kanalen is agressie geuit?) groter dan of gelijk aan 2",
        ),
        (
            "sum(${q_aggr_count}) = 0 and answered(${q_age})",
            "de som van q_aggr_count (Hoe vaak heeft u de afgelopen 12 maanden te maken gehad met…) is 0 en q_age (Wat is uw leeftijd?) is beantwoord",
        ),
        ("(a = 1 or b = 1) and not (c = 1)", "(a is 1 of b is 1) en niet (c is 1)"),
    ],
)
def test_describe_in_dutch(condition: str, words: str) -> None:
    assert describe(condition, officials().definition) == words
