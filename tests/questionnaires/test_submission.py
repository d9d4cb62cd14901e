"""parse_page_submission: raw form values → typed answers, per question type."""

from __future__ import annotations

from app.questionnaires import routing
from tests.questionnaires.inline import load_inline
from tests.questionnaires.officials import DEPUTY, MAYOR, VICTIM, officials

BEFORE_SPLIT = {"q_contact": 1, "q_aggr_count": {"verbaal": 3, "fysiek": 0}}


def submit(
    page: str,
    form: dict[str, list[str]],
    answers: dict | None = None,
    attributes: dict | None = None,
):
    return routing.parse_page_submission(
        officials(),
        page,
        form,
        VICTIM if answers is None else answers,
        MAYOR if attributes is None else attributes,
    )


class TestSingleChoice:
    def test_code_becomes_an_int(self) -> None:
        assert submit("p_intro", {"q_contact": ["2"]}) == ({"q_contact": 2}, {})

    def test_required(self) -> None:
        assert submit("p_intro", {}) == ({}, {"q_contact": "Beantwoord deze vraag."})

    def test_unknown_code(self) -> None:
        assert submit("p_intro", {"q_contact": ["7"]}) == (
            {},
            {"q_contact": "Kies een van de getoonde antwoorden."},
        )

    def test_not_a_number(self) -> None:
        assert submit("p_intro", {"q_contact": ["1 OR 1=1"]})[1] == {
            "q_contact": "Kies een van de getoonde antwoorden."
        }

    def test_two_values(self) -> None:
        assert submit("p_intro", {"q_contact": ["1", "2"]})[1] == {
            "q_contact": "Kies een van de getoonde antwoorden."
        }

    def test_other_text_is_kept_with_its_option(self) -> None:
        form = {"q_contact": ["3"], "q_contact_other": ["  maandelijks "]}
        assert submit("p_intro", form) == (
            {"q_contact": 3, "q_contact_other": "maandelijks"},
            {},
        )

    def test_other_text_is_dropped_without_its_option(self) -> None:
        form = {"q_contact": ["1"], "q_contact_other": ["maandelijks"]}
        assert submit("p_intro", form) == ({"q_contact": 1}, {})

    def test_other_text_is_optional_by_default(self) -> None:
        assert submit("p_intro", {"q_contact": ["3"]}) == ({"q_contact": 3}, {})

    def test_hidden_option_is_refused(self) -> None:
        answers = {**VICTIM, "q_channels": [1, 3]}
        assert submit(
            "p_channels", {"q_channels": ["1", "3"], "q_channel_most": ["2"]}, answers
        )[1] == {"q_channel_most": "Kies een van de getoonde antwoorden."}


class TestMultipleChoice:
    def test_codes_in_option_order_without_duplicates(self) -> None:
        new, errors = submit(
            "p_channels", {"q_channels": ["3", "1", "3"], "q_channel_most": ["1"]}
        )
        assert (new, errors) == ({"q_channels": [1, 3], "q_channel_most": 1}, {})

    def test_exclusive_option_with_others_is_refused(self) -> None:
        assert submit("p_channels", {"q_channels": ["1", "9"]}) == (
            {},
            {
                "q_channels": "‘Geen van deze’ kunt u niet combineren met andere antwoorden."
            },
        )

    def test_exclusive_option_alone(self) -> None:
        assert submit("p_channels", {"q_channels": ["9"]}) == ({"q_channels": [9]}, {})

    def test_max_choices(self) -> None:
        assert submit(
            "p_channels",
            {"q_channels": ["1", "2", "3", "5"], "q_channels_other": ["forum"]},
        )[1] == {"q_channels": "Kies ten hoogste 3 antwoorden."}

    def test_option_hidden_by_attribute_is_refused(self) -> None:
        assert submit("p_channels", {"q_channels": ["4"]})[1] == {
            "q_channels": "Kies een van de getoonde antwoorden."
        }
        assert submit("p_channels", {"q_channels": ["4"]}, attributes=DEPUTY) == (
            {"q_channels": [4]},
            {},
        )

    def test_required_other_text(self) -> None:
        assert submit("p_channels", {"q_channels": ["5"]}) == (
            {},
            {"q_channels_other": "Vul in wat u bedoelt met ‘Anders’."},
        )

    def test_other_text_too_long(self) -> None:
        form = {"q_channels": ["5"], "q_channels_other": ["x" * 501]}
        assert submit("p_channels", form)[1] == {
            "q_channels_other": "Uw antwoord is te lang: maximaal 500 tekens."
        }

    def test_follow_up_on_the_same_page_sees_the_new_answer(self) -> None:
        new, errors = submit(
            "p_channels", {"q_channels": ["1"], "q_channel_most": ["1"]}
        )
        assert (new, errors) == (
            {"q_channels": [1]},
            {},
        )  # one channel: q_channel_most is hidden

    def test_min_choices(self) -> None:
        definition = load_inline("""
            - id: b
              pages:
                - id: p
                  questions:
                    - {id: q1, type: multiple, text: K, min_choices: 2, options: [{code: 1, label: A}, {code: 2, label: B}]}
            """)
        assert routing.parse_page_submission(
            definition, "p", {"q1": ["1"]}, {}, {}
        ) == (
            {},
            {"q1": "Kies ten minste 2 antwoorden."},
        )


class TestGrid:
    def test_rows_become_a_dict(self) -> None:
        form = {
            "q_contact": ["1"],
            "q_safety.veilig": ["1"],
            "q_safety.aandacht": ["98"],
        }
        assert submit("p_intro", form) == (
            {"q_contact": 1, "q_safety": {"veilig": 1, "aandacht": 98}},
            {},
        )

    def test_partial_optional_grid_keeps_answered_rows(self) -> None:
        form = {"q_contact": ["1"], "q_safety.aandacht": ["2"]}
        assert submit("p_intro", form) == (
            {"q_contact": 1, "q_safety": {"aandacht": 2}},
            {},
        )

    def test_hidden_row_is_ignored(self) -> None:
        form = {
            "q_contact": ["1"],
            "q_safety.veilig": ["1"],
            "q_safety.aandacht": ["2"],
        }
        assert submit("p_intro", form, attributes=DEPUTY) == (
            {"q_contact": 1, "q_safety": {"veilig": 1}},
            {},
        )

    def test_invalid_code_in_a_row(self) -> None:
        form = {"q_contact": ["1"], "q_safety.veilig": ["4"]}
        assert submit("p_intro", form) == (
            {"q_contact": 1},
            {"q_safety.veilig": "Kies een van de getoonde antwoorden."},
        )

    def test_required_grid_lists_the_missing_rows(self) -> None:
        definition = load_inline("""
            - id: b
              pages:
                - id: p
                  questions:
                    - id: q1
                      type: grid
                      text: Stellingen
                      required: true
                      options: [{code: 1, label: Eens}, {code: 2, label: Oneens}]
                      rows: [{id: a, text: A}, {id: b, text: B}]
            """)
        assert routing.parse_page_submission(
            definition, "p", {"q1.a": ["1"]}, {}, {}
        ) == (
            {},
            {"q1.b": "Beantwoord deze stelling.", "q1": "Beantwoord alle stellingen."},
        )


class TestNumber:
    def test_items(self) -> None:
        form = {"q_aggr_count.verbaal": ["3"], "q_aggr_count.fysiek": [" 0 "]}
        assert submit("p_count", form) == (
            {"q_aggr_count": {"verbaal": 3, "fysiek": 0}},
            {},
        )

    def test_bounds_and_whole_numbers(self) -> None:
        for bad in ("1000", "-1", "2.5", "1e3", "drie", "1.000", "٣"):
            form = {"q_aggr_count.verbaal": [bad], "q_aggr_count.fysiek": ["0"]}
            assert submit("p_count", form) == (
                {},
                {"q_aggr_count.verbaal": "Vul een heel getal in tussen 0 en 999."},
            ), bad

    def test_required_items(self) -> None:
        assert submit("p_count", {"q_aggr_count.verbaal": ["2"]}) == (
            {},
            {
                "q_aggr_count.fysiek": "Vul hier een getal in.",
                "q_aggr_count": "Vul alle velden in.",
            },
        )
        assert submit("p_count", {}) == ({}, {"q_aggr_count": "Beantwoord deze vraag."})

    def test_constraint_against_an_earlier_answer(self) -> None:
        form = {"q_split.offline": ["1"], "q_split.online": ["1"]}
        assert submit("p_split", form, BEFORE_SPLIT) == (
            {},
            {"q_split": "Offline en online samen moeten 3 zijn."},
        )
        form = {"q_split.offline": ["1"], "q_split.online": ["2"]}
        assert submit("p_split", form, BEFORE_SPLIT) == (
            {"q_split": {"offline": 1, "online": 2}},
            {},
        )

    def test_single_number_with_custom_required_message(self) -> None:
        assert submit("p_end", {}) == ({}, {"q_age": "Vul uw leeftijd in."})
        assert submit("p_end", {"q_age": ["17"]})[1] == {
            "q_age": "Vul een heel getal in tussen 18 en 99."
        }
        assert submit("p_end", {"q_age": ["54"]}) == ({"q_age": 54}, {})

    def test_option_instead_of_a_number(self) -> None:
        assert submit("p_end", {"q_age": [""], "q_age.option": ["-1"]}) == (
            {"q_age": -1},
            {},
        )

    def test_number_and_option_together_are_refused(self) -> None:
        assert submit("p_end", {"q_age": ["54"], "q_age.option": ["-1"]})[1] == {
            "q_age": "Vul een getal in of kies ‘Wil ik niet zeggen’, niet allebei."
        }

    def test_unknown_option_code(self) -> None:
        assert submit("p_end", {"q_age.option": ["98"]})[1] == {
            "q_age": "Kies een van de getoonde antwoorden."
        }


class TestScaleAndText:
    def test_scale_point_and_dont_know(self) -> None:
        assert submit("p_severity", {"q_severity": ["3"]}) == ({"q_severity": 3}, {})
        assert submit("p_severity", {"q_severity": ["98"]}) == ({"q_severity": 98}, {})

    def test_scale_out_of_range(self) -> None:
        for bad in ("0", "8", "97", "x"):
            assert submit("p_severity", {"q_severity": [bad]})[1] == {
                "q_severity": "Kies een waarde van 1 tot en met 7."
            }, bad

    def test_dont_know_is_not_a_high_score(self) -> None:
        form = {"q_severity": ["98"], "q_description": ["niet zichtbaar"]}
        assert submit("p_severity", form) == ({"q_severity": 98}, {})

    def test_text_is_stripped_and_normalised(self) -> None:
        form = {"q_severity": ["6"], "q_description": ["  regel 1\r\nregel 2\x00 "]}
        assert submit("p_severity", form)[0]["q_description"] == "regel 1\nregel 2"

    def test_text_too_long(self) -> None:
        form = {"q_severity": ["6"], "q_description": ["x" * 21]}
        assert submit("p_severity", form)[1] == {
            "q_description": "Uw antwoord is te lang: maximaal 20 tekens."
        }

    def test_empty_optional_text_is_absent(self) -> None:
        assert submit("p_end", {"q_age": ["54"], "q_remarks": ["   "]}) == (
            {"q_age": 54},
            {},
        )


class TestPage:
    def test_values_for_hidden_questions_are_ignored(self) -> None:
        form = {"q_severity": ["2"], "q_description": ["verborgen"]}
        assert submit("p_severity", form) == ({"q_severity": 2}, {})

    def test_hidden_page_yields_nothing(self) -> None:
        no_victim = {"q_aggr_count": {"verbaal": 0, "fysiek": 0}}
        assert submit("p_split", {"q_split.offline": ["1"]}, no_victim) == ({}, {})

    def test_old_answers_of_the_page_do_not_leak_into_conditions(self) -> None:
        answers = {**VICTIM, "q_severity": 7}
        assert submit(
            "p_severity", {"q_severity": ["2"], "q_description": ["x"]}, answers
        ) == (
            {"q_severity": 2},
            {},
        )
