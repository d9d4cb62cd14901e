"""Derived variables in the export: -5 "niet te bepalen" where the answers do not decide.

A constructed wave of the real officials 2024 questionnaire: each respondent
is scripted page by page through the routing engine (so "not asked" and "not
reached" are real), and the value every derived variable must have is written
down by hand below, from the rule in the codebook, not from the export code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.demo.simulate import Walk
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.questionnaires import expressions as ex
from app.questionnaires import routing
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.visibility import AnswerEnv, DecidingEnv
from app.samples import service as samples_service
from tests.fixtures.exports import create_response, monitor_file, publish

RAADSLID = {
    "tier": "gemeente",
    "function": "raadslid",
    "function_type": "volksvertegenwoordiger",
}
START = {
    "q_contact_freq": 1,
    "q_safety": {"veilig": 2, "aandacht": 3},
    "q_risk_org": {"bestuur": 3, "collegas": 3},
    "q_risk_self": {"persoonlijk_leven": 4},
}
DUTCH_PARENTS = {"q_born": {"zelf": 1, "moeder": 1, "vader": 1}}
DERIVED = [
    "victim",
    "online_victim",
    "discussed",
    "reported",
    "reported_external",
    "police_report",
    "serious_incident",
    "migration_background",
]
U = -5  # niet te bepalen

# name: (answers by question id, page to stop at (None = completed), expected
# values of DERIVED in that order, worked out by hand from the rule)
SCRIPTS: dict[str, tuple[dict[str, Any], str | None, list[int]]] = {
    # 0 everywhere, completed: a non-victim; the incident block was never
    # asked, so nothing about "the most recent incident" can be said.
    "non_victim": (
        {**START, "q_aggr_count": {"verbaal": 0, "bedr_intim": 0, "fysiek": 0}}
        | DUTCH_PARENTS,
        None,
        [0, 0, U, U, U, U, U, 0],
    ),
    # submitted question 5 empty (counts as response), then stopped
    "q5_empty": ({**START}, "p_norm", [U] * 8),
    # a victim who stopped before the background block
    "victim_no_background": (
        {
            **START,
            "q_aggr_count": {"verbaal": 3, "bedr_intim": 0, "fysiek": 0},
            "q_split_verbal": {"offline": 2, "online": 1},
            "q_online_channels": [2],
            "q_recent_type": 1,
            "q_recent_severity": 6,
            "q_discussed_with": [1],
            "q_reported_to": [20],
            "q_external_report": [1],
            "q_police_report": [1],
        },
        "p_person",
        [1, 1, 1, 0, 1, 1, 1, U],
    ),
    # one form answered with 2, the others left empty: victim all the same;
    # online: verbal unknown, threats 0 online -> undecided
    "one_form_known": (
        {
            **START,
            "q_aggr_count": {"bedr_intim": 2},
            "q_split_threat": {"offline": 2, "online": 0},
            "q_recent_severity": 4,
            "q_police_report": [20],
            "q_born": {"zelf": 1, "moeder": 98, "vader": 1},
        },
        None,
        [1, U, U, U, U, 0, 0, U],
    ),
    # two forms 0, one empty: undecided victim; online decided (no verbal
    # and no threats at all); one parent born abroad decides migration
    "zeros_and_gap": (
        {
            **START,
            "q_aggr_count": {"verbaal": 0, "bedr_intim": 0},
            "q_born": {"zelf": 1, "moeder": 2, "vader": 99},
        },
        None,
        [U, 0, U, U, U, U, U, 1],
    ),
    # "wil ik niet zeggen" for yourself, parents born in the Netherlands
    "refused_self": (
        {
            **START,
            "q_aggr_count": {"verbaal": 0, "bedr_intim": 0, "fysiek": 0},
            "q_born": {"zelf": 99, "moeder": 1, "vader": 1},
        },
        None,
        [0, 0, U, U, U, U, U, U],
    ),
}


def script(
    cq: CompiledQuestionnaire,
    attributes: dict[str, Any],
    answers: dict[str, Any],
    stop_at: str | None,
) -> Walk:
    """Walk the routing engine, giving the scripted answer to every question shown."""
    log = Walk()
    page = routing.next_page_id(cq, None, log.answers, attributes)
    while page is not None:
        if page == stop_at:
            log.stopped_at = page
            break
        shown = routing.visible_questions(cq, page, log.answers, attributes)
        log.shown[page] = {q.id for q in shown}
        given = {q.id: answers[q.id] for q in shown if q.id in answers}
        log.answers = routing.apply_page(cq, page, log.answers, given, attributes)
        log.submitted.append(page)
        page = routing.next_page_id(cq, page, log.answers, attributes)
    assert stop_at is None or log.stopped_at == stop_at, f"never reached {stop_at}"
    return log


async def _wave(
    session: AsyncSession, settings: Settings
) -> tuple[dict[int, str], list[int]]:
    wave = await samples_service.create_wave(
        session, slug="mies-2024", name="Monitor 2024"
    )
    version, cq = await publish(session, monitor_file("officials", "2024"))
    await samples_service.set_wave_version(
        session, wave=wave, questionnaire="officials", version_id=version.id
    )
    ids: dict[int, str] = {}
    for minute, (name, (answers, stop, _)) in enumerate(SCRIPTS.items()):
        log = script(cq, RAADSLID, answers, stop)
        response = await create_response(
            session, settings, wave=wave, version=version, cq=cq,
            attributes=RAADSLID, log=log, minute=minute,
        )  # fmt: skip
        ids[response.id] = name
    # stopped before question 5: not a response, not in the export
    early = script(cq, RAADSLID, START, "p_prevalence")
    below = await create_response(
        session, settings, wave=wave, version=version, cq=cq,
        attributes=RAADSLID, log=early, minute=99,
    )  # fmt: skip
    await session.commit()
    return ids, [below.id]


@pytest.mark.asyncio
async def test_export_codes_undecided_derived_values_minus_five(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    ids, below = await _wave(session, settings)
    request = ExportRequest(
        wave="mies-2024",
        questionnaire="officials",
        format=ExportFormat.csv,
        include_partial=True,
    )
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    out = tmp_path / "officials.csv"
    await runner.export_to_path(session, plan, out)
    await session.commit()  # end the export's read snapshot
    frame = pd.read_csv(out, encoding="utf-8-sig").set_index("respondent_id")
    assert sorted(frame.index) == sorted(ids)
    assert not set(below) & set(frame.index)
    for rid, name in ids.items():
        got = [int(frame.loc[rid, column]) for column in DERIVED]
        assert got == SCRIPTS[name][2], name

    book = json.loads((tmp_path / "officials.codebook.json").read_text("utf-8"))
    victim = next(v for v in book["variables"] if v["name"] == "victim")
    assert {"code": -5, "label": "Niet te bepalen"} in victim["missing"]
    assert any("nooit 'Nee'" in note for note in victim["notes"])
    counts = {f["code"]: f["n"] for f in victim["counts"]["frequencies"]}
    expected_victim = [s[2][0] for s in SCRIPTS.values()]
    assert counts == {
        code: expected_victim.count(code) for code in set(expected_victim)
    }

    # SPSS: -5 labelled and declared missing, the rule in the file's notes
    import pyreadstat

    request = request.model_copy(update={"format": ExportFormat.sav})
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    await runner.export_to_path(session, plan, tmp_path / "officials.sav")
    data, meta = pyreadstat.read_sav(str(tmp_path / "officials.sav"), user_missing=True)
    assert meta.variable_value_labels["victim"][-5] == "Niet te bepalen"
    assert sorted(data["victim"].astype(int)) == sorted(expected_victim)
    assert "Afgeleide variabelen" in " ".join(meta.notes)


def test_a_decided_value_is_what_routing_used() -> None:
    """Where ``decide`` settles a value it equals routing's two-valued one."""
    from app.questionnaires import loader

    cq = loader.load_text(monitor_file("officials", "2024"), "officials.yaml")
    for answers, stop, _ in SCRIPTS.values():
        log = script(cq, RAADSLID, answers, stop)
        deciding = DecidingEnv(cq, log.answers, RAADSLID)
        plain = AnswerEnv(cq, log.answers, RAADSLID)
        for did in DERIVED:
            value = deciding.decided(did)
            if value is not ex.UNKNOWN and not isinstance(value, ex.Span):
                assert bool(value) == bool(plain.derived(did)), did


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("sum(${q}) > 0", {"q": {"a": 1}}, True),
        ("sum(${q}) > 0", {"q": {"a": 0}}, ex.UNKNOWN),
        ("sum(${q}) > 0", {"q": {"a": 0, "b": 0}}, False),
        ("sum(${q}) >= 10", {"q": {"a": 3}}, ex.UNKNOWN),
        ("${q.a} + ${q.b} < 3", {"q": {"a": 3}}, False),
        ("${s} = 'x'", {"s": 98}, ex.UNKNOWN),
        ("${s} = 98", {"s": 98}, True),
        ("${s} in ['x', 'y']", {"s": 98}, ex.UNKNOWN),
        ("${s} in ['x', 'y']", {"s": 2}, True),
        ("not ${s} = 'x'", {}, ex.UNKNOWN),
        ("${s} = 'x' or ${s} = 'y'", {"s": 3}, False),
        ("is_missing(${s})", {"s": 98}, True),
        ("is_missing(${s})", {}, ex.UNKNOWN),
        ("answered(${m}) and not selected(${m}, 'niet')", {"m": [20]}, False),
        ("selected(${m}, 'een')", {"m": [98]}, ex.UNKNOWN),
        ("count_selected(${m}) >= 2", {"m": [1, 2]}, True),
        ("tier = 'gemeente' and sum(${q}) > 0", {"q": {"b": 4}}, ex.UNKNOWN),
    ],
)
def test_decide_on_small_cases(source: str, answers: dict, expected: Any) -> None:
    from app.questionnaires import loader

    text = f"""\
questionnaire: t
version: "1"
title: t
welcome: w
thanks: t
response_from: q
attributes:
  tier: {{label: Bestuurslaag, values: {{gemeente: gemeente}}}}
derived:
  - {{id: d, label: d, expr: "{source}"}}
blocks:
  - id: b
    pages:
      - id: p
        questions:
          - {{id: q, type: number, text: q, min: 0, max: 9, items: [{{id: a, text: a}}, {{id: b, text: b}}]}}
          - id: s
            type: single
            text: s
            options:
              - {{code: 1, name: x, label: x}}
              - {{code: 2, name: y, label: y}}
              - {{code: 3, name: z, label: z}}
              - {{code: 98, name: wn, label: Weet niet, missing: dont_know}}
          - id: m
            type: multiple
            text: m
            options:
              - {{code: 1, name: een, label: een}}
              - {{code: 2, name: twee, label: twee}}
              - {{code: 20, name: niet, label: niet, exclusive: true}}
              - {{code: 98, name: wn, label: Weet niet, missing: dont_know, exclusive: true}}
"""
    cq = loader.load_text(text, "t.yaml")
    value = DecidingEnv(cq, answers, {}).decided("d")  # no tier: unknown
    assert value is expected or value == expected


def test_the_cache_gives_what_a_fresh_decision_gives() -> None:
    """Scripted, partial and random respondents: cached value == fresh ``decide``."""
    import random

    import numpy as np

    from app.demo.officials import SimulatedOfficial
    from app.demo.simulate import walk
    from app.exports.derived_cache import DerivedCache
    from app.questionnaires import loader

    cq = loader.load_text(monitor_file("officials", "2024"), "officials.yaml")
    cache = DerivedCache(cq, max_entries=50)  # small: entries are also evicted
    rng, answers_rng = random.Random(3), np.random.default_rng(3)
    logs = [script(cq, RAADSLID, a, stop).answers for a, stop, _ in SCRIPTS.values()]
    for n in range(400):
        official = SimulatedOfficial(answers_rng, RAADSLID)
        answerer = official.answer if n % 2 else None  # half answer at random
        stop = rng.choice([None, None, 6, 12, 20])
        logs.append(
            walk(
                cq, RAADSLID, rng, stop_after=stop, skip_rate=0.2, answerer=answerer
            ).answers
        )
    for answers in logs + logs:  # the second round hits
        cached = cache.values(DERIVED, answers, RAADSLID)
        fresh = DecidingEnv(cq, answers, RAADSLID)
        assert cached == {d: fresh.decided(d) for d in DERIVED}
    assert cache.hits > cache.misses
