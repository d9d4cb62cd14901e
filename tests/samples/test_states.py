"""The invitation's status enum and how progress moves on (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.samples.states import (
    STATUS_CODES,
    InvitationStatus,
    Progress,
    advance,
)

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=5)


class TestInvitationStatus:
    def test_values_are_the_stored_strings(self) -> None:
        assert [s.value for s in InvitationStatus] == [
            "invited",
            "started",
            "response",
            "complete",
        ]
        assert InvitationStatus.complete == "complete"

    def test_codes_follow_the_order(self) -> None:
        assert STATUS_CODES == {
            "invited": 0,
            "started": 1,
            "response": 2,
            "complete": 3,
        }


class TestAdvance:
    def test_start_stamps_started(self) -> None:
        fresh = Progress(InvitationStatus.invited, None, None, None)
        assert advance(fresh, InvitationStatus.started, T0) == Progress(
            InvitationStatus.started, T0, None, None
        )

    def test_complete_fills_the_missing_moments(self) -> None:
        started = Progress("started", T0, None, None)
        assert advance(started, InvitationStatus.complete, T1) == Progress(
            InvitationStatus.complete, T0, T1, T1
        )

    @pytest.mark.parametrize("to", list(InvitationStatus))
    def test_never_moves_back_or_stays(self, to: InvitationStatus) -> None:
        done = Progress("complete", T0, T0, T0)
        assert advance(done, to, T1) is None

    def test_an_unknown_status_counts_as_invited(self) -> None:
        odd = Progress("odd", None, None, None)
        assert advance(odd, InvitationStatus.invited, T0) is None
        moved = advance(odd, InvitationStatus.started, T0)
        assert moved is not None
        assert moved.status == "started"
