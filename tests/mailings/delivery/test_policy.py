"""The send policy by hand: plain values in, the decision the worker acts on out.

Times are in December 2026 (Amsterdam = UTC+1); the calendar is the default
one: Tuesday to Thursday, 09:00–16:00, no holidays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.config import WorkerSettings
from app.mailings.delivery import policy
from app.mailings.delivery.policy import SendContext
from app.mailings.models import OutboxStatus
from app.mailings.planning.calendar import Calendar

UTC = dt.UTC
RULES = WorkerSettings()  # 420 s doubling to 1800 s, 8 attempts, relay 5 s
CALENDAR = Calendar(closes_on=dt.date(2026, 12, 31))
WEDNESDAY_10 = dt.datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
SATURDAY_11 = dt.datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
NEXT_TUESDAY_11 = dt.datetime(2026, 12, 15, 10, 0, tzinfo=UTC)

ROW = SendContext(
    outbox_id=1,
    is_test=False,
    test_recipient=None,
    attempts=0,
    temp_failures=0,
    mailing_id=1,
    mailing_questionnaire="officials",
    mailing_template="invitation",
    mailing_kind="invitation",
    mailing_rule={"kind": "on_opening"},
    mailing_audience={},
    wave_id=1,
    invitation_id=1,
    invitation_status="invited",
    invitation_tier="gemeente",
    invitation_function="raadslid",
    invitation_organisation="GM0363",
    token_nonce="n",
    token_key_id="k",
    revoked=False,
    opted_out=False,
    undeliverable=False,
    ineligible=False,
    email="jan@gemeente.nl",
    name="Jan",
    opened=False,
    email_kind=None,
    gender=None,
)


def row(**changes: object) -> SendContext:
    return dataclasses.replace(ROW, **changes)  # type: ignore[arg-type]


def seconds(s: float) -> dt.timedelta:
    return dt.timedelta(seconds=s)


class TestAdmit:
    def test_a_row_in_a_sending_slot_goes(self) -> None:
        decision = policy.admit(row(), calendar=CALENDAR, paused={}, now=WEDNESDAY_10)
        assert decision == policy.Send()

    def test_who_completed_meanwhile_is_skipped(self) -> None:
        decision = policy.admit(
            row(invitation_status="complete"),
            calendar=CALENDAR,
            paused={},
            now=WEDNESDAY_10,
        )
        assert decision == policy.Skip("vragenlijst al afgerond")

    def test_a_bounced_address_is_skipped(self) -> None:
        decision = policy.admit(
            row(undeliverable=True), calendar=CALENDAR, paused={}, now=WEDNESDAY_10
        )
        assert decision == policy.Skip("onbestelbaar")

    def test_nothing_goes_after_the_closing_date(self) -> None:
        closed = Calendar(closes_on=dt.date(2026, 12, 8))
        decision = policy.admit(row(), calendar=closed, paused={}, now=WEDNESDAY_10)
        assert decision == policy.Skip("het veldwerk is gesloten")

    def test_on_a_saturday_the_row_waits_for_tuesday_same_hour(self) -> None:
        decision = policy.admit(row(), calendar=CALENDAR, paused={}, now=SATURDAY_11)
        assert decision == policy.Defer(NEXT_TUESDAY_11)

    def test_a_fixed_moment_outside_hours_goes_as_set(self) -> None:
        fixed = row(mailing_rule={"kind": "fixed", "outside_hours_ok": True})
        decision = policy.admit(fixed, calendar=CALENDAR, paused={}, now=SATURDAY_11)
        assert decision == policy.Send()

    def test_a_test_mail_ignores_audience_and_calendar(self) -> None:
        test_mail = row(
            is_test=True,
            test_recipient="manager@veldwerk.test",
            invitation_status="complete",
        )
        decision = policy.admit(
            test_mail, calendar=CALENDAR, paused={}, now=SATURDAY_11
        )
        assert decision == policy.Send()

    def test_a_paused_domain_defers_to_the_end_of_its_pause(self) -> None:
        until = WEDNESDAY_10 + seconds(120)
        decision = policy.admit(
            row(email="Jan@Gemeente.NL"),
            calendar=CALENDAR,
            paused={"gemeente.nl": until},
            now=WEDNESDAY_10,
        )
        assert decision == policy.Defer(until)

    def test_a_pause_that_ended_does_not_hold_the_row(self) -> None:
        decision = policy.admit(
            row(),
            calendar=CALENDAR,
            paused={"gemeente.nl": WEDNESDAY_10},
            now=WEDNESDAY_10,
        )
        assert decision == policy.Send()


class TestPace:
    def test_a_wait_of_three_seconds_is_waited_inline(self) -> None:
        assert policy.pace(wait=3.0, now=WEDNESDAY_10) is None

    def test_a_longer_wait_goes_back_to_the_queue(self) -> None:
        assert policy.pace(wait=3.5, now=WEDNESDAY_10) == policy.Defer(
            WEDNESDAY_10 + seconds(3.5)
        )


class TestClassify:
    @pytest.mark.parametrize(
        ("code", "reply", "phase", "kind"),
        [
            (451, "4.7.1 greylisted, try again later", "rcpt", "temporary"),
            (450, "mailbox busy", "rcpt", "temporary"),
            (421, "4.7.0 too many connections", "rcpt", "temporary"),
            (550, "5.1.1 user unknown", "rcpt", "permanent"),
            (550, "no such user", "rcpt", "permanent"),
            (550, "5.1.1 user unknown", "data", "permanent"),
            (554, "5.7.1 message refused as spam", "data", "rejected"),
            (552, "5.3.4 message too big", "data", "rejected"),
            (500, "relay error", "data", "rejected"),
            (451, "4.3.0 try later", "data", "temporary"),
            (530, "5.7.0 authentication required", "mail", "connection"),
            (554, "no service", "connect", "connection"),
        ],
    )
    def test_what_a_refusal_means(
        self, code: int, reply: str, phase: str, kind: str
    ) -> None:
        assert policy.classify(code, reply, phase=phase) == kind

    def test_a_refused_sender_is_never_the_recipients_fault(self) -> None:
        assert (
            policy.classify(
                550, "5.1.0 sender rejected", phase="rcpt", sender_refused=True
            )
            == "connection"
        )

    def test_a_status_that_only_looks_like_5_1_x_is_not_about_the_recipient(
        self,
    ) -> None:
        assert policy.classify(554, "policy 15.1.10 hit", phase="data") == "rejected"

    def test_only_a_421_at_rcpt_pauses_the_domain(self) -> None:
        assert policy.pauses_domain(421, phase="rcpt")
        assert not policy.pauses_domain(451, phase="rcpt")  # greylisting
        assert not policy.pauses_domain(421, phase="data")
        assert not policy.pauses_domain(None, phase="connect")


class TestRetryDue:
    def test_greylisting_is_retried_after_seven_minutes(self) -> None:
        due = policy.retry_due(
            "temporary",
            temp_failures=0,
            relay_down_until=None,
            now=WEDNESDAY_10,
            jitter=1.0,
            rules=RULES,
            calendar=CALENDAR,
            tier="gemeente",
        )
        assert due == WEDNESDAY_10 + dt.timedelta(minutes=7)

    @pytest.mark.parametrize(
        ("jitter", "after"), [(0.8, seconds(336)), (1.2, seconds(504))]
    )
    def test_jitter_spreads_the_retry_by_a_fifth(
        self, jitter: float, after: dt.timedelta
    ) -> None:
        due = policy.retry_due(
            "temporary",
            temp_failures=0,
            relay_down_until=None,
            now=WEDNESDAY_10,
            jitter=jitter,
            rules=RULES,
            calendar=None,
            tier=None,
        )
        assert due == WEDNESDAY_10 + after

    @pytest.mark.parametrize(
        ("temp_failures", "wait"), [(0, 420), (1, 840), (2, 1680), (3, 1800), (7, 1800)]
    )
    def test_the_wait_doubles_up_to_half_an_hour(
        self, temp_failures: int, wait: float
    ) -> None:
        assert policy.retry_seconds(temp_failures=temp_failures, rules=RULES) == wait

    def test_a_rejection_backs_off_like_a_temporary_refusal(self) -> None:
        due = policy.retry_due(
            "rejected",
            temp_failures=1,
            relay_down_until=None,
            now=WEDNESDAY_10,
            jitter=1.0,
            rules=RULES,
            calendar=None,
            tier=None,
        )
        assert due == WEDNESDAY_10 + dt.timedelta(minutes=14)

    def test_a_retry_that_falls_after_hours_waits_for_the_next_slot(self) -> None:
        late = dt.datetime(2026, 12, 9, 14, 58, tzinfo=UTC)  # 15:58 local
        due = policy.retry_due(
            "temporary",
            temp_failures=0,
            relay_down_until=None,
            now=late,
            jitter=1.0,
            rules=RULES,
            calendar=CALENDAR,
            tier="gemeente",
        )
        assert due == dt.datetime(2026, 12, 10, 8, 0, tzinfo=UTC)  # Thu 09:00

    def test_a_connection_fault_waits_for_the_relay(self) -> None:
        due = policy.retry_due(
            "connection",
            temp_failures=5,
            relay_down_until=WEDNESDAY_10 + seconds(40),
            now=WEDNESDAY_10,
            jitter=1.0,
            rules=RULES,
            calendar=None,
            tier=None,
        )
        assert due == WEDNESDAY_10 + seconds(40)

    @pytest.mark.parametrize("kind", ["sent", "permanent"])
    def test_sent_and_permanent_are_never_retried(
        self, kind: policy.DeliveryKind
    ) -> None:
        due = policy.retry_due(
            kind,
            temp_failures=0,
            relay_down_until=None,
            now=WEDNESDAY_10,
            jitter=1.0,
            rules=RULES,
            calendar=CALENDAR,
            tier=None,
        )
        assert due is None


class TestRelayOutage:
    @pytest.mark.parametrize(
        ("strikes", "down_for"), [(1, 5), (2, 10), (3, 20), (7, 300), (20, 300)]
    )
    def test_the_relay_backoff_doubles_to_five_minutes(
        self, strikes: int, down_for: float
    ) -> None:
        until = policy.relay_outage_until(
            strikes=strikes, now=WEDNESDAY_10, rules=RULES
        )
        assert until == WEDNESDAY_10 + seconds(down_for)


class TestDomainPause:
    def pause(
        self,
        strikes: int,
        last_strike_at: dt.datetime | None,
        paused_until: dt.datetime | None = None,
    ) -> policy.DomainPause:
        return policy.domain_pause(
            strikes=strikes,
            last_strike_at=last_strike_at,
            paused_until=paused_until,
            now=WEDNESDAY_10,
            base_seconds=RULES.domain_backoff_seconds,
            max_seconds=RULES.domain_backoff_max_seconds,
        )

    def test_a_first_421_pauses_the_domain_a_minute(self) -> None:
        assert self.pause(0, None) == policy.DomainPause(1, WEDNESDAY_10 + seconds(60))

    def test_each_further_421_doubles_the_pause(self) -> None:
        earlier = WEDNESDAY_10 - seconds(90)
        assert self.pause(1, earlier).until == WEDNESDAY_10 + seconds(120)
        assert self.pause(3, earlier).until == WEDNESDAY_10 + seconds(480)

    def test_the_pause_is_at_most_ten_minutes(self) -> None:
        earlier = WEDNESDAY_10 - seconds(90)
        assert self.pause(4, earlier) == policy.DomainPause(
            5, WEDNESDAY_10 + seconds(600)
        )

    def test_strikes_start_over_after_ten_quiet_minutes(self) -> None:
        long_ago = WEDNESDAY_10 - seconds(600)
        assert self.pause(4, long_ago) == policy.DomainPause(
            1, WEDNESDAY_10 + seconds(60)
        )

    def test_a_longer_running_pause_is_kept(self) -> None:
        running = WEDNESDAY_10 + seconds(500)
        assert self.pause(0, None, running).until == running


class TestSettle:
    def test_a_sent_mail_is_final(self) -> None:
        settled = policy.settle("sent", temp_failures=2, max_attempts=8)
        assert settled == policy.Settlement(OutboxStatus.sent, 2)
        assert settled.final

    def test_a_permanent_answer_fails_the_row_at_once(self) -> None:
        settled = policy.settle("permanent", temp_failures=0, max_attempts=8)
        assert settled == policy.Settlement(OutboxStatus.failed, 0)

    @pytest.mark.parametrize("outcome", ["temporary", "rejected"])
    def test_a_refusal_is_counted_and_retried(self, outcome: policy.Outcome) -> None:
        settled = policy.settle(outcome, temp_failures=6, max_attempts=8)
        assert settled == policy.Settlement(OutboxStatus.pending, 7)
        assert not settled.final

    @pytest.mark.parametrize("outcome", ["temporary", "rejected"])
    def test_the_eighth_refusal_gives_up(self, outcome: policy.Outcome) -> None:
        settled = policy.settle(outcome, temp_failures=7, max_attempts=8)
        assert settled == policy.Settlement(OutboxStatus.failed, 8)

    @pytest.mark.parametrize("outcome", ["connection", "deferred", "retry"])
    def test_faults_not_about_the_row_are_not_counted(
        self, outcome: policy.Outcome
    ) -> None:
        settled = policy.settle(outcome, temp_failures=7, max_attempts=8)
        assert settled == policy.Settlement(OutboxStatus.pending, 7)

    def test_a_skip_is_final(self) -> None:
        settled = policy.settle("skipped", temp_failures=0, max_attempts=8)
        assert settled == policy.Settlement(OutboxStatus.skipped, 0)


class TestUndeliverable:
    def test_only_a_permanent_answer_marks_the_address(self) -> None:
        assert policy.makes_undeliverable("permanent", is_test=False)
        others: tuple[policy.Outcome, ...] = (
            "rejected", "temporary", "connection", "sent", "skipped",
        )  # fmt: skip
        for outcome in others:
            assert not policy.makes_undeliverable(outcome, is_test=False)

    def test_a_test_mail_never_marks_an_invitation(self) -> None:
        assert not policy.makes_undeliverable("permanent", is_test=True)
        assert not policy.counts_as_mailed("sent", is_test=True)

    def test_the_reason_is_the_servers_answer(self) -> None:
        assert policy.undeliverable_reason(550, "5.1.1 user unknown", None) == (
            "550 5.1.1 user unknown"
        )
        assert policy.undeliverable_reason(None, None, "ongeldig e-mailadres") == (
            "ongeldig e-mailadres"
        )
        assert policy.undeliverable_reason(None, None, None) == "geweigerd"
