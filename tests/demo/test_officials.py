"""Simulated officials answer like the report's respondents, through the routing engine.

1,200 officials drawn in the population's proportions (per function, roughly
the 2024 numbers) walk the real officials 2024 questionnaire; the shares they
produce are compared with the report's (R: lines of the 2024 report), within
a tolerance that allows for the sampling error of 1,200 respondents.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from app.demo.officials import SimulatedOfficial
from app.demo.simulate import walk
from app.questionnaires import loader, routing
from app.questionnaires.visibility import DecidingEnv
from tests.fixtures.exports import monitor_file

POPULATION = {  # function: (tier, type, office holders)
    "burgemeester": ("gemeente", "voorzitter", 342),
    "wethouder": ("gemeente", "dagelijks_bestuur", 1397),
    "raadslid": ("gemeente", "volksvertegenwoordiger", 8476),
    "cdk": ("provincie", "voorzitter", 12),
    "gedeputeerde": ("provincie", "dagelijks_bestuur", 80),
    "statenlid": ("provincie", "volksvertegenwoordiger", 570),
    "dijkgraaf": ("waterschap", "voorzitter", 21),
    "lid_db": ("waterschap", "dagelijks_bestuur", 90),
    "lid_ab": ("waterschap", "volksvertegenwoordiger", 600),
}
N = 1200


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    cq = loader.load_text(monitor_file("officials", "2024"), "officials.yaml")
    functions = list(POPULATION)
    sizes = np.array([POPULATION[f][2] for f in functions], dtype=float)
    draw = np.random.default_rng(2024).choice(len(functions), N, p=sizes / sizes.sum())
    rng, answers_rng = random.Random(2024), np.random.default_rng(7)
    rows = []
    for index in draw:
        function = functions[int(index)]
        tier, kind, _ = POPULATION[function]
        attributes = {"tier": tier, "function": function, "function_type": kind}
        official = SimulatedOfficial(answers_rng, attributes)
        log = walk(cq, attributes, rng, skip_rate=0.04, answerer=official.answer)
        # the engine keeps what it shows: cleaning the answers changes nothing
        assert routing.clean_answers(cq, log.answers, attributes) == log.answers
        env = DecidingEnv(cq, log.answers, attributes)
        counts = log.answers.get("q_aggr_count") or {}
        for split, form in (
            ("q_split_verbal", "verbaal"),
            ("q_split_threat", "bedr_intim"),
        ):
            if split in log.answers:
                assert sum(log.answers[split].values()) == counts[form]
        rows.append(
            {
                "function": function,
                "tier": tier,
                "victim": env.decided("victim"),
                **{
                    f: counts.get(f, 0) > 0 for f in ("verbaal", "bedr_intim", "fysiek")
                },
                "serious": env.decided("serious_incident"),
                "discussed": env.decided("discussed"),
                "reported": env.decided("reported"),
                "external": env.decided("reported_external"),
                "police": env.decided("police_report"),
                "migration": env.decided("migration_background"),
                "gender": log.answers.get("q_gender"),
            }
        )
    frame = pd.DataFrame(rows)
    for column in (
        "victim",
        "serious",
        "discussed",
        "reported",
        "external",
        "police",
        "migration",
    ):
        frame[column] = frame[column].map(
            lambda v: float(v) if isinstance(v, bool) else np.nan
        )
    return frame


def test_prevalence_reads_like_the_report(simulated: pd.DataFrame) -> None:
    df = simulated
    assert 0.40 <= df["victim"].mean() <= 0.50  # 45% (R:1058)
    assert 0.35 <= df["verbaal"].mean() <= 0.47  # 41% (R:1061)
    assert 0.18 <= df["bedr_intim"].mean() <= 0.28  # 23% (R:1062)
    assert 0.01 <= df["fysiek"].mean() <= 0.06  # 3% (R:1063)
    by_function = df.groupby("function")["victim"].mean()
    assert 0.34 <= by_function["raadslid"] <= 0.46  # 40% (Tabel 2.3, R:1203)
    assert 0.52 <= by_function["wethouder"] <= 0.68  # 60% (R:1201)
    by_tier = df.groupby("tier")["victim"].mean()
    assert by_tier["waterschap"] < by_tier["gemeente"]  # 23% vs 47% (R:1101-1105)
    women, men = (df.loc[df["gender"] == g, "victim"].mean() for g in (2, 1))
    assert women > men  # 55% vs 37% (R:1109-1111)


def test_the_incident_and_what_victims_did_read_like_the_report(
    simulated: pd.DataFrame,
) -> None:
    victims = simulated[simulated["victim"] == 1]
    assert 0.25 <= victims["serious"].mean() <= 0.41  # 33% (R:1297-1300)
    assert 0.58 <= victims["discussed"].mean() <= 0.74  # 66% (Tabel 2.14)
    assert 0.36 <= victims["reported"].mean() <= 0.56  # 44% (Tabel 2.14)
    assert 0.12 <= victims["external"].mean() <= 0.26  # 19% (Tabel 2.19)
    assert 0.02 <= victims["police"].mean() <= 0.12  # 7% (Figuur 2.15)
    assert simulated["victim"].isna().sum() == 0  # q_aggr_count always answered
    assert 0.04 <= simulated["migration"].mean() <= 0.12  # 7.9% (R:6044-6050)


def test_same_seed_same_answers() -> None:
    cq = loader.load_text(monitor_file("officials", "2024"), "officials.yaml")
    attributes = POPULATION["raadslid"]
    attrs = {
        "tier": attributes[0],
        "function": "raadslid",
        "function_type": attributes[1],
    }
    logs = [
        walk(
            cq, attrs, random.Random(3),
            answerer=SimulatedOfficial(np.random.default_rng(11), attrs).answer,
        ).answers
        for _ in range(2)
    ]  # fmt: skip
    assert logs[0] == logs[1]


def test_simulated_employees_read_like_the_employees_chapter() -> None:
    cq = loader.load_text(monitor_file("employees", "2024"), "employees.yaml")
    rng, answers_rng = random.Random(5), np.random.default_rng(5)
    victims, physical, men = [], [], []
    for n in range(800):
        attributes = {"tier": "gemeente" if n % 4 else "provincie"}
        employee = SimulatedOfficial(answers_rng, attributes, employee=True)
        log = walk(cq, attributes, rng, skip_rate=0.04, answerer=employee.answer)
        counts = log.answers["q_aggr_count"]
        victims.append(sum(counts.values()) > 0)
        physical.append(counts.get("fysiek", 0) > 0)
        men.append(log.answers.get("q_gender") == 1)
    assert 0.22 <= np.mean(victims) <= 0.32  # 27% (R:3404-3405)
    assert np.mean(physical) <= 0.05  # 2% (R:3407)
    assert 0.50 <= np.mean(men) <= 0.64  # 398 of 694 (R:3656-3660)
