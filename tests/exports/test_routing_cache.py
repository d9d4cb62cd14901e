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


def test_different_counts_same_tests_share_an_entry() -> None:
    """Counts that only meet "> 0" tests: other numbers, the same routing."""
    cq = loader.load_text(monitor_file("officials", "2024"), "2024.yaml")
    cache = RoutingCache(cq)
    checked = 0
    for n in range(60):
        rng = random.Random(n)
        attrs = OFFICIALS[n % len(OFFICIALS)]
        log = walk(cq, attrs, rng, stop_after=rng.choice([None, 5]), skip_rate=0.1)
        counts = log.answers.get("q_aggr_count")
        if not isinstance(counts, dict) or not any(
            isinstance(v, int) and v > 0 for v in counts.values()
        ):
            continue
        partial = not log.complete
        first = cache.seen(log.answers, attrs, partial=partial, submitted=log.submitted)
        varied = dict(log.answers)
        varied["q_aggr_count"] = {
            k: v + 17 if isinstance(v, int) and v > 0 else v for k, v in counts.items()
        }
        hits = cache.hits
        second = cache.seen(varied, attrs, partial=partial, submitted=log.submitted)
        assert second is first and cache.hits == hits + 1
        assert second.shown == set(routing.path(cq, varied, attrs)) | _info_shown(
            cq, varied, attrs
        )
        assert second.derived == routing.derived_values(cq, varied, attrs)
        checked += 1
    assert checked >= 10


def test_a_count_that_crosses_a_test_is_a_new_entry() -> None:
    cq = loader.load_text(demo(), "demo.yaml")
    cache = RoutingCache(cq)
    some = cache.seen(
        {"q_count": {"verbaal": 3, "fysiek": 0}},
        OFFICIALS[0],
        partial=False,
        submitted=[],
    )
    none = cache.seen(
        {"q_count": {"verbaal": 0, "fysiek": 0}},
        OFFICIALS[0],
        partial=False,
        submitted=[],
    )
    assert some is not none
    assert (some.derived, none.derived) == ({"victim": True}, {"victim": False})
