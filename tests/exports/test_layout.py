"""Variables from questionnaire versions: names, labels, versions kept apart."""

from __future__ import annotations

import pyreadstat
import pytest

from app.exports.encode import Encoder, ResponseRecord, fixed_variables
from app.exports.errors import ExportLayoutError
from app.exports.layout import MAX_NAME, build_layout
from app.exports.writers.stats import ColumnStore, write_dta
from app.questionnaires import loader
from tests.fixtures.exports import demo, monitor_file

V2022 = loader.load_text(demo("2022", "Hoe vaak spreekt u burgers?"), "a.yaml")
V2024 = loader.load_text(demo("2024"), "b.yaml")


def _names(layout) -> list[str]:
    return [v.name for v in layout.variables]


class TestOneVersion:
    def test_one_column_per_part(self) -> None:
        names = _names(build_layout([V2024]))
        assert names[:3] == ["tier", "function", "q_contact"]
        assert {
            "q_contact_other",
            "q_safety_veilig",
            "q_safety_raad",
            "q_count_verbaal",
            "q_channels_mail",
            "q_channels_weet_niet",
            "q_channels_other",
            "q_severity",
            "q_story",
            "victim",
        } <= set(names)

    def test_missing_options_get_scheme_codes_and_keep_their_own(self) -> None:
        layout = build_layout([V2024])
        gender = layout.variables[layout.index("q_gender")]
        assert dict(gender.values) == {1: "Man", 2: "Vrouw"}
        assert set(gender.missing) == {-1, -2, -3, -8, -9}
        assert dict(gender.questionnaire_codes) == {-8: 98, -9: 99}
        assert gender.value_labels()[-8] == "Weet niet"

    def test_routing_in_words(self) -> None:
        layout = build_layout([V2024])
        mayor = layout.variables[layout.index("q_mayor")]
        assert mayor.routing[0].source == "function = 'burgemeester'"
        assert "burgemeester" in mayor.routing[0].words
        raad = layout.variables[layout.index("q_safety_raad")]
        assert raad.routing[0].source == "function = 'raadslid'"

    def test_routing_words_are_words_not_the_source(self) -> None:
        """The codebook's "wie krijgt deze vraag" is the condition described in
        Dutch, not its source repeated (a compiled questionnaire was once passed
        where the description needs the definition, and the error was swallowed)."""
        layout = build_layout([V2024])
        mayor = layout.variables[layout.index("q_mayor")]
        assert mayor.routing[0].words == "functie is burgemeester"
        described = [
            r for v in layout.variables for r in v.routing if r.source and r.words
        ]
        assert described
        assert all(r.words != r.source for r in described)

    def test_negative_answer_codes_are_refused(self) -> None:
        text = demo().replace("{code: 1, name: vaak", "{code: -1, name: vaak")
        with pytest.raises(ExportLayoutError, match="q_contact"):
            build_layout([loader.load_text(text, "c.yaml")])


class TestVersions:
    def test_changed_question_is_split_with_version_suffix(self) -> None:
        layout = build_layout([V2022, V2024])
        names = _names(layout)
        assert "q_contact" not in names
        assert {"q_contact__2022", "q_contact__2024", "q_contact_other__2022"} <= set(
            names
        )
        newer = layout.variables[layout.index("q_contact__2024")]
        assert newer.versions == ("2024",)
        assert any("vraagtekst gewijzigd" in n for n in newer.notes)
        assert set(newer.missing) >= {-4}

    def test_unchanged_question_is_one_variable_for_both(self) -> None:
        layout = build_layout([V2022, V2024])
        safety = layout.variables[layout.index("q_safety_veilig")]
        assert safety.versions == ("2022", "2024")
        assert (
            layout.slots[0][("q_safety", "row:veilig")]
            == layout.slots[1][("q_safety", "row:veilig")]
        )

    def test_real_editions_fit_stata_names(self) -> None:
        editions = [
            loader.load_text(monitor_file("officials", v), f"{v}.yaml")
            for v in ("2022", "2024")
        ]
        layout = build_layout(
            editions, fixed=fixed_variables(["2022", "2024"], weight_label="w")
        )
        names = _names(layout)
        assert all(len(n) <= MAX_NAME for n in names)
        assert len({n.lower() for n in names}) == len(names)
        shortened = [
            v
            for v in layout.variables
            if "__" in v.name and any("ingekort" in n for n in v.notes)
        ]
        assert all(v.name.endswith(("__2022", "__2024")) for v in shortened)


class TestLongNamesInStata:
    def test_32_character_names_round_trip_with_labels(self, tmp_path) -> None:
        editions = [
            loader.load_text(monitor_file("officials", v), f"{v}.yaml")
            for v in ("2022", "2024")
        ]
        layout = build_layout(
            editions, fixed=fixed_variables(["2022", "2024"], weight_label="w")
        )
        longest = max(
            (v for v in layout.variables if v.values), key=lambda v: len(v.name)
        )
        assert len(longest.name) >= 31
        store = ColumnStore(layout)
        store.write([Encoder(layout).encode(_empty_record())])
        write_dta(layout, store, tmp_path / "x.dta", title="t", stamp=None)
        frame, meta = pyreadstat.read_dta(str(tmp_path / "x.dta"), user_missing=True)
        assert list(frame.columns) == [v.name for v in layout.variables]
        assert meta.variable_value_labels[longest.name][1] == dict(longest.values)[1]
        assert meta.column_names_to_labels[longest.name] == longest.label[:80]


def _empty_record() -> ResponseRecord:
    return ResponseRecord(
        1,
        1,
        "complete",
        {},
        [],
        None,
        None,
        {"tier": "gemeente", "function": "raadslid"},
    )
