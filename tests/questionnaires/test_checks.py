"""One test per check: the exact code and the line it reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from app.questionnaires.errors import ErrorCode, Severity
from tests.questionnaires.inline import document, line_of, load_inline, problems_of

TIER = "{id: q1, type: single, text: Laag, options: [{code: 1, name: gemeente, label: Gemeente}, {code: 2, name: provincie, label: Provincie}]}"
ATTRIBUTES = """
attributes:
  function: {label: Functie, values: {burgemeester: burgemeester, wethouder: wethouder}}
  organisation: {label: Organisatie}
"""


def pages(*pages: str) -> str:
    """Blocks YAML with one block b1 and pages p1, p2, ... of the given questions."""
    out = ["- id: b1", "  pages:"]
    for number, questions in enumerate(pages, 1):
        out += [f"    - id: p{number}", "      questions:"]
        out += [textwrap.indent(textwrap.dedent(questions).strip("\n"), "        ")]
    return "\n".join(out)


def problems(
    blocks: str, extra: str = "", response_from: str = "q1"
) -> tuple[str, list[tuple[ErrorCode, int | None]]]:
    text = document(blocks, extra=extra, response_from=response_from)
    return text, [(p.code, p.line) for p in problems_of(text)]


def assert_single(
    blocks: str,
    code: ErrorCode,
    marker: str,
    extra: str = "",
    response_from: str = "q1",
) -> None:
    text, found = problems(blocks, extra, response_from)
    assert found == [(code, line_of(text, marker))]


class TestIds:
    def test_duplicate_question_id_across_pages(self) -> None:
        assert_single(
            pages(f"- {TIER}", "- {id: q1, type: text, text: Nog een}"),
            ErrorCode.DUPLICATE_ID,
            "Nog een",
        )

    def test_duplicate_page_id(self) -> None:
        blocks = (
            pages(f"- {TIER}")
            + "\n    - id: p1\n      questions: [{id: q2, type: text, text: Twee}]"
        )
        text, found = problems(blocks)
        assert found == [
            (ErrorCode.DUPLICATE_ID, line_of(text, "questions: [{id: q2") - 1)
        ]

    def test_duplicate_row(self) -> None:
        grid = """
        - id: q2
          type: grid
          text: Stellingen
          options: [{code: 1, label: Eens}, {code: 2, label: Oneens}]
          rows:
            - {id: veilig, text: Veilig}
            - {id: veilig, text: Nog eens veilig}
        """
        assert_single(
            pages(f"- {TIER}\n{textwrap.dedent(grid)}"),
            ErrorCode.DUPLICATE_ROW,
            "Nog eens veilig",
        )

    def test_derived_id_taken_by_a_question(self) -> None:
        extra = "derived:\n  - {id: q1, label: Dubbel, expr: 'true'}"
        assert_single(
            pages(f"- {TIER}"),
            ErrorCode.DERIVED_ID_TAKEN,
            "id: q1, label: Dubbel",
            extra,
        )

    def test_variable_name_clash(self) -> None:
        questions = f"""
        - {TIER}
        - {{id: q2, type: multiple, text: Kanalen, options: [{{code: 1, name: x, label: X}}]}}
        - {{id: q2_x, type: text, text: Toelichting}}
        """
        assert_single(
            pages(questions), ErrorCode.VARIABLE_NAME_CLASH, "name: x, label: X"
        )

    def test_variable_name_too_long(self) -> None:
        question = "- {id: q_online_channels_used_most, type: multiple, text: K, options: [{code: 1, name: facebook, label: F}]}"
        assert_single(
            pages(f"- {TIER}\n{question}"),
            ErrorCode.NAME_TOO_LONG,
            "q_online_channels_used_most",
        )

    def test_unknown_response_from(self) -> None:
        assert_single(
            pages(f"- {TIER}"),
            ErrorCode.UNKNOWN_RESPONSE_FROM,
            "response_from:",
            response_from="q5",
        )


class TestOptions:
    def test_duplicate_code(self) -> None:
        question = """
        - id: q1
          type: single
          text: Laag
          options:
            - {code: 1, label: Gemeente}
            - {code: 1, label: Provincie}
        """
        assert_single(pages(question), ErrorCode.DUPLICATE_CODE, "label: Provincie")

    def test_duplicate_name_in_a_scale(self) -> None:
        extra = "scales:\n  agree:\n    - {code: 1, name: eens, label: Eens}\n    - {code: 2, name: eens, label: Oneens}"
        question = "- {id: q1, type: single, text: Stelling, scale: agree}"
        assert_single(
            pages(question), ErrorCode.DUPLICATE_OPTION_NAME, "label: Oneens", extra
        )

    def test_unknown_scale(self) -> None:
        assert_single(
            pages("- {id: q1, type: single, text: Stelling, scale: agree7}"),
            ErrorCode.UNKNOWN_SCALE,
            "agree7",
        )

    def test_exclusive_on_a_single_choice(self) -> None:
        question = "- {id: q1, type: single, text: L, options: [{code: 1, label: A}, {code: 2, label: Geen, exclusive: true}]}"
        assert_single(pages(question), ErrorCode.FLAG_WRONG_TYPE, "Geen, exclusive")

    def test_other_on_a_grid(self) -> None:
        grid = "- {id: q1, type: grid, text: G, rows: [{id: a, text: A}], options: [{code: 1, label: Anders, other: true}]}"
        assert_single(pages(grid), ErrorCode.FLAG_WRONG_TYPE, "type: grid")

    def test_two_other_options(self) -> None:
        question = """
        - id: q1
          type: multiple
          text: Kanalen
          options:
            - {code: 1, label: Anders online, other: true}
            - {code: 2, label: Anders offline, other: true}
        """
        assert_single(pages(question), ErrorCode.MULTIPLE_OTHER, "options:")

    def test_min_choices_above_max(self) -> None:
        question = """
        - id: q1
          type: multiple
          text: Kanalen
          min_choices: 3
          max_choices: 2
          options: [{code: 1, label: A}, {code: 2, label: B}, {code: 3, label: C}]
        """
        assert_single(pages(question), ErrorCode.CHOICE_BOUNDS, "min_choices")

    def test_scale_option_code_inside_the_range(self) -> None:
        question = """
        - id: q1
          type: scale
          text: Ernst
          min_label: Niet ernstig
          max_label: Zeer ernstig
          options:
            - {code: 5, label: Weet niet, missing: dont_know}
        """
        assert_single(pages(question), ErrorCode.OPTION_CODE_IN_RANGE, "code: 5")

    def test_near_duplicate_labels_are_a_warning(self) -> None:
        question = "- {id: q1, type: single, text: L, options: [{code: 1, label: Weet niet}, {code: 2, label: weet  Niet}]}"
        text = document(pages(question))
        [problem] = problems_of(text)
        assert (problem.code, problem.severity, problem.line) == (
            ErrorCode.NEAR_DUPLICATE,
            Severity.warning,
            line_of(text, "id: q1"),
        )


class TestConditionReferences:
    def test_unknown_question(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: '${q5b} = 1'}"
        text, found = problems(pages(f"- {TIER}", question))
        assert found == [(ErrorCode.UNKNOWN_REF, line_of(text, "q5b"))]
        [problem] = problems_of(text)
        assert (
            problem.message
            == "routing condition refers to ${q5b}, which is not a question in this version"
        )

    def test_unknown_row(self) -> None:
        number = "- {id: q2, type: number, text: N, items: [{id: verbaal, text: V}]}"
        question = "- {id: q3, type: text, text: T, relevant: '${q2.fysiek} > 0'}"
        assert_single(
            pages(f"- {TIER}\n{number}", question), ErrorCode.UNKNOWN_ROW, "q2.fysiek"
        )

    def test_unknown_option_name(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: \"${q1} = 'gemeent'\"}"
        assert_single(
            pages(f"- {TIER}", question), ErrorCode.UNKNOWN_OPTION, "gemeent'"
        )

    def test_unknown_option_code(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: '${q1} in [1, 7]'}"
        assert_single(pages(f"- {TIER}", question), ErrorCode.UNKNOWN_OPTION, "[1, 7]")

    def test_unknown_option_in_selected(self) -> None:
        multiple = "- {id: q2, type: multiple, text: K, options: [{code: 1, name: facebook, label: Facebook}]}"
        question = (
            "- {id: q3, type: text, text: T, relevant: \"selected(${q2}, 'twitter')\"}"
        )
        assert_single(
            pages(f"- {TIER}\n{multiple}", question),
            ErrorCode.UNKNOWN_OPTION,
            "twitter",
        )

    def test_unknown_attribute(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: \"tier = 'gemeente'\"}"
        assert_single(
            pages(f"- {TIER}", question),
            ErrorCode.UNKNOWN_ATTRIBUTE,
            "tier =",
            ATTRIBUTES,
        )

    def test_unknown_attribute_value(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: \"function in ['burgemeester', 'wethouderr']\"}"
        assert_single(
            pages(f"- {TIER}", question),
            ErrorCode.UNKNOWN_ATTRIBUTE_VALUE,
            "wethouderr",
            ATTRIBUTES,
        )

    def test_free_text_attribute_accepts_any_value(self) -> None:
        question = (
            "- {id: q2, type: text, text: T, relevant: \"organisation = 'Utrecht'\"}"
        )
        assert problems(pages(f"- {TIER}", question), ATTRIBUTES)[1] == []

    def test_forward_reference(self) -> None:
        first = "- {id: q1, type: text, text: T, relevant: '${q2} = 1'}"
        assert_single(
            pages(first, TIER.replace("q1", "q2").join(["- ", ""])),
            ErrorCode.FORWARD_REF,
            "${q2} = 1",
        )

    def test_forward_reference_through_a_derived_value(self) -> None:
        extra = "derived:\n  - {id: later, label: L, expr: '${q2} = 1'}"
        first = "- {id: q0, type: text, text: T, relevant: '${later}'}"
        q2 = TIER.replace("q1", "q2")
        assert_single(
            pages(f"- {TIER}\n{first}", f"- {q2}"),
            ErrorCode.FORWARD_REF,
            "relevant: '${later}'",
            extra,
        )

    def test_derived_may_only_use_earlier_derived(self) -> None:
        extra = "derived:\n  - {id: a, label: A, expr: '${b}'}\n  - {id: b, label: B, expr: '${q1} = 1'}"
        assert_single(pages(f"- {TIER}"), ErrorCode.FORWARD_REF, "expr: '${b}'", extra)

    def test_self_reference(self) -> None:
        question = "- {id: q2, type: number, text: N, relevant: '${q2} > 1'}"
        assert_single(pages(f"- {TIER}\n{question}"), ErrorCode.SELF_REF, "${q2} > 1")

    def test_constraint_may_refer_to_its_own_question(self) -> None:
        question = "- {id: q2, type: number, text: N, constraint: '${q2} != 13'}"
        assert problems(pages(f"- {TIER}\n{question}"))[1] == []

    def test_same_page_reference_is_allowed(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: \"${q1} = 'gemeente'\"}"
        assert problems(pages(f"- {TIER}\n{question}"))[1] == []


class TestConditionSyntax:
    def test_syntax_error(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: '${q1} ='}"
        text, _ = problems(pages(f"- {TIER}", question))
        [problem] = problems_of(text)
        assert (problem.code, problem.line) == (
            ErrorCode.EXPRESSION_SYNTAX,
            line_of(text, "${q1} ="),
        )
        assert (
            problem.message
            == "routing condition is not a valid condition: the condition ends too early"
        )

    def test_too_deep(self) -> None:
        deep = "(" * 60 + "${q1} = 1" + ")" * 60
        question = f"- {{id: q2, type: text, text: T, relevant: '{deep}'}}"
        assert_single(
            pages(f"- {TIER}", question), ErrorCode.EXPRESSION_TOO_COMPLEX, "(((("
        )


class TestTypes:
    MULTIPLE = "- {id: q2, type: multiple, text: K, options: [{code: 1, name: fb, label: Facebook}, {code: 2, label: X}]}"
    NUMBER = "- {id: q3, type: number, text: N}"
    OPEN = "- {id: q4, type: text, text: Open}"

    @pytest.mark.parametrize(
        "condition",
        [
            "selected(${q1}, 1)",  # selected on a single choice
            "sum(${q3}) > 0",  # sum on a number without items
            "${q4} = 3",  # text compared with a number
            "${q2} = 1",  # a multiple choice compared with a code
            "${q3}",  # a number is not a yes/no condition
            "${q4} > 'a'",  # text cannot be ordered
            "is_missing(${q1})",  # no option with missing:
        ],
    )
    def test_type_mismatch(self, condition: str) -> None:
        question = f'- {{id: q5, type: text, text: T, relevant: "{condition}"}}'
        questions = "\n".join([f"- {TIER}", self.MULTIPLE, self.NUMBER, self.OPEN])
        text, found = problems(pages(questions, question))
        assert found == [(ErrorCode.TYPE_MISMATCH, line_of(text, "id: q5"))]

    def test_well_typed_conditions(self) -> None:
        conditions = [
            "count_selected(${q2}) >= 2 and selected(${q2}, 'fb')",
            "${q3} + 1 > 2 and answered(${q4})",
            "${q1} = 'gemeente' or ${q1} in [2]",
            "${q4} = 'x'",
            "${q1} > 0 and ${q1} <= 9",  # ordering: any number, not only codes
        ]
        questions = "\n".join([f"- {TIER}", self.MULTIPLE, self.NUMBER, self.OPEN])
        later = "\n".join(
            f'- {{id: c{i}, type: text, text: T, relevant: "{c}"}}'
            for i, c in enumerate(conditions)
        )
        assert problems(pages(questions, later))[1] == []


class TestPiping:
    def test_unknown_name(self) -> None:
        question = "- {id: q2, type: text, text: 'Als ${functie}, hoe vaak?'}"
        assert_single(
            pages(f"- {TIER}", question), ErrorCode.PIPE_UNKNOWN, "functie", ATTRIBUTES
        )

    def test_same_page_is_too_late(self) -> None:
        question = "- {id: q2, type: text, text: 'U werkt bij een ${q1}?'}"
        assert_single(pages(f"- {TIER}\n{question}"), ErrorCode.PIPE_FORWARD, "${q1}?")

    def test_earlier_page_and_attributes_are_fine(self) -> None:
        question = "- {id: q2, type: text, text: 'U bent ${function} bij een ${q1}.'}"
        assert problems(pages(f"- {TIER}", question), ATTRIBUTES)[1] == []


class TestPipingAnywhere:
    """Every text is searched: those the pages pipe are checked like question
    texts; a ``${...}`` anywhere else would be shown as written."""

    @staticmethod
    def found(header_from: str, header_to: str) -> tuple[str, list]:
        text = document(pages(f"- {TIER}"), extra=ATTRIBUTES).replace(
            header_from, header_to
        )
        assert header_to in text
        return text, [(p.code, p.line) for p in problems_of(text)]

    def test_welcome_and_thanks(self) -> None:
        text, found = self.found("welcome: Welkom", "welcome: 'Welkom, ${gemeente}'")
        assert found == [(ErrorCode.PIPE_UNKNOWN, line_of(text, "${gemeente}"))]
        text, found = self.found("thanks: Dank", "thanks: 'Dank, ${organisation}'")
        assert found == []

    def test_help_resources(self) -> None:
        text, found = self.found(
            "thanks: Dank",
            "thanks: Dank\nhelp_resources:\n  - {label: Hulp, text: 'Voor ${functie}'}",
        )
        assert found == [(ErrorCode.PIPE_UNKNOWN, line_of(text, "${functie}"))]

    def test_a_text_that_is_not_piped(self) -> None:
        text, found = self.found("title: Demo", "title: 'Demo voor ${organisation}'")
        assert found == [(ErrorCode.PIPE_NOT_PIPED, line_of(text, "title: "))]

    def test_a_misspelt_pipe(self) -> None:
        text, found = self.found(
            "welcome: Welkom", "welcome: 'Het beleid van ${ Organisation }'"
        )
        assert found == [(ErrorCode.PIPE_MALFORMED, line_of(text, "Organisation"))]

    def test_conditions_and_analyst_notes_are_no_texts(self) -> None:
        question = (
            "- {id: q2, type: text, text: T, relevant: '${q1} = 1',"
            " comparability: 'zoals ${q1} in 2022'}"
        )
        assert problems(pages(f"- {TIER}", question))[1] == []


class TestReachability:
    def test_contradiction_on_one_question(self) -> None:
        question = "- {id: q2, type: text, text: T, relevant: \"${q1} = 'gemeente' and ${q1} = 'provincie'\"}"
        assert_single(pages(f"- {TIER}", question), ErrorCode.UNREACHABLE, "id: q2")

    def test_page_condition_against_question_condition(self) -> None:
        blocks = pages(
            f"- {TIER}", "- {id: q2, type: text, text: T, relevant: '${q1} = 2'}"
        ).replace("    - id: p2\n", "    - id: p2\n      relevant: '${q1} = 1'\n")
        assert_single(blocks, ErrorCode.UNREACHABLE, "id: q2")

    def test_unreachable_block_is_reported_once(self) -> None:
        blocks = pages(f"- {TIER}") + textwrap.dedent("""
            - id: b2
              relevant: "function = 'burgemeester' and function = 'wethouder'"
              pages:
                - id: p9
                  questions: [{id: q9, type: text, text: T}]
            """).replace("\n", "\n")
        assert_single(blocks, ErrorCode.UNREACHABLE, 'relevant: "function', ATTRIBUTES)

    def test_number_bounds_are_respected(self) -> None:
        number = "- {id: q2, type: number, text: N, min: 0, max: 10}"
        question = "- {id: q3, type: text, text: T, relevant: '${q2} > 10'}"
        assert_single(
            pages(f"- {TIER}\n{number}", question), ErrorCode.UNREACHABLE, "id: q3"
        )

    def test_number_between_literals_is_reachable(self) -> None:
        number = "- {id: q2, type: number, text: N, min: 0, max: 100}"
        question = (
            "- {id: q3, type: text, text: T, relevant: '${q2} > 3 and ${q2} < 5'}"
        )
        assert problems(pages(f"- {TIER}\n{number}", question))[1] == []

    def test_derived_values_are_expanded(self) -> None:
        extra = "derived:\n  - {id: victim, label: Slachtoffer, expr: 'sum(${q2}) > 0'}"
        number = "- {id: q2, type: number, text: N, items: [{id: a, text: A}, {id: b, text: B}]}"
        question = "- {id: q3, type: text, text: T, relevant: 'not ${victim} and sum(${q2}) > 5'}"
        assert_single(
            pages(f"- {TIER}\n{number}", question),
            ErrorCode.UNREACHABLE,
            "id: q3",
            extra,
        )

    def test_count_selected_sees_unmentioned_options(self) -> None:
        multiple = "- {id: q2, type: multiple, text: K, options: [{code: 1, label: A}, {code: 2, label: B}, {code: 3, label: C}]}"
        question = (
            "- {id: q3, type: text, text: T, relevant: 'count_selected(${q2}) >= 3'}"
        )
        assert problems(pages(f"- {TIER}\n{multiple}", question))[1] == []

    def test_arithmetic_is_never_called_unreachable(self) -> None:
        number = "- {id: q2, type: number, text: N, items: [{id: a, text: A}, {id: b, text: B}]}"
        question = (
            "- {id: q3, type: text, text: T, relevant: '${q2.a} - ${q2.b} > 20000'}"
        )
        assert problems(pages(f"- {TIER}\n{number}", question))[1] == []

    def test_unreachable_option_is_a_warning(self) -> None:
        question = """
        - id: q2
          type: single
          text: Functie
          relevant: "${q1} = 'provincie'"
          options:
            - {code: 1, label: Burgemeester, relevant: "${q1} = 'gemeente'"}
            - {code: 2, label: Gedeputeerde, relevant: "${q1} = 'provincie'"}
        """
        text = document(pages(f"- {TIER}", question))
        [problem] = problems_of(text)
        assert (problem.code, problem.severity, problem.line) == (
            ErrorCode.UNREACHABLE_OPTION,
            Severity.warning,
            line_of(text, "Burgemeester"),
        )

    def test_info_only_page_is_fine(self) -> None:
        compiled = load_inline(
            pages(f"- {TIER}", "- {id: uitleg, type: info, text: Uitleg}")
        )
        assert [p.id for p in compiled.pages] == ["p1", "p2"]


def test_every_error_code_has_a_test() -> None:
    """Adding an ErrorCode without a test asserting it (code and line) fails here."""
    here = Path(__file__).parent
    sources = "".join(p.read_text(encoding="utf-8") for p in here.glob("test_*.py"))
    untested = [
        code.name for code in ErrorCode if f"ErrorCode.{code.name}" not in sources
    ]
    assert untested == []
