"""The row encoder against scripted respondents (routing-aware missing codes)."""

from __future__ import annotations

import random

import pytest

from app.exports.encode import Encoder, ResponseRecord, fixed_variables
from app.exports.layout import build_layout
from app.questionnaires import loader
from tests.fixtures.exports import (
    OFFICIALS,
    demo,
    expected,
    monitor_file,
    names_of,
    walk,
)

CQ = loader.load_text(demo(), "demo.yaml")
LAYOUT = build_layout([CQ], fixed=fixed_variables(["2024"], weight_label="w"))
NAMES = names_of(LAYOUT, 0)


def _row(log, attributes, status=None):
    record = ResponseRecord(
        1,
        0,
        status or ("complete" if log.complete else "response"),
        log.answers,
        log.submitted,
        None,
        None,
        attributes,
    )
    values = Encoder(LAYOUT).encode(record)
    return {v.name: x for v, x in zip(LAYOUT.variables, values, strict=True)}


class TestAgainstScriptedRespondents:
    @pytest.mark.parametrize("seed", range(60))
    def test_every_answer_variable_matches_the_walk(self, seed: int) -> None:
        rng = random.Random(seed)
        attributes = OFFICIALS[seed % len(OFFICIALS)]
        stop = rng.choice([None, None, 3, 4])
        log = walk(CQ, attributes, rng, stop_after=stop, skip_rate=0.2)
        row = _row(log, attributes)
        want = expected(CQ, log, NAMES)
        assert {k: row[k] for k in want} == want


class TestReasons:
    def test_hidden_by_routing_is_not_asked(self) -> None:
        log = walk(CQ, OFFICIALS[1], random.Random(1), skip_rate=0)
        row = _row(log, OFFICIALS[1])
        assert row["q_mayor"] == -1  # only mayors
        assert row["q_safety_raad"] == -1  # row only for council members

    def test_break_off_is_not_reached(self) -> None:
        log = walk(CQ, OFFICIALS[0], random.Random(2), stop_after=3, skip_rate=0)
        row = _row(log, OFFICIALS[0])
        assert row["q_gender"] == -2
        assert row["q_mayor"] == -2  # not reached wins over routing
        assert row["status"] == 1

    def test_shown_and_left_empty_is_no_answer(self) -> None:
        log = walk(CQ, OFFICIALS[0], random.Random(3), skip_rate=1.0)
        row = _row(log, OFFICIALS[0])
        assert row["q_contact"] == -3
        assert row["q_mayor"] == -3
        assert row["q_channels_mail"] == -1  # block hidden: nobody is a victim

    def test_dont_know_and_refused_get_the_scheme_codes(self) -> None:
        log = walk(CQ, OFFICIALS[2], random.Random(4), skip_rate=0)
        log.answers["q_gender"] = 99
        log.answers["q_contact"] = 99
        row = _row(log, OFFICIALS[2])
        assert row["q_gender"] == -9
        assert row["q_contact"] == -9

    def test_only_dont_know_in_multiple_choice_marks_the_other_options(self) -> None:
        attributes = OFFICIALS[3]
        answers = {
            "q_contact": 1,
            "q_count": {"verbaal": 2, "fysiek": 0},
            "q_channels": [98],
        }
        record = ResponseRecord(
            1,
            0,
            "complete",
            answers,
            ["p_contact", "p_safety", "p_count", "p_victim", "p_end"],
            None,
            None,
            attributes,
        )
        values = dict(
            zip(
                (v.name for v in LAYOUT.variables),
                Encoder(LAYOUT).encode(record),
                strict=True,
            )
        )
        assert values["q_channels_weet_niet"] == 1
        assert values["q_channels_mail"] == -8
        assert values["q_channels_brief"] == -1  # option shown to municipalities only
        assert values["victim"] == 1

    def test_other_text_follows_the_other_option(self) -> None:
        attributes = OFFICIALS[0]
        answers = {"q_contact": 3, "q_contact_other": '=HYPERLINK("x")'}
        record = ResponseRecord(
            1, 0, "response", answers, ["p_contact"], None, None, attributes
        )
        values = dict(
            zip(
                (v.name for v in LAYOUT.variables),
                Encoder(LAYOUT).encode(record),
                strict=True,
            )
        )
        assert values["q_contact"] == 3
        assert (
            values["q_contact_other"] == '=HYPERLINK("x")'
        )  # raw here; guards are per format


class TestAttributes:
    def test_catalogue_codes_and_unknown_values(self) -> None:
        log = walk(CQ, OFFICIALS[0], random.Random(5))
        row = _row(log, {"tier": "gemeente", "function": "onbekend"})
        assert row["tier"] == 1
        assert row["function"] == -6

    def test_organisation_is_never_a_column(self) -> None:
        assert "organisation" not in {v.name for v in LAYOUT.variables}


class TestMonitorQuestionnaires:
    """The real files: officials 2022 + 2024 together, employees and organisations."""

    @pytest.mark.parametrize(
        ("questionnaire", "versions", "attributes"),
        [
            ("officials", ("2022", "2024"), OFFICIALS),
            (
                "employees",
                ("2024",),
                [
                    {"tier": "gemeente", "panel": "flitspanel", "ballot": "a"},
                    {"tier": "provincie", "panel": "io_panel", "ballot": "b"},
                ],
            ),
            (
                "organisations",
                ("2024",),
                [{"tier": "gemeente"}, {"tier": "waterschap"}],
            ),
        ],
    )
    def test_scripted_respondents_match(
        self, questionnaire: str, versions: tuple[str, ...], attributes: list
    ) -> None:
        compiled = [
            loader.load_text(monitor_file(questionnaire, v), f"{v}.yaml")
            for v in versions
        ]
        layout = build_layout(
            compiled, fixed=fixed_variables(list(versions), weight_label="w")
        )
        encoder = Encoder(layout)
        names = [v.name for v in layout.variables]
        for n in range(40):
            index = n % len(compiled)
            cq = compiled[index]
            rng = random.Random(n)
            attrs = attributes[n % len(attributes)]
            log = walk(
                cq, attrs, rng, stop_after=rng.choice([None, None, 6]), skip_rate=0.1
            )
            status = "complete" if log.complete else "response"
            row = dict(
                zip(
                    names,
                    encoder.encode(
                        ResponseRecord(
                            n,
                            index,
                            status,
                            log.answers,
                            log.submitted,
                            None,
                            None,
                            attrs,
                        )
                    ),
                    strict=True,
                )
            )
            want = expected(cq, log, names_of(layout, index))
            assert {k: row[k] for k in want} == want
            mine = set(want) | {v.name for v in layout.variables if v.role != "answer"}
            assert all(
                row[k] in (-4, "")
                for k in names
                if k not in mine and layout.variables[names.index(k)].role == "answer"
            )
