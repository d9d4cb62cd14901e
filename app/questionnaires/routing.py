"""The routing engine: pure functions from (version, answers, attributes) to pages.

Nothing here touches a database or a request. Callers pass the compiled version
(``loader.load_*``), the respondent's stored answers and the sample attributes
(tier, function, ...), and store what comes back. Answers are expected to be
cleaned (``clean_answers``) after every submission, so that an answer to a
question that routing has since hidden never steers routing again.

Stored answer shapes (JSON-friendly): single → code, multiple → list of codes,
grid → ``{row: code}``, scale → number or option code, number → whole number or
option code, number with items → ``{item: number}``, text → text, and the
"anders, namelijk" text under ``<question>_other``.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from app.questionnaires.compiler import (
    CompiledPage,
    CompiledQuestion,
    CompiledQuestionnaire,
)
from app.questionnaires.definition import AnyQuestion, Option, Page, Row, other_key
from app.questionnaires.explain import ConditionOutcome, explain, pipe
from app.questionnaires.progress import progress
from app.questionnaires.submission import page_keys, parse_page_submission
from app.questionnaires.visibility import (
    AnswerEnv,
    Answers,
    Attributes,
    option_shown,
    page_guard,
    page_visible,
    question_shown,
    row_shown,
)

__all__ = [
    "ConditionOutcome",
    "Route",
    "apply_page",
    "apply_page_and_route",
    "clean_answers",
    "clean_answers_and_pages",
    "derived_values",
    "explain",
    "first_unanswered_page_id",
    "is_complete",
    "next_page_id",
    "parse_page_submission",
    "path",
    "pipe",
    "previous_page_id",
    "progress",
    "reached_threshold",
    "route",
    "route_after_page",
    "visible_options",
    "visible_pages",
    "visible_questions",
    "visible_rows",
]


@dataclass(frozen=True, slots=True)
class Route:
    """What routing shows for one set of answers: the answers and the ids of
    the pages shown for them, in order.

    A value, worked out once: a page turn asks it whether a page may be shown,
    where the respondent resumes, for the progress bar and the back button.
    It belongs to the very answers it was worked out for (``belongs_to``), so
    a holder can tell when the answers it keeps have moved on.
    """

    answers: Mapping[str, object]
    pages: tuple[str, ...]

    def belongs_to(self, answers: Mapping[str, object]) -> bool:
        return self.answers is answers


def route(cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes) -> Route:
    """The route of answers that are already clean (stored answers)."""
    env = AnswerEnv(cq, answers, attributes)
    return Route(answers, tuple(p.id for p in cq.pages if page_visible(p, env)))


def compiled_page(cq: CompiledQuestionnaire, page: Page | str) -> CompiledPage:
    return cq.page_by_id[page if isinstance(page, str) else page.id]


def visible_pages(
    cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
) -> list[Page]:
    """Pages whose block and page condition hold and that show at least one question."""
    env = AnswerEnv(cq, answers, attributes)
    return [page.model for page in cq.pages if page_visible(page, env)]


def visible_questions(
    cq: CompiledQuestionnaire,
    page: Page | str,
    answers: Answers,
    attributes: Attributes,
) -> list[AnyQuestion]:
    compiled = compiled_page(cq, page)
    env = AnswerEnv(cq, answers, attributes)
    if not page_guard(compiled, env):
        return []
    return [q.model for q in compiled.questions if question_shown(q, env)]


def visible_options(
    cq: CompiledQuestionnaire,
    question_id: str,
    answers: Answers,
    attributes: Attributes,
) -> list[Option]:
    """The options to offer, in file order (shared scales resolved)."""
    question = cq.questions[question_id]
    if not question.option_relevant:
        return list(question.options)
    env = AnswerEnv(cq, answers, attributes)
    return [o for o in question.options if option_shown(question, o.code, env)]


def visible_rows(
    cq: CompiledQuestionnaire,
    question_id: str,
    answers: Answers,
    attributes: Attributes,
) -> list[Row]:
    question = cq.questions[question_id]
    if not question.row_relevant:
        return list(question.rows)
    env = AnswerEnv(cq, answers, attributes)
    return [r for r in question.rows if row_shown(question, r.id, env)]


def clean_answers(
    cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
) -> dict[str, object]:
    """Keep only answers that routing still shows, walking in document order.

    Walking in order makes cascades work: dropping q5 may hide q7, whose answer
    then goes too, before q9's condition on q7 is evaluated. Hidden options,
    rows and items are dropped within an answer, and the "anders, namelijk" text
    only stays while its option is chosen. Unknown keys are dropped.
    """
    return _clean(cq, answers, attributes, None)


def clean_answers_and_pages(
    cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
) -> tuple[dict[str, object], list[str]]:
    """``clean_answers`` and the ids of the pages routing then shows, in one walk.

    The walk can tell which pages show: conditions only refer to earlier
    questions (the check refuses anything else), and when the walk reaches a
    page every earlier answer is already final. Equal to ``visible_pages`` on
    the cleaned answers (a test holds them equal) at the cost of one walk.
    """
    pages: list[str] = []
    return _clean(cq, answers, attributes, pages), pages


def _clean(
    cq: CompiledQuestionnaire,
    answers: Answers,
    attributes: Attributes,
    visible: list[str] | None,
) -> dict[str, object]:
    kept: dict[str, object] = {}
    env = AnswerEnv(cq, kept, attributes)
    for page in cq.pages:
        if not page_guard(page, env):
            continue
        shows = False
        for question in page.questions:
            if question.id not in answers:
                if visible is not None and not shows:
                    shows = question_shown(question, env)
                continue
            if not question_shown(question, env):
                continue
            shows = True
            value = _clean_value(question, answers[question.id], env)
            if value is None:
                continue
            kept[question.id] = value
            other = answers.get(other_key(question.id))
            if other and _chose_other(question, value):
                kept[other_key(question.id)] = other
            env.forget_derived()
        if shows and visible is not None:
            visible.append(page.id)
    return kept


def _clean_value(question: CompiledQuestion, value: object, env: AnswerEnv) -> object:
    qtype = question.qtype
    if not qtype.asks or value is None or value == "":
        return None
    if qtype.stored == "list":
        chosen = (
            [c for c in value if _offered(question, c, env)]
            if isinstance(value, list)
            else []
        )
        return chosen or None
    if question.rows:  # a grid, or a number with items
        if not isinstance(value, dict):
            return None
        rows = {r.id for r in question.rows if row_shown(question, r.id, env)}
        kept = {
            k: v
            for k, v in value.items()
            if k in rows and (not qtype.choice or _offered(question, v, env))
        }
        return kept or None
    if qtype.choice or (isinstance(value, int) and value in question.labels):
        return value if _offered(question, value, env) else None
    return value


def _offered(question: CompiledQuestion, code: object, env: AnswerEnv) -> bool:
    return (
        isinstance(code, int)
        and code in question.labels
        and option_shown(question, code, env)
    )


def _chose_other(question: CompiledQuestion, value: object) -> bool:
    code = question.other_code
    return code is not None and (
        value == code or (isinstance(value, list) and code in value)
    )


def apply_page(
    cq: CompiledQuestionnaire,
    page: Page | str,
    answers: Answers,
    page_answers: Answers,
    attributes: Attributes,
) -> dict[str, object]:
    """Stored answers after a page was submitted: its old answers replaced, then cleaned.

    Clearing an optional question on the page removes its old answer, and answers
    on later pages that the change hides are dropped by the cleaning walk.
    """
    return clean_answers(cq, _merged(cq, page, answers, page_answers), attributes)


def route_after_page(
    cq: CompiledQuestionnaire,
    page: Page | str,
    answers: Answers,
    page_answers: Answers,
    attributes: Attributes,
) -> Route:
    """``apply_page`` and the route of its result, in one walk (the page save)."""
    merged = _merged(cq, page, answers, page_answers)
    cleaned, pages = clean_answers_and_pages(cq, merged, attributes)
    return Route(cleaned, tuple(pages))


def apply_page_and_route(
    cq: CompiledQuestionnaire,
    page: Page | str,
    answers: Answers,
    page_answers: Answers,
    attributes: Attributes,
) -> tuple[dict[str, object], list[str]]:
    """``apply_page``, and the ids of the pages routing shows for the result."""
    merged = _merged(cq, page, answers, page_answers)
    return clean_answers_and_pages(cq, merged, attributes)


def _merged(
    cq: CompiledQuestionnaire, page: Page | str, answers: Answers, page_answers: Answers
) -> dict[str, object]:
    replaced = page_keys(compiled_page(cq, page))
    merged = {k: v for k, v in answers.items() if k not in replaced}
    merged.update(page_answers)
    return merged


def derived_values(
    cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
) -> dict[str, object]:
    """Every derived value (``None`` when its inputs are missing), for exports."""
    env = AnswerEnv(cq, answers, attributes)
    return {derived.id: env.derived(derived.id) for derived, _ in cq.derived}


def next_page_id(
    cq: CompiledQuestionnaire,
    page_id: str | None,
    answers: Answers,
    attributes: Attributes,
) -> str | None:
    """The first visible page after ``page_id`` (from the start when ``None``); ``None`` = done."""
    start = 0 if page_id is None else cq.page_by_id[page_id].index + 1
    env = AnswerEnv(cq, answers, attributes)
    return next((p.id for p in cq.pages[start:] if page_visible(p, env)), None)


def previous_page_id(
    cq: CompiledQuestionnaire, page_id: str, answers: Answers, attributes: Attributes
) -> str | None:
    end = cq.page_by_id[page_id].index
    env = AnswerEnv(cq, answers, attributes)
    return next((p.id for p in reversed(cq.pages[:end]) if page_visible(p, env)), None)


def first_unanswered_page_id(
    cq: CompiledQuestionnaire,
    answers: Answers,
    attributes: Attributes,
    submitted_pages: Set[str],
) -> str | None:
    """Where a returning respondent resumes: the first visible page not yet submitted.

    ``None`` means every visible page has been submitted (the response is complete).
    """
    env = AnswerEnv(cq, answers, attributes)
    return next(
        (
            p.id
            for p in cq.pages
            if p.id not in submitted_pages and page_visible(p, env)
        ),
        None,
    )


def is_complete(
    cq: CompiledQuestionnaire,
    answers: Answers,
    attributes: Attributes,
    submitted_pages: Set[str],
) -> bool:
    return first_unanswered_page_id(cq, answers, attributes, submitted_pages) is None


def reached_threshold(cq: CompiledQuestionnaire, page_id: str) -> bool:
    """Whether reaching ``page_id`` makes the invitation count as a response.

    True for the page holding ``response_from`` and every page after it in file
    order, so skipping the threshold question by routing still counts.
    """
    return cq.page_by_id[page_id].index >= cq.response_page_index


def path(
    cq: CompiledQuestionnaire, answers: Answers, attributes: Attributes
) -> list[str]:
    """Ids of the questions this respondent is shown, in order (information texts left out)."""
    env = AnswerEnv(cq, answers, attributes)
    return [
        q.id
        for page in cq.pages
        if page_guard(page, env)
        for q in page.questions
        if q.qtype.asks and question_shown(q, env)
    ]
