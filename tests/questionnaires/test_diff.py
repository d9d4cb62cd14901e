from __future__ import annotations

from app.questionnaires.diff import Change, diff_versions, render_text
from tests.questionnaires.inline import load_inline

OLD = """
- id: b1
  pages:
    - id: p1
      questions:
        - id: q_contact
          type: single
          text: Hoe vaak heeft u contact?
          options:
            - {code: 1, label: Dagelijks}
            - {code: 2, label: Enkele keren per week}
            - {code: 3, label: Nooit}
        - id: q_safety
          type: grid
          text: Stellingen
          options: [{code: 1, label: Eens}, {code: 2, label: Oneens}]
          rows:
            - {id: veilig, text: Ik voel me veilig}
            - {id: respect, text: Ik word gerespecteerd}
        - {id: q_old, type: text, text: Vervallen vraag}
    - id: p2
      questions:
        - id: q_channels
          type: multiple
          text: Welke kanalen?
          relevant: "${q_contact} = 1"
          options:
            - {code: 1, label: Facebook}
            - {code: 8, label: Geen van deze, exclusive: true}
        - {id: q_severity, type: scale, text: Ernst, min_label: Niet, max_label: Zeer}
"""

NEW = """
- id: b1
  pages:
    - id: p1
      questions:
        - id: q_contact
          type: single
          text: Hoe vaak heeft u contact?
          options:
            - {code: 1, label: Dagelijks}
            - {code: 2, label: Een of enkele keren per week}
            - {code: 3, label: Nooit}
        - id: q_safety
          type: grid
          text: Stellingen
          options: [{code: 1, label: Eens}, {code: 2, label: Oneens}]
          rows:
            - {id: veilig, text: Ik voel me veilig bij mijn werk}
            - {id: aandacht, text: Er is aandacht voor veiligheid}
        - {id: q_severity, type: scale, text: Ernst, min_label: Niet, max_label: Zeer, max: 10}
    - id: p2
      questions:
        - {id: q_new, type: text, text: Nieuwe vraag}
        - id: q_channels
          type: multiple
          text: Via welke kanalen?
          relevant: "${q_contact}=1 or ${q_contact} = 2"
          options:
            - {code: 1, label: Facebook}
            - {code: 4, label: LinkedIn}
            - {code: 9, label: Geen van deze, exclusive: true}
"""


def versions():
    old = load_inline(OLD, response_from="q_contact").definition
    new = load_inline(NEW, response_from="q_contact").definition.model_copy(
        update={"version": "2"}
    )
    return old, new


class TestDiffVersions:
    def test_changes_in_document_order(self) -> None:
        diff = diff_versions(*versions())
        assert diff.changes == (
            Change(
                "q_contact",
                "option_relabelled",
                {
                    "code": 2,
                    "before": "Enkele keren per week",
                    "after": "Een of enkele keren per week",
                },
            ),
            Change(
                "q_safety",
                "row_reworded",
                {
                    "row": "veilig",
                    "before": "Ik voel me veilig",
                    "after": "Ik voel me veilig bij mijn werk",
                },
            ),
            Change(
                "q_safety",
                "row_removed",
                {"row": "respect", "text": "Ik word gerespecteerd"},
            ),
            Change(
                "q_safety",
                "row_added",
                {"row": "aandacht", "text": "Er is aandacht voor veiligheid"},
            ),
            Change("q_severity", "moved", {"before": "p2", "after": "p1"}),
            Change("q_severity", "range_changed", {"before": "1..7", "after": "1..10"}),
            Change("q_new", "added", {"page": "p2"}),
            Change(
                "q_channels",
                "reworded",
                {"before": "Welke kanalen?", "after": "Via welke kanalen?"},
            ),
            Change(
                "q_channels",
                "routing_changed",
                {
                    "before": "(${q_contact} = 1)",
                    "after": "(${q_contact} = 1 or ${q_contact} = 2)",
                },
            ),
            Change(
                "q_channels",
                "option_recoded",
                {"label": "Geen van deze", "before": 8, "after": 9},
            ),
            Change("q_channels", "option_added", {"code": 4, "label": "LinkedIn"}),
            Change("q_old", "removed", {"page": "p1"}),
        )

    def test_unchanged_questions_are_listed(self) -> None:
        old, _ = versions()
        assert diff_versions(old, old).changes == ()
        assert diff_versions(old, old).unchanged == (
            "q_contact",
            "q_safety",
            "q_old",
            "q_channels",
            "q_severity",
        )

    def test_reformatting_a_condition_is_not_a_routing_change(self) -> None:
        old, _ = versions()
        spaced = OLD.replace('"${q_contact} = 1"', '"${q_contact}=1"')
        new = load_inline(spaced, response_from="q_contact").definition
        assert diff_versions(old, new).changes == ()

    def test_type_change_and_option_removed(self) -> None:
        old, _ = versions()
        changed = OLD.replace(
            "{id: q_old, type: text, text: Vervallen vraag}",
            "{id: q_old, type: single, text: Vervallen vraag, options: [{code: 1, label: Ja}]}",
        ).replace("            - {code: 3, label: Nooit}\n", "")
        new = load_inline(changed, response_from="q_contact").definition
        assert diff_versions(old, new).changes == (
            Change("q_contact", "option_removed", {"code": 3, "label": "Nooit"}),
            Change("q_old", "type_changed", {"before": "text", "after": "single"}),
            Change("q_old", "option_added", {"code": 1, "label": "Ja"}),
        )

    def test_page_condition_counts_as_routing_of_its_questions(self) -> None:
        old, _ = versions()
        moved = OLD.replace('          relevant: "${q_contact} = 1"\n', "").replace(
            "    - id: p2\n", '    - id: p2\n      relevant: "${q_contact} = 1"\n'
        )
        new = load_inline(moved, response_from="q_contact").definition
        assert diff_versions(old, new).changes == (
            Change(
                "q_severity",
                "routing_changed",
                {"before": "", "after": "(${q_contact} = 1)"},
            ),
        )

    def test_as_dict_is_json_ready(self) -> None:
        data = diff_versions(*versions()).as_dict()
        assert data["old"] == "demo/1"
        assert data["new"] == "demo/2"
        assert data["changes"][0] == {
            "question": "q_contact",
            "kind": "option_relabelled",
            "code": 2,
            "before": "Enkele keren per week",
            "after": "Een of enkele keren per week",
        }
        assert data["unchanged"] == []


class TestRenderText:
    def test_one_line_per_change(self) -> None:
        text = render_text(diff_versions(*versions()))
        assert text.splitlines()[:3] == [
            "demo/1 → demo/2",
            "~ q_contact: option 2 relabelled from ‘Enkele keren per week’ to ‘Een of enkele keren per week’",
            "~ q_safety: row veilig reworded",
        ]
        assert "+ q_new: added on page p2" in text
        assert "~ q_channels: option ‘Geen van deze’ recoded from 8 to 9" in text
        assert text.splitlines()[-2:] == [
            "- q_old: removed (was on page p1)",
            "0 question(s) unchanged",
        ]
