from __future__ import annotations

from app.questionnaires import routing
from app.questionnaires.routing import ConditionOutcome
from tests.questionnaires.inline import load_inline
from tests.questionnaires.officials import DEPUTY, MAYOR, NO_INCIDENT, VICTIM, officials


class TestPath:
    def test_non_victim_skips_the_incident_block(self) -> None:
        assert routing.path(officials(), NO_INCIDENT, MAYOR) == [
            "q_contact",
            "q_safety",
            "q_aggr_count",
            "q_age",
            "q_remarks",
        ]

    def test_victim_sees_the_follow_ups(self) -> None:
        assert routing.path(officials(), VICTIM, MAYOR) == [
            "q_contact",
            "q_safety",
            "q_aggr_count",
            "q_split",
            "q_channels",
            "q_channel_most",
            "q_severity",
            "q_description",
            "q_age",
            "q_remarks",
        ]

    def test_pyxform_style_inline(self) -> None:
        definition = load_inline("""
            - id: b
              pages:
                - id: p
                  questions:
                    - {id: q1, type: single, text: Incident?, options: [{code: 1, name: ja, label: Ja}, {code: 2, name: nee, label: Nee}]}
                    - {id: q2, type: text, text: Welk?, relevant: "${q1} = 'ja'"}
                    - {id: q3, type: text, text: Verder}
            """)
        assert routing.path(definition, {"q1": 2}, {}) == ["q1", "q3"]
        assert routing.path(definition, {"q1": 1}, {}) == ["q1", "q2", "q3"]
        assert routing.path(definition, {}, {}) == ["q1", "q3"]


class TestVisibility:
    def test_pages_of_a_non_victim(self) -> None:
        pages = routing.visible_pages(officials(), NO_INCIDENT, MAYOR)
        assert [p.id for p in pages] == ["p_intro", "p_count", "p_end"]

    def test_page_without_visible_questions_is_skipped(self) -> None:
        answers = {
            "q_aggr_count": {"verbaal": 3, "fysiek": 0},
            "q_split": {"offline": 3, "online": 0},
        }
        pages = routing.visible_pages(officials(), answers, MAYOR)
        assert "p_channels" not in [p.id for p in pages]

    def test_page_condition(self) -> None:
        answers = {"q_aggr_count": {"verbaal": 0, "fysiek": 2}}
        pages = [p.id for p in routing.visible_pages(officials(), answers, MAYOR)]
        assert "p_split" not in pages
        assert "p_severity" in pages

    def test_questions_on_a_page(self) -> None:
        visible = routing.visible_questions(
            officials(), "p_severity", {**VICTIM, "q_severity": 3}, MAYOR
        )
        assert [q.id for q in visible] == ["q_severity"]

    def test_hidden_page_has_no_visible_questions(self) -> None:
        assert (
            routing.visible_questions(officials(), "p_split", NO_INCIDENT, MAYOR) == []
        )

    def test_options_filtered_by_attribute(self) -> None:
        codes = [
            o.code
            for o in routing.visible_options(officials(), "q_channels", VICTIM, MAYOR)
        ]
        assert codes == [1, 2, 3, 5, 9]
        codes = [
            o.code
            for o in routing.visible_options(officials(), "q_channels", VICTIM, DEPUTY)
        ]
        assert codes == [1, 2, 3, 4, 5, 9]

    def test_options_filtered_by_earlier_answer(self) -> None:
        options = routing.visible_options(
            officials(), "q_channel_most", {"q_channels": [1, 3]}, MAYOR
        )
        assert [o.label for o in options] == ["Facebook", "X"]

    def test_rows_filtered_by_attribute(self) -> None:
        assert [
            r.id for r in routing.visible_rows(officials(), "q_safety", {}, DEPUTY)
        ] == ["veilig"]
        assert [
            r.id for r in routing.visible_rows(officials(), "q_safety", {}, MAYOR)
        ] == ["veilig", "aandacht"]

    def test_shared_scale_is_resolved(self) -> None:
        options = routing.visible_options(officials(), "q_safety", {}, MAYOR)
        assert [o.code for o in options] == [1, 2, 98]


class TestCleanAnswers:
    def test_cascade_drops_everything_hidden_by_a_changed_answer(self) -> None:
        answers = {**VICTIM, "q_aggr_count": {"verbaal": 0, "fysiek": 0}, "q_age": 40}
        assert routing.clean_answers(officials(), answers, MAYOR) == {
            "q_contact": 1,
            "q_aggr_count": {"verbaal": 0, "fysiek": 0},
            "q_age": 40,
        }

    def test_cascade_within_the_victim_block(self) -> None:
        answers = {**VICTIM, "q_split": {"offline": 3, "online": 0}}
        cleaned = routing.clean_answers(officials(), answers, MAYOR)
        assert "q_channels" not in cleaned
        assert "q_channel_most" not in cleaned  # hidden because q_channels went
        assert cleaned["q_severity"] == 6

    def test_other_text_goes_with_its_option(self) -> None:
        answers = {"q_contact": 1, "q_contact_other": "maandelijks"}
        assert routing.clean_answers(officials(), answers, MAYOR) == {"q_contact": 1}
        answers = {"q_contact": 3, "q_contact_other": "maandelijks"}
        assert routing.clean_answers(officials(), answers, MAYOR) == answers

    def test_hidden_option_is_dropped_from_a_multiple_answer(self) -> None:
        answers = {**VICTIM, "q_channels": [1, 4]}
        assert routing.clean_answers(officials(), answers, MAYOR)["q_channels"] == [1]

    def test_hidden_single_option_drops_the_answer(self) -> None:
        answers = {**VICTIM, "q_channels": [1, 3], "q_channel_most": 2}
        assert "q_channel_most" not in routing.clean_answers(
            officials(), answers, MAYOR
        )

    def test_hidden_grid_row_is_dropped(self) -> None:
        answers = {"q_safety": {"veilig": 1, "aandacht": 2}}
        assert routing.clean_answers(officials(), answers, DEPUTY) == {
            "q_safety": {"veilig": 1}
        }

    def test_unknown_keys_and_codes_are_dropped(self) -> None:
        answers = {"q_unknown": 1, "q_contact": 7, "q_safety": {"veilig": 5}}
        assert routing.clean_answers(officials(), answers, MAYOR) == {}

    def test_clean_answers_keep_their_shape(self) -> None:
        cleaned = routing.clean_answers(officials(), VICTIM, MAYOR)
        assert cleaned == VICTIM


class TestApplyPage:
    def test_replaces_the_page_and_cleans_later_answers(self) -> None:
        new = {"q_aggr_count": {"verbaal": 0, "fysiek": 0}}
        stored = routing.apply_page(officials(), "p_count", VICTIM, new, MAYOR)
        assert stored == {"q_contact": 1, "q_aggr_count": {"verbaal": 0, "fysiek": 0}}

    def test_clearing_an_optional_question_removes_its_answer(self) -> None:
        answers = {**NO_INCIDENT, "q_remarks": "eerder", "q_age": 50}
        stored = routing.apply_page(officials(), "p_end", answers, {"q_age": 50}, MAYOR)
        assert "q_remarks" not in stored


class TestNavigation:
    def test_next_page_skips_hidden_pages(self) -> None:
        assert (
            routing.next_page_id(officials(), "p_count", NO_INCIDENT, MAYOR) == "p_end"
        )
        assert routing.next_page_id(officials(), "p_count", VICTIM, MAYOR) == "p_split"

    def test_next_page_from_the_start_and_at_the_end(self) -> None:
        assert routing.next_page_id(officials(), None, {}, MAYOR) == "p_intro"
        assert routing.next_page_id(officials(), "p_end", {}, MAYOR) is None

    def test_previous_page(self) -> None:
        assert (
            routing.previous_page_id(officials(), "p_end", NO_INCIDENT, MAYOR)
            == "p_count"
        )
        assert (
            routing.previous_page_id(officials(), "p_intro", NO_INCIDENT, MAYOR) is None
        )

    def test_resume_at_the_first_visible_page_not_submitted(self) -> None:
        submitted = {"p_intro", "p_count"}
        assert (
            routing.first_unanswered_page_id(officials(), NO_INCIDENT, MAYOR, submitted)
            == "p_end"
        )
        assert (
            routing.first_unanswered_page_id(officials(), VICTIM, MAYOR, submitted)
            == "p_split"
        )

    def test_resume_ignores_pages_submitted_earlier_but_now_hidden(self) -> None:
        submitted = {"p_intro", "p_count", "p_split", "p_channels", "p_severity"}
        assert (
            routing.first_unanswered_page_id(officials(), NO_INCIDENT, MAYOR, submitted)
            == "p_end"
        )

    def test_complete_when_every_visible_page_is_submitted(self) -> None:
        submitted = {"p_intro", "p_count", "p_end"}
        assert routing.is_complete(officials(), NO_INCIDENT, MAYOR, submitted)
        assert not routing.is_complete(officials(), VICTIM, MAYOR, submitted)
        assert (
            routing.first_unanswered_page_id(officials(), NO_INCIDENT, MAYOR, submitted)
            is None
        )


class TestThreshold:
    def test_page_with_response_from_and_later_pages_count(self) -> None:
        cq = officials()
        assert [p.id for p in cq.pages if routing.reached_threshold(cq, p.id)] == [
            "p_count",
            "p_split",
            "p_channels",
            "p_severity",
            "p_end",
        ]


class TestDerived:
    def test_values(self) -> None:
        assert routing.derived_values(officials(), VICTIM, MAYOR) == {"victim": True}
        assert routing.derived_values(officials(), NO_INCIDENT, MAYOR) == {
            "victim": False
        }
        assert routing.derived_values(officials(), {}, MAYOR) == {"victim": False}


class TestPipe:
    def test_choice_shows_the_label(self) -> None:
        assert routing.pipe(
            "U heeft ${q_contact} contact.", officials(), {"q_contact": 2}, MAYOR
        ) == ("U heeft Een of enkele keren per week contact.")

    def test_multiple_choice_joins_labels_in_dutch(self) -> None:
        text = routing.pipe(
            "Kanalen: ${q_channels}.", officials(), {"q_channels": [1, 2, 3]}, MAYOR
        )
        assert text == "Kanalen: Facebook, E-mail en X."

    def test_row_number_and_attribute(self) -> None:
        text = routing.pipe(
            "${q_aggr_count.verbaal} keer als ${function}", officials(), VICTIM, MAYOR
        )
        assert text == "3 keer als burgemeester"

    def test_missing_is_empty(self) -> None:
        assert (
            routing.pipe(
                "[${q_contact}|${function}|${q_safety.veilig}]", officials(), {}, {}
            )
            == "[||]"
        )

    def test_grid_row_shows_the_option_label(self) -> None:
        text = routing.pipe(
            "${q_safety.veilig}", officials(), {"q_safety": {"veilig": 98}}, MAYOR
        )
        assert text == "Weet niet"

    def test_text_without_references_is_returned_as_is(self) -> None:
        assert routing.pipe("Dank u wel", officials(), {}, {}) == "Dank u wel"


class TestExplain:
    def test_outcomes_for_a_non_victim(self) -> None:
        outcomes = routing.explain(officials(), NO_INCIDENT, MAYOR)
        assert outcomes[:4] == [
            ConditionOutcome("row", "q_safety.aandacht", "tier = 'gemeente'", True),
            ConditionOutcome("block", "b_incident", "${victim}", False),
            ConditionOutcome("page", "p_split", "${q_aggr_count.verbaal} > 0", None),
            ConditionOutcome("question", "q_channels", "${q_split.online} > 0", None),
        ]
        assert (
            ConditionOutcome(
                "option", "q_channels.4", "function != 'burgemeester'", None
            )
            in outcomes
        )

    def test_outcomes_for_a_victim(self) -> None:
        outcomes = {
            (o.kind, o.id): o.fired for o in routing.explain(officials(), VICTIM, MAYOR)
        }
        assert outcomes[("block", "b_incident")] is True
        assert outcomes[("question", "q_channel_most")] is True
        assert outcomes[("option", "q_channels.4")] is False
        assert outcomes[("option", "q_channel_most.3")] is False


class TestNothingLeftToChoose:
    DEFINITION = """
        - id: b
          pages:
            - id: p1
              questions:
                - {id: q1, type: multiple, text: Kanalen, options: [{code: 1, name: fb, label: Facebook}, {code: 2, name: x, label: X}]}
            - id: p2
              questions:
                - id: q2
                  type: single
                  text: Welk kanaal vooral?
                  required: true
                  options:
                    - {code: 1, label: Facebook, relevant: "selected(${q1}, 'fb')"}
                    - {code: 2, label: X, relevant: "selected(${q1}, 'x')"}
                - {id: q3, type: text, text: Toelichting}
        """

    def test_choice_question_without_visible_options_is_hidden(self) -> None:
        definition = load_inline(self.DEFINITION)
        assert routing.path(definition, {}, {}) == ["q1", "q3"]
        assert routing.path(definition, {"q1": [2]}, {}) == ["q1", "q2", "q3"]

    def test_and_therefore_not_required(self) -> None:
        definition = load_inline(self.DEFINITION)
        assert routing.parse_page_submission(definition, "p2", {}, {}, {}) == ({}, {})
        assert routing.parse_page_submission(definition, "p2", {}, {"q1": [1]}, {}) == (
            {},
            {"q2": "Beantwoord deze vraag."},
        )
