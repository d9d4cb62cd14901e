"""Question HTML remembered per view equals the template macro's output."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from app.questionnaires import routing
from app.responses import rendering
from app.responses.rendering import QuestionHtml
from app.web import create_templates
from tests.questionnaires.respondents import FILES, load, random_walk
from tests.questionnaires.test_monitor_questionnaires import random_attributes


def macro_html(env: object, view: rendering.QuestionView) -> str:
    module = env.get_template("responses/_questions.html").module  # type: ignore[attr-defined]
    return str(module.question(view))


def test_remembered_html_equals_the_macro_for_every_page_of_every_file() -> None:
    """Pages of random respondents, fresh, answered and shown back with errors."""
    env = create_templates(auto_reload=False).env
    remembered = QuestionHtml(env)
    rng = random.Random(7)
    compared = 0
    for key in sorted(FILES):
        cq = load(*key)
        for _ in range(5):
            attributes = random_attributes(key[0], rng)
            walk = random_walk(cq, attributes, rng)
            for page_id in walk.pages:
                wrong = {
                    q.id: "Kies een antwoord." for q in cq.page_by_id[page_id].questions
                }
                for answers, errors in (
                    ({}, None),
                    (walk.answers, None),
                    (walk.answers, wrong),
                ):
                    page = rendering.build_page(
                        cq, page_id, answers, attributes, errors=errors
                    )
                    for view in page.questions:
                        assert str(remembered(view)) == macro_html(env, view)
                        compared += 1
    assert compared > 1000


def test_a_view_that_differs_anywhere_gets_its_own_html() -> None:
    env = create_templates(auto_reload=False).env
    remembered = QuestionHtml(env)
    cq = load("officials", "2024")
    attributes = random_attributes("officials", random.Random(1))
    view = next(
        v
        for page in cq.pages
        for v in rendering.build_page(cq, page.id, {}, attributes).questions
        if v.type == "grid"
    )
    first = remembered(view)
    assert remembered(view) is first  # remembered
    row = replace(view.rows[0], value=str(view.options[0].code))
    answered = replace(view, rows=[row, *view.rows[1:]])
    html = remembered(answered)
    assert html != first and " checked" in html
    assert str(html) == macro_html(env, answered)


def test_error_summary_names_each_item_of_a_multi_number_question() -> None:
    """Three wrong numbers: three entries, each naming and linking its own item
    (not one message three times with the question's cut-off text)."""
    cq = load("employees", "2024")
    attributes = random_attributes("employees", random.Random(3))
    form = {
        "q_aggr_count.verbaal": ["veel"],
        "q_aggr_count.bedr_intim": ["-4"],
        "q_aggr_count.fysiek": ["1000"],
        "_shown": ["info_aggression_forms,q_aggr_count"],
    }
    _, errors = routing.parse_page_submission(cq, "p_prevalence", form, {}, attributes)
    page = rendering.build_page(
        cq, "p_prevalence", {}, attributes, form=form, errors=errors
    )
    assert page.errors == [
        (
            "f-q_aggr_count-verbaal",
            "Verbale agressie",
            "vul een heel getal in tussen 0 en 999.",
        ),
        (
            "f-q_aggr_count-bedr_intim",
            "Bedreiging of intimidatie",
            "vul een heel getal in tussen 0 en 999.",
        ),
        (
            "f-q_aggr_count-fysiek",
            "Fysieke agressie",
            "vul een heel getal in tussen 0 en 999.",
        ),
    ]
    ids = {r.field.replace(".", "-") for q in page.questions for r in q.rows}
    assert {a.removeprefix("f-") for a, _, _ in page.errors} <= ids


def test_error_summary_shortens_long_question_texts_at_a_word() -> None:
    cq = load("employees", "2024")
    attributes = random_attributes("employees", random.Random(3))
    page = rendering.build_page(
        cq,
        "p_prevalence",
        {},
        attributes,
        errors={"q_aggr_count": "Vul alle velden in."},
    )
    [(anchor, item, message)] = page.errors
    assert anchor == "f-q_aggr_count"
    assert item.startswith("Hoe vaak heeft u zelf") and item.endswith("…")
    assert len(item) <= rendering.SUMMARY_TEXT_LENGTH
    assert not item[:-1].endswith(" ")
    assert message == "vul alle velden in."


def test_an_information_block_written_as_dash_lines_is_a_list() -> None:
    cq = load("employees", "2024")
    attributes = random_attributes("employees", random.Random(3))
    page = rendering.build_page(cq, "p_prevalence", {}, attributes)
    info = next(q for q in page.questions if q.type == "info")
    assert info.html is not None
    assert info.html.startswith("<ul>\n<li>Bij verbale agressie")
    assert info.html.count("<li>") == 5
    html = str(QuestionHtml(create_templates(auto_reload=False).env)(info))
    assert "<li>Bedreiging is een concrete uiting" in html
    assert "- Bij verbale" not in html


def test_piped_values_stay_text_inside_markup() -> None:
    cq = load("organisations", "2024")
    texts = rendering.survey_texts(
        cq, {}, {"tier": "gemeente", "organisation": "**A** [b](https://x.nl) <i>"}
    )
    assert "het beleid van **A** [b](https://x.nl) &lt;i&gt; om" in texts.welcome
    assert "<strong>" not in texts.welcome and "<a " not in texts.welcome
    assert "${" not in texts.welcome


@pytest.mark.parametrize(
    "key", [k for k in sorted(FILES) if k[1] == "2024"], ids=lambda k: k[0]
)
def test_welcome_and_thanks_say_each_thing_once(key: tuple[str, str]) -> None:
    """The duration once (from estimated_minutes), "Hartelijk dank" once."""
    cq = load(*key)
    env = create_templates(auto_reload=False).env
    attributes = random_attributes(key[0], random.Random(5))
    context = {
        "definition": cq.definition,
        "texts": rendering.survey_texts(cq, {}, attributes),
        "lang": "nl",
        "token": "t",
    }
    welcome = " ".join(
        env.get_template("responses/welcome.html").render(context).split()
    )
    thanks = " ".join(env.get_template("responses/thanks.html").render(context).split())
    assert welcome.count("minuten") == 1
    assert f"ongeveer {cq.definition.estimated_minutes} minuten" in welcome
    assert thanks.lower().count("hartelijk dank") == 1
    assert "anoniem" not in welcome.lower()
