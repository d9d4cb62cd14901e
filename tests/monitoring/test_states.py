"""Invitation states, AAPOR dispositions and rates (pure)."""

from __future__ import annotations

import itertools

import pytest

from app.monitoring.states import (
    Disposition,
    InvitationState,
    Tally,
    decode_state,
    disposition,
    state_code,
)

STATUSES = ("invited", "started", "response", "complete", "other")


def code(
    status: str,
    *,
    mailed: bool = True,
    undeliverable: bool = False,
    opted_out: bool = False,
    ineligible: bool = False,
) -> int:
    return state_code(
        InvitationState(status, mailed, undeliverable, opted_out, ineligible)
    )


class TestStateCode:
    def test_every_state_round_trips(self) -> None:
        seen = set()
        for status, *flags in itertools.product(STATUSES, *[(False, True)] * 4):
            state = InvitationState(status, *flags)
            assert decode_state(state_code(state)) == state
            seen.add(state_code(state))
        assert len(seen) == len(STATUSES) * 16

    def test_unknown_status_is_other(self) -> None:
        assert (
            decode_state(
                state_code(InvitationState("weird", True, False, False, False))
            ).status
            == "other"
        )


class TestDisposition:
    @pytest.mark.parametrize(
        ("state", "expected"),
        [
            (
                InvitationState("complete", True, False, False, False),
                Disposition.COMPLETE,
            ),
            (
                InvitationState("response", True, False, False, False),
                Disposition.PARTIAL,
            ),
            (
                InvitationState("started", True, False, False, False),
                Disposition.BREAK_OFF,
            ),
            (InvitationState("invited", True, False, True, False), Disposition.REFUSAL),
            (InvitationState("started", True, False, True, False), Disposition.REFUSAL),
            (
                InvitationState("invited", True, False, False, False),
                Disposition.NO_REACTION,
            ),
            (
                InvitationState("invited", True, True, False, False),
                Disposition.UNDELIVERABLE,
            ),
            (
                InvitationState("invited", False, False, False, False),
                Disposition.NOT_MAILED,
            ),
            (
                InvitationState("other", True, False, False, False),
                Disposition.OTHER_UNKNOWN,
            ),
            # not eligible wins over everything, completion wins over later facts
            (
                InvitationState("complete", True, False, False, True),
                Disposition.NOT_ELIGIBLE,
            ),
            (
                InvitationState("complete", True, True, True, False),
                Disposition.COMPLETE,
            ),
            (
                InvitationState("response", True, True, False, False),
                Disposition.PARTIAL,
            ),
        ],
    )
    def test_rules(self, state: InvitationState, expected: Disposition) -> None:
        assert disposition(state) is expected

    def test_categories_follow_aapor(self) -> None:
        assert {d.category for d in Disposition} == {"I", "P", "R", "NC", "UO", "NE"}
        assert Disposition.BREAK_OFF.category == Disposition.REFUSAL.category == "R"


def hand_example() -> Tally:
    """I=40, P=10, R=5 opted out + 15 broke off, NC=100, UH/UO=8 undeliverable
    + 2 not mailed, NE=7 (of whom 3 completed before being marked)."""
    tally = Tally()
    for state, n in [
        (code("complete"), 40),
        (code("response"), 10),
        (code("invited", opted_out=True), 5),
        (code("started"), 15),
        (code("invited"), 100),
        (code("invited", undeliverable=True), 8),
        (code("invited", mailed=False), 2),
        (code("invited", ineligible=True), 4),
        (code("complete", ineligible=True), 3),
    ]:
        tally.add(Tally.of_state(state, n))
    return tally


class TestAaporRates:
    def test_hand_computed_example(self) -> None:
        t = hand_example()
        assert (t.i, t.p, t.r, t.nc, t.o, t.u, t.ne) == (40, 10, 20, 100, 0, 10, 7)
        # denominator (I+P) + (R+NC+O) + (UH+UO) = 50 + 120 + 10 = 180; NE left out
        assert t.rr_denominator == 180
        assert t.rr1 == pytest.approx(40 / 180)
        assert t.rr2 == pytest.approx(50 / 180)
        assert t.coop1 == pytest.approx(40 / 70)
        assert t.coop2 == pytest.approx(50 / 70)

    def test_monitor_definitions_count_all_invitations(self) -> None:
        t = hand_example()
        assert t.invited == 187
        assert t.response == 53  # 40 + 10 + the 3 not-eligible completes
        assert t.response_rate == pytest.approx(53 / 187)
        assert t.completion_rate == pytest.approx(43 / 53)
        assert (t.mailed, t.undeliverable, t.opted_out, t.ineligible) == (185, 8, 5, 7)
        assert t.started == 40 + 10 + 15 + 3

    def test_empty_groups_have_no_rates(self) -> None:
        t = Tally()
        assert (t.response_rate, t.completion_rate, t.rr1, t.rr2, t.coop1, t.coop2) == (
            None,
            None,
            None,
            None,
            None,
            None,
        )

    def test_only_not_eligible_has_no_aapor_rate(self) -> None:
        t = Tally.of_state(code("complete", ineligible=True), 2)
        assert t.rr1 is None and t.coop2 is None
        assert t.response_rate == 1.0
