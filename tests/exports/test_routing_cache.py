"""The export's memoised routing agrees with the routing engine, respondent by respondent."""

from __future__ import annotations

import random

import pytest

from app.exports.routing_cache import RoutingCache
from app.questionnaires import loader, routing
from tests.fixtures.exports import OFFICIALS, demo, monitor_file, walk

CASES = [
    ("officials", "2024", OFFICIALS),
    ("officials", "2022", OFFICIALS),
    (
        "employees",
        "2024",
        [
            {"tier": "gemeente", "panel": "flitspanel", "ballot": "a"},
            {"tier": "waterschap", "panel": "io_panel", "ballot": "b"},
            {"tier": "provincie"},
        ],
    ),
    ("organisations", "2024", [{"tier": "gemeente"}, {"tier": "provincie"}]),
]


@pytest.mark.parametrize(("questionnaire", "version", "attributes"), CASES)
def test_same_path_stop_rows_options_and_derived(
    questionnaire: str, version: str, attributes: list
) -> None:
    cq = loader.load_text(monitor_file(questionnaire, version), f"{version}.yaml")
    cache = RoutingCache(cq, max_entries=16)  # small: the bound is exercised too
    for n in range(150):
        rng = random.Random(n)
        attrs = attributes[n % len(attributes)]
        log = walk(
            cq, attrs, rng, stop_after=rng.choice([None, 2, 5, 9]), skip_rate=0.2
        )
        partial = not log.complete
        seen = cache.seen(log.answers, attrs, partial=partial, submitted=log.submitted)
        again = cache.seen(
            dict(log.answers),
            dict(attrs),
            partial=partial,
            submitted=list(log.submitted),
        )
        assert again is seen  # the same inputs: remembered
        assert seen.shown == set(routing.path(cq, log.answers, attrs)) | _info_shown(
            cq, log.answers, attrs
        )
        first = routing.first_unanswered_page_id(
            cq, log.answers, attrs, set(log.submitted)
        )
        if partial:
            assert seen.stop == cq.page_by_id[first].index
        for qid in seen.shown:
            question = cq.questions[qid]
            if question.row_relevant:
                visible = {
                    r.id for r in routing.visible_rows(cq, qid, log.answers, attrs)
                }
                assert seen.hidden_rows[qid] == {r.id for r in question.rows} - visible
            if question.option_relevant:
                visible_codes = {
                    o.code for o in routing.visible_options(cq, qid, log.answers, attrs)
                }
                assert (
                    seen.hidden_options[qid]
                    == {o.code for o in question.options} - visible_codes
                )
        assert seen.derived == routing.derived_values(cq, log.answers, attrs)
    assert len(cache.entries) <= 16


def _info_shown(cq, answers, attrs) -> set[str]:
    """``path`` leaves information texts out; the export's set keeps them (harmless)."""
    return {
        q.id
        for page in routing.visible_pages(cq, answers, attrs)
        for q in routing.visible_questions(cq, page, answers, attrs)
        if q.type == "info"
    }


def test_true_and_one_are_different_inputs() -> None:
    cq = loader.load_text(demo(), "demo.yaml")
    cache = RoutingCache(cq)
    a = cache.seen(
        {"q_count": {"verbaal": 1, "fysiek": 0}},
        OFFICIALS[0],
        partial=False,
        submitted=[],
    )
    b = cache.seen(
        {"q_count": {"verbaal": True, "fysiek": 0}},
        OFFICIALS[0],
        partial=False,
        submitted=[],
    )
    assert a.derived == {"victim": True}
    assert b.derived == routing.derived_values(
        cq, {"q_count": {"verbaal": True, "fysiek": 0}}, OFFICIALS[0]
    )
