"""The progress bar's estimate: counted by hand, and never moving back."""

from __future__ import annotations

import random

import pytest

from app.questionnaires import routing
from tests.questionnaires.inline import load_inline
from tests.questionnaires.respondents import FILES, load, random_walk
from tests.questionnaires.test_monitor_questionnaires import random_attributes

BLOCK_OPENS = """
- id: b_start
  pages:
    - id: p1
      questions:
        - {id: q1, type: text, text: Naam van de gemeente}
    - id: p2
      questions:
        - {id: q_victim, type: single, text: Iets meegemaakt?,
           options: [{code: 1, label: Ja}, {code: 2, label: Nee}]}
- id: b_incident
  relevant: "${q_victim} = 1"
  pages:
    - {id: i1, questions: [{id: qi1, type: text, text: Wat?}]}
    - {id: i2, questions: [{id: qi2, type: text, text: Waar?}]}
    - {id: i3, questions: [{id: qi3, type: text, text: Wanneer?}]}
    - id: i4
      relevant: "function = 'burgemeester'"
      questions: [{id: qi4, type: text, text: Als burgemeester?}]
    - id: i5
      questions:
        - {id: qi5, type: text, text: Gemeld?, relevant: "${qi1} = 'x'"}
- id: b_end
  pages:
    - {id: p_end, questions: [{id: q_end, type: text, text: Opmerkingen?}]}
"""
ATTRIBUTES = """
attributes:
  function:
    label: Functie
    values: {burgemeester: burgemeester, raadslid: raadslid}
"""


def bar(cq, page_id: str, answers: dict, attributes: dict) -> tuple[int, int]:
    visible = [p.id for p in routing.visible_pages(cq, answers, attributes)]
    return routing.progress(cq, page_id, answers, attributes, visible)


def test_a_block_opened_by_an_answer_was_counted_before_it_opened() -> None:
    """Worked by hand. A raadslid: i4 is decided hidden from the start (an
    attribute), the incident block i1..i3 and i5 may open until q_victim is
    answered. The old count went from page 2 of 3 (33 %) to page 3 of 7 (28 %)."""
    cq = load_inline(BLOCK_OPENS, extra=ATTRIBUTES)
    raadslid = {"function": "raadslid"}
    assert bar(cq, "p1", {}, raadslid) == (1, 7)  # p1 p2 i1 i2 i3 i5 p_end
    assert bar(cq, "p2", {"q1": "Utrecht"}, raadslid) == (2, 7)
    yes = {"q1": "Utrecht", "q_victim": 1}
    assert bar(cq, "i1", yes, raadslid) == (3, 7)
    # i5 shows only qi5, whose condition reads qi1 (page i1): open until then.
    assert bar(cq, "i2", {**yes, "qi1": "y"}, raadslid) == (4, 6)
    no = {"q1": "Utrecht", "q_victim": 2}
    assert bar(cq, "p_end", no, raadslid) == (3, 3)
    # The burgemeester also gets i4.
    assert bar(cq, "p1", {}, {"function": "burgemeester"}) == (1, 8)


@pytest.mark.parametrize("key", sorted(FILES))
def test_the_share_done_grows_on_every_page_of_every_route(
    key: tuple[str, str],
) -> None:
    cq = load(*key)
    rng = random.Random(13)
    for _ in range(60):
        attributes = random_attributes(key[0], rng)
        walk = random_walk(cq, attributes, rng)
        shares = []
        for page_id, answers in zip(walk.pages, walk.arrivals, strict=True):
            position, total = bar(cq, page_id, answers, attributes)
            assert 1 <= position <= total
            shares.append((position - 1) / total)
        assert shares == sorted(shares) and len(set(shares)) == len(shares), (
            walk.pages,
            shares,
        )
