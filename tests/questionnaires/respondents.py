"""Scripted and random respondents that walk a questionnaire page by page.

A scripted respondent has a dict of intended answers, written with option
*names* (``{"q_police_report": ["nee"]}``), and answers every question the
engine shows it: from the dict when the question is in it, otherwise with a
default. Each page goes through the same steps as a real submission: the
engine picks the next visible page, the respondent fills in a form with the
codes of the options it is offered, ``parse_page_submission`` validates it
(offered options only, exclusive options, constraints) and ``apply_page``
stores it. So the walk follows routing exactly as a respondent would, and an
intended answer that the engine would not offer fails the test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.questionnaires import routing
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.definition import AnyQuestion, Option, other_key
from app.questionnaires.loader import load_questionnaire

ROOT = Path(__file__).resolve().parents[2] / "questionnaires"

FILES = {
    ("officials", "2024"): ROOT / "officials" / "2024.yaml",
    ("officials", "2022"): ROOT / "officials" / "2022.yaml",
    ("employees", "2024"): ROOT / "employees" / "2024.yaml",
    ("organisations", "2024"): ROOT / "organisations" / "2024.yaml",
}

_CACHE: dict[tuple[str, str], CompiledQuestionnaire] = {}


def load(questionnaire: str, version: str) -> CompiledQuestionnaire:
    key = (questionnaire, version)
    if key not in _CACHE:
        _CACHE[key] = load_questionnaire(FILES[key], in_tree=True)
    return _CACHE[key]


SKIP = object()
"""Intended answer meaning: leave this question empty (answering is optional)."""

Form = dict[str, list[str]]
Default = Callable[[AnyQuestion, list[Option], list[str], Mapping[str, object]], Any]
"""(question, offered options, shown rows/items, answers so far) -> intended answer."""


@dataclass
class Walk:
    """What one respondent saw and answered."""

    pages: list[str] = field(default_factory=list)
    arrivals: list[dict[str, object]] = field(default_factory=list)
    """The stored answers when each page of ``pages`` was shown."""
    shown: list[str] = field(default_factory=list)
    """Question ids shown, in order (information texts left out)."""
    info: list[str] = field(default_factory=list)
    """Information texts shown."""
    offered: dict[str, list[str]] = field(default_factory=dict)
    """Option names (or codes) offered per choice question."""
    answers: dict[str, object] = field(default_factory=dict)
    reached_threshold: bool = False
    texts: dict[str, str] = field(default_factory=dict)
    """Question texts after piping."""


def _name(option: Option) -> str:
    return option.name or str(option.code)


def _code_of(options: list[Option], wanted: object, question: str) -> str:
    for option in options:
        if wanted == option.name or wanted == option.code:
            return str(option.code)
    offered = [_name(o) for o in options]
    raise AssertionError(f"{question}: {wanted!r} is not offered (offered: {offered})")


def sensible_default(
    question: AnyQuestion,
    options: list[Option],
    rows: list[str],
    answers: Mapping[str, object],
) -> Any:
    """What a respondent without an intended answer does: the first substantive
    choice, 0 for counts, the low end of a scale, nothing for open text."""
    substantive = [
        o for o in options if o.missing is None and not o.exclusive and not o.other
    ]
    match question.type:
        case "single":
            return _name(substantive[0]) if substantive else SKIP
        case "multiple":
            return [_name(substantive[0])] if substantive else SKIP
        case "grid":
            return {row: _name(substantive[0]) for row in rows}
        case "number":
            return dict.fromkeys(rows, 0) if rows else 0
        case "scale":
            return question.min  # type: ignore[union-attr]
    return SKIP


def _form_for(
    cq: CompiledQuestionnaire,
    question: AnyQuestion,
    options: list[Option],
    rows: list[str],
    value: Any,
) -> Form:
    qid = question.id
    if value is SKIP or value is None:
        return {}
    match question.type:
        case "single":
            return {qid: [_code_of(options, value, qid)]}
        case "multiple":
            assert isinstance(value, list | tuple), f"{qid}: give a list"
            return {qid: [_code_of(options, v, qid) for v in value]}
        case "grid":
            assert isinstance(value, Mapping), f"{qid}: give {{row: option}}"
            unknown = set(value) - set(rows)
            assert not unknown, f"{qid}: rows {unknown} are not shown (shown: {rows})"
            return {
                f"{qid}.{row}": [_code_of(options, v, f"{qid}.{row}")]
                for row, v in value.items()
            }
        case "number" if rows:
            assert isinstance(value, Mapping), f"{qid}: give {{item: number}}"
            return {f"{qid}.{item}": [str(n)] for item, n in value.items()}
        case "number" | "scale":
            if isinstance(value, str):
                return {
                    f"{qid}.option" if question.type == "number" else qid: [
                        _code_of(options, value, qid)
                    ]
                }
            return {qid: [str(value)]}
        case "text":
            return {qid: [str(value)]}
    raise AssertionError(f"{qid}: unhandled type {question.type}")


def walk(
    cq: CompiledQuestionnaire,
    intended: Mapping[str, Any],
    attributes: Mapping[str, object],
    *,
    default: Default = sensible_default,
) -> Walk:
    """Walk the questionnaire page by page as a respondent with these intentions."""
    result = Walk()
    answers: dict[str, object] = {}
    page_id = routing.next_page_id(cq, None, answers, attributes)
    while page_id is not None:
        result.pages.append(page_id)
        result.arrivals.append(dict(answers))
        result.reached_threshold |= routing.reached_threshold(cq, page_id)
        form: Form = {}
        for question in routing.visible_questions(cq, page_id, answers, attributes):
            if question.type == "info":
                result.info.append(question.id)
                continue
            result.shown.append(question.id)
            result.texts[question.id] = routing.pipe(
                question.text, cq, answers, attributes
            )
            options = routing.visible_options(cq, question.id, answers, attributes)
            rows = [
                r.id for r in routing.visible_rows(cq, question.id, answers, attributes)
            ]
            if options:
                result.offered[question.id] = [_name(o) for o in options]
            if question.id in intended:
                value = intended[question.id]
            else:
                value = default(question, options, rows, answers)
            form.update(_form_for(cq, question, options, rows, value))
            other = other_key(question.id)
            if other in intended:
                form[other] = [str(intended[other])]
        new, errors = routing.parse_page_submission(
            cq, page_id, form, answers, attributes
        )
        assert not errors, f"page {page_id}: {errors}"
        answers = routing.apply_page(cq, page_id, answers, new, attributes)
        page_id = routing.next_page_id(cq, page_id, answers, attributes)
    result.answers = answers
    # The engine's own account of the route must agree with the walk.
    assert routing.path(cq, answers, attributes) == result.shown
    return result


# --- random respondents ------------------------------------------------------------


_SPLIT_SOURCE = {"q_split_verbal": "verbaal", "q_split_threat": "bedr_intim"}


def random_walk(
    cq: CompiledQuestionnaire, attributes: Mapping[str, object], rng: random.Random
) -> Walk:
    """A respondent who answers at random: sometimes skips, sometimes ticks
    several options or an exclusive one, keeps counts small and splits them
    into offline and online consistently."""
    intended: dict[str, Any] = {}

    def choose(
        question: AnyQuestion,
        options: list[Option],
        rows: list[str],
        answers: Mapping[str, object],
    ) -> Any:
        if rng.random() < 0.08:
            return SKIP
        match question.type:
            case "single":
                value: Any = _name(rng.choice(options))
            case "multiple":
                plain = [o for o in options if not o.exclusive]
                exclusive = [o for o in options if o.exclusive]
                if exclusive and (not plain or rng.random() < 0.3):
                    value = [_name(rng.choice(exclusive))]
                else:
                    value = [
                        _name(o)
                        for o in rng.sample(plain, rng.randint(1, min(len(plain), 4)))
                    ]
            case "grid":
                value = {row: _name(rng.choice(options)) for row in rows}
            case "number" if question.id in _SPLIT_SOURCE:
                counts = answers.get("q_aggr_count")
                total = (
                    counts.get(_SPLIT_SOURCE[question.id], 0)
                    if isinstance(counts, dict)
                    else 0
                )
                online = rng.randint(0, total)
                value = {"offline": total - online, "online": online}
            case "number" if rows:
                value = {row: rng.choice([0, 0, 0, 1, 2, 5]) for row in rows}
            case "number":
                value = rng.randint(0, 3)
            case "scale":
                value = rng.randint(question.min, question.max)  # type: ignore[union-attr]
            case _:
                value = rng.choice([SKIP, "Een toelichting."])
        chosen = value if isinstance(value, list) else [value]
        if any(o.other and _name(o) in chosen for o in options):
            intended[other_key(question.id)] = "iets anders"
        return value

    return walk(cq, intended, attributes, default=choose)
