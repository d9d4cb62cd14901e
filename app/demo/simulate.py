"""Simulated respondents and fieldwork history, for the demo and the tests.

``walk`` is a scripted respondent: it answers, page by page, exactly what the
routing engine shows (so "not asked" is real), and keeps a log of what it saw.
The demo uses it to give a wave two weeks of plausible history, so the
monitor, its curve and the exports have something to show on first start;
the export tests use the log as an independent oracle.

Everything here is seeded: the same seed gives the same history.
"""

# Seeded random on purpose: the same seed must give the same simulated history.

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.questionnaires import routing
from app.questionnaires.compiler import CompiledQuestion, CompiledQuestionnaire

Answerer = Callable[
    [CompiledQuestion, Sequence[Any], Sequence[Any]], dict[str, Any] | None
]
"""(question, visible rows, visible options) → answer, or None to answer at random."""


@dataclass
class Walk:
    """What a scripted respondent did and saw."""

    answers: dict[str, Any] = field(default_factory=dict)
    submitted: list[str] = field(default_factory=list)
    shown: dict[str, set[str]] = field(default_factory=dict)
    """page id → ids of the questions shown on it"""
    hidden_rows: dict[str, set[str]] = field(default_factory=dict)
    hidden_options: dict[str, set[int]] = field(default_factory=dict)
    stopped_at: str | None = None
    """The page the respondent saw last but did not submit (None = completed)."""

    @property
    def complete(self) -> bool:
        return self.stopped_at is None


def walk(
    cq: CompiledQuestionnaire,
    attributes: dict[str, Any],
    rng: random.Random,
    *,
    stop_after: int | None = None,
    skip_rate: float = 0.1,
    texts: list[str] | None = None,
    answerer: Answerer | None = None,
) -> Walk:
    """Answer page by page what routing shows; stop after ``stop_after`` pages.

    ``answerer`` (e.g. ``demo.officials.SimulatedOfficial.answer``) gives the
    answer to the questions it knows; the rest are answered at random.
    """
    log = Walk()
    page = routing.next_page_id(cq, None, log.answers, attributes)
    while page is not None:
        if stop_after is not None and len(log.submitted) >= stop_after:
            log.stopped_at = page
            break
        shown = routing.visible_questions(cq, page, log.answers, attributes)
        log.shown[page] = {q.id for q in shown}
        given: dict[str, Any] = {}
        for model in shown:
            question = cq.questions[model.id]
            if not question.qtype.asks:
                continue
            rows = routing.visible_rows(cq, question.id, log.answers, attributes)
            options = routing.visible_options(cq, question.id, log.answers, attributes)
            log.hidden_rows[question.id] = {r.id for r in question.rows} - {
                r.id for r in rows
            }
            log.hidden_options[question.id] = {o.code for o in question.options} - {
                o.code for o in options
            }
            known = answerer(question, rows, options) if answerer else None
            if known is not None:
                given.update(known)
                continue
            if rng.random() < skip_rate:
                continue
            given.update(_answer(question, rows, options, rng, texts))
        log.answers = routing.apply_page(cq, page, log.answers, given, attributes)
        log.submitted.append(page)
        page = routing.next_page_id(cq, page, log.answers, attributes)
    return log


def _answer(
    question: CompiledQuestion,
    rows: list[Any],
    options: list[Any],
    rng: random.Random,
    texts: list[str] | None,
) -> dict[str, Any]:
    qtype = question.qtype
    model = question.model
    text = rng.choice(texts) if texts else f"tekst {rng.randint(1, 999)}"
    if qtype.stored == "text":
        return {question.id: text}
    if qtype.choice and question.rows:  # a grid
        return {question.id: {r.id: rng.choice(options).code for r in rows}}
    if qtype.bounds is not None and question.rows:  # a number per item
        return {question.id: {r.id: rng.choice([0, 0, 1, 2, 5]) for r in rows}}
    if qtype.bounds is not None:
        if options and rng.random() < 0.2:
            return {question.id: rng.choice(options).code}
        low, high = qtype.bounds(model)
        return {question.id: rng.randint(low, min(high, low + 10))}
    if qtype.stored == "list":
        exclusive = [o for o in options if o.exclusive]
        if exclusive and rng.random() < 0.15:
            chosen = [rng.choice(exclusive)]
        else:
            pool = [o for o in options if not o.exclusive]
            chosen = rng.sample(pool, k=rng.randint(1, min(3, len(pool))))
        value: dict[str, Any] = {question.id: sorted(o.code for o in chosen)}
        if any(o.other for o in chosen):
            value[f"{question.id}_other"] = text
        return value
    option = rng.choice(options)
    value = {question.id: option.code}
    if option.other:
        value[f"{question.id}_other"] = text
    return value


# --- a respondent's history -----------------------------------------------------

# Table 4.3 of the 2024 report: response per function (officials); Table 1.5 for
# the organisations (31%); the employees' panel answered more readily.
RESPONSE_RATE = {
    "burgemeester": 0.23, "wethouder": 0.18, "raadslid": 0.14, "cdk": 0.50,
    "gedeputeerde": 0.24, "statenlid": 0.20, "dijkgraaf": 0.38, "lid_db": 0.34,
    "lid_ab": 0.25,
}  # fmt: skip
DEFAULT_RATE = {"organisations": 0.31, "employees": 0.45, "officials": 0.2}
GENERAL_ADDRESS_FACTOR = 0.6
"""A general mailbox (secretariat) passes fewer invitations on (Table 4.4)."""


@dataclass(frozen=True)
class Outcome:
    """What one simulated sample member did, as times (UTC)."""

    started_at: dt.datetime
    pages: int | None
    """Pages submitted before stopping; None = completed."""


def response_rate(questionnaire: str, attributes: dict[str, Any]) -> float:
    rate = RESPONSE_RATE.get(attributes.get("function") or "")
    if rate is None or questionnaire != "officials":
        rate = DEFAULT_RATE.get(questionnaire, 0.2)
    if attributes.get("email_kind") == "algemeen":
        rate *= GENERAL_ADDRESS_FACTOR
    return rate


def plan_outcome(
    rng: random.Random,
    *,
    rate: float,
    mailings: list[dt.datetime],
    now: dt.datetime,
) -> Outcome | None:
    """Whether and when a sample member starts, and how far they get.

    Most who answer do so within a day or two of a mail; the share that
    answers after each mail falls off (60% of the eventual response after the
    invitation, the rest after reminders), which gives the curve its steps.
    """
    if not mailings or rng.random() >= rate:
        return None
    weights = [0.6] + [0.4 / (len(mailings) - 1)] * (len(mailings) - 1)
    index = rng.choices(range(len(mailings)), weights=weights)[0]
    after = mailings[index]
    until = mailings[index + 1] if index + 1 < len(mailings) else now
    hours = min(rng.expovariate(1 / 14), (until - after).total_seconds() / 3600 - 0.1)
    if hours <= 0:
        return None
    roll = rng.random()
    pages = (
        None
        if roll < 0.8
        else (rng.randint(1, 3) if roll < 0.88 else rng.randint(6, 20))
    )
    return Outcome(after + dt.timedelta(hours=hours), pages)
