"""The respondent's way through a questionnaire: start, save pages, resume, finish.

Every page is saved when submitted. Reads and writes go through ``store``
(Core on one connection, no ORM session): a write names the response revision
it was computed from, and a write that lost a race (a double submission, two
open tabs) reads the response again and is recomputed, so no answer is lost or
applied twice. Status moves invited → started → response (threshold question
reached) → complete, on the invitation and the response together, in the same
atomic write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from app import i18n
from app.db import utcnow
from app.questionnaires import routing
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.service import CompiledVersions, VersionInfo
from app.questionnaires.types import question_type
from app.responses import store
from app.responses.errors import (
    ConcurrentChanges,
    SurveyClosed,
    SurveyNotFound,
    SurveyNotOpen,
)
from app.responses.store import (
    InvitationState,
    RespondentDb,
    ResponseState,
    WaveWindow,
)
from app.samples import states as samples_states
from app.samples import tokens
from app.samples.states import STATUS_CODES, InvitationStatus

MAX_SECONDS_PER_VISIT = 3600.0
"""A page left open overnight is not an hour of work: paradata caps one visit."""

MAX_ATTEMPTS = 5
"""Writes that lose a race are recomputed on fresh data; this bounds the retries
(each loser is beaten by a write that succeeded, so the bound is never reached
by fewer than that many simultaneous submissions of one respondent)."""


@dataclass
class Survey:
    """Everything one respondent request works with."""

    token_hash: str
    invitation: InvitationState
    wave: WaveWindow
    response: ResponseState | None
    version: VersionInfo
    compiled: CompiledQuestionnaire
    """The version in the respondent's language (``language``)."""
    language: str = ""
    original: CompiledQuestionnaire | None = field(default=None, repr=False)
    """The version in its own language, before any translation."""

    _route: routing.Route | None = field(default=None, repr=False)
    """The route of the stored answers, once worked out (``route``)."""

    @property
    def attributes(self) -> dict[str, Any]:
        return self.invitation.attributes

    def _stored_answers(self) -> Mapping[str, object]:
        return self.response.answers if self.response is not None else {}

    def route(self) -> routing.Route:
        """What routing shows for the stored answers.

        Worked out once per state of the answers (a page save hands over the
        route it worked out for what it stored): a page turn asks it for the
        access check, the resume page, the progress bar and the back button.
        """
        answers = self._stored_answers()
        if self._route is None or not self._route.belongs_to(answers):
            self._route = routing.route(self.compiled, answers, self.attributes)
        return self._route

    def route_known(self) -> bool:
        """Whether ``route`` is already worked out for the stored answers."""
        return self._route is not None and self._route.belongs_to(
            self._stored_answers()
        )

    def keep_route(self, route: routing.Route) -> None:
        """``route`` was worked out for answers that are now the stored ones."""
        self._route = route

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.response.answers) if self.response else {}

    @property
    def is_complete(self) -> bool:
        return (
            self.response is not None
            and self.response.status == InvitationStatus.complete
        )

    @property
    def submitted(self) -> list[str]:
        return list(self.response.submitted_pages) if self.response else []


@dataclass
class SubmitOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    next_page_id: str | None = None
    completed: bool = False
    display_answers: dict[str, object] = field(default_factory=dict)
    """After errors: stored answers overlaid with what parsed on this page, so the
    re-rendered page shows the follow-up questions the new answers open."""


FOLLOW_UP_MESSAGE = (
    "Door uw antwoord hoort deze vraag er nu bij. Wilt u die ook beantwoorden?"
)


async def open_survey(
    db: RespondentDb,
    *,
    token: str,
    versions: CompiledVersions,
    today: dt.date | None = None,
) -> Survey:
    """The survey behind a link, in one query (plus one the first time a
    process meets a version). Unknown, malformed and revoked links all raise
    the same ``SurveyNotFound``.
    """
    if not tokens.looks_like_token(token):
        raise SurveyNotFound()
    token_hash = tokens.hash_token(token)
    rows = await store.load(db, token_hash)
    if rows is None:
        raise SurveyNotFound()
    response = rows.response
    version_id = response.version_id if response is not None else rows.wave_version_id
    loaded = (
        await versions.by_id(db.connection, version_id)
        if version_id is not None
        else None
    )
    if loaded is None:
        language = i18n.invitation_language(rows.invitation.attributes)
        raise SurveyNotOpen(language or i18n.SOURCE_LANGUAGE)
    survey = Survey(token_hash, rows.invitation, rows.wave, response, *loaded)
    wanted = (
        response.language
        if response is not None
        else i18n.invitation_language(rows.invitation.attributes)
    )
    use_language(survey, versions, wanted)
    if not rows.invitation.is_test and not survey.is_complete:
        wave = rows.wave
        _check_window(
            wave,
            today or dt.datetime.now(ZoneInfo(wave.timezone)).date(),
            survey.language,
        )
    return survey


def languages(survey: Survey) -> list[str]:
    """The languages the survey's version can be answered in, its own first."""
    original = survey.original or survey.compiled
    return [original.definition.language, *sorted(survey.version.translated)]


def use_language(
    survey: Survey, versions: CompiledVersions, wanted: str | None
) -> None:
    """Show the survey in ``wanted`` when the version has it, else in its own."""
    original = survey.original or survey.compiled
    survey.original = original
    language = wanted if wanted in languages(survey) else None
    survey.language = language or original.definition.language
    survey.compiled = versions.in_language(survey.version, original, survey.language)
    survey._route = None


async def link_opened(db: RespondentDb, survey: Survey) -> None:
    """The welcome page is shown: remember the link's first opening (paradata
    for reminder audiences). Test links are left alone."""
    if not survey.invitation.is_test:
        await store.mark_opened(db, survey.invitation.id, utcnow())


def _check_window(wave: WaveWindow, today: dt.date, language: str) -> None:
    if wave.opens_on is not None and today < wave.opens_on:
        raise SurveyNotOpen(language)
    if wave.closes_on is not None and today > wave.closes_on:
        raise SurveyClosed(language)


async def start(db: RespondentDb, survey: Survey) -> ResponseState:
    """Start (or return) the response, pinned to the version shown on the welcome page.

    Two clicks on "Start" at once: the unique invitation_id lets one insert
    through; the other reads the row the first one made.
    """
    if survey.response is not None:
        return survey.response
    now = utcnow()
    survey.invitation = (
        _advanced(survey.invitation, InvitationStatus.started, now) or survey.invitation
    )
    created = await store.insert_response(
        db,
        invitation=survey.invitation,
        version_id=survey.version.id,
        now=now,
        language=survey.language,
    )
    if created is None:
        await _reload(db, survey)
        assert survey.response is not None
        return survey.response
    survey.response = ResponseState(
        created,
        survey.version.id,
        InvitationStatus.started,
        {},
        [],
        None,
        None,
        0,
        survey.language,
    )
    return survey.response


def _advanced(
    state: InvitationState, status: InvitationStatus, now: dt.datetime
) -> InvitationState | None:
    """The invitation moved on to ``status`` (never back, as the samples domain
    rules), or None if it does not move."""
    moved = samples_states.advance(state, status, now)
    if moved is None:
        return None
    return replace(
        state,
        status=moved.status,
        started_at=moved.started_at,
        response_at=moved.response_at,
        completed_at=moved.completed_at,
    )


def _progressed(
    response: ResponseState, status: InvitationStatus, now: dt.datetime
) -> dict[str, object]:
    """The response's status columns after moving it on to ``status`` (never back)."""
    fields: dict[str, object] = {
        "status": response.status,
        "response_at": response.response_at,
        "completed_at": response.completed_at,
    }
    if status.rank <= STATUS_CODES.get(response.status, 0):
        return fields
    fields["status"] = status
    if status == InvitationStatus.response:
        fields["response_at"] = now
    elif status == InvitationStatus.complete:
        fields["response_at"] = response.response_at or now
        fields["completed_at"] = now
    return fields


async def _write(
    db: RespondentDb,
    survey: Survey,
    changes: dict[str, Any],
    *,
    status: InvitationStatus,
    now: dt.datetime,
    visit: store.PageVisitWrite | None = None,
) -> bool:
    """One atomic write of the response, moved on to ``status``, and of the
    invitation if that moves it too. False if another request saved first."""
    response = survey.response
    assert response is not None
    changes.update(_progressed(response, status, now))
    moved = _advanced(survey.invitation, InvitationStatus(changes["status"]), now)
    saved = await store.write(
        db,
        response=response,
        changes=changes,
        invitation=moved,
        visit=visit,
        now=now,
    )
    if saved and moved is not None:
        survey.invitation = moved
    return saved


async def _reload(db: RespondentDb, survey: Survey) -> None:
    """Read the invitation and response again, after losing a race for them."""
    rows = await store.load(db, survey.token_hash)
    if rows is None:  # revoked meanwhile
        raise SurveyNotFound()
    survey.invitation, survey.response = rows.invitation, rows.response


def resume_page_id(survey: Survey) -> str | None:
    """Where the respondent continues: the first visible page not yet submitted."""
    submitted = set(survey.submitted)
    if survey.route_known():
        return next((p for p in survey.route().pages if p not in submitted), None)
    return routing.first_unanswered_page_id(
        survey.compiled, survey.answers, survey.attributes, submitted
    )


def may_show(survey: Survey, page_id: str) -> bool:
    """A respondent may revisit submitted pages and open the resume page, but not
    skip ahead past unanswered pages or open pages routing hides.

    A submitted page is visible: each save keeps only the submitted pages that
    routing shows for the answers it stores.
    """
    if page_id not in survey.compiled.page_by_id:
        return False
    return page_id in survey.submitted or page_id == resume_page_id(survey)


async def page_shown(db: RespondentDb, survey: Survey, page_id: str) -> None:
    """A page is being shown. Writes only once per respondent: when the page
    holding the threshold question is reached, the invitation becomes a response.

    Time on the page is measured from the shown-at stamp the form carries back
    (see ``submit_page``), so showing a page costs no write.
    """
    for _ in range(MAX_ATTEMPTS):
        response = survey.response
        assert response is not None
        if response.status != InvitationStatus.started or not routing.reached_threshold(
            survey.compiled, page_id
        ):
            return
        now = utcnow()
        changes = _unchanged(response, now)
        if await _write(db, survey, changes, status=InvitationStatus.response, now=now):
            return
        await _reload(db, survey)
    raise ConcurrentChanges(survey.language)


def _unchanged(response: ResponseState, now: dt.datetime) -> dict[str, Any]:
    return {
        "answers": response.answers,
        "submitted_pages": response.submitted_pages,
        "updated_at": now,
    }


async def submit_page(
    db: RespondentDb,
    survey: Survey,
    *,
    page_id: str,
    form: Mapping[str, Sequence[str]],
    going_back: bool = False,
    shown: set[str] | None = None,
    shown_at: dt.datetime | None = None,
) -> SubmitOutcome:
    """Validate and save one page; return errors or where to go next.

    Going back saves what is valid on the page without insisting on required
    answers, so nothing typed is lost. Answers that a change hides on later
    pages are removed (they would otherwise be exported as if asked).

    ``shown`` lists the questions the respondent saw on the page. Without
    JavaScript a follow-up on the same page appears only after submitting; if
    one appears unanswered, the page comes back with it instead of moving on.

    If another request of the same respondent saved in between (a double
    click, a second tab), the page is applied again on top of what that one
    saved; if it finished the survey or routed this page away, the respondent
    goes on from where they now are.
    """
    for _ in range(MAX_ATTEMPTS):
        outcome = await _try_submit(
            db,
            survey,
            page_id=page_id,
            form=form,
            going_back=going_back,
            shown=shown,
            shown_at=shown_at,
        )
        if outcome is not None:
            return outcome
        await _reload(db, survey)
        if survey.response is None or survey.is_complete:
            return SubmitOutcome(next_page_id=None, completed=survey.is_complete)
        if not may_show(survey, page_id):
            return SubmitOutcome(next_page_id=resume_page_id(survey))
    raise ConcurrentChanges(survey.language)


async def _try_submit(
    db: RespondentDb,
    survey: Survey,
    *,
    page_id: str,
    form: Mapping[str, Sequence[str]],
    going_back: bool,
    shown: set[str] | None,
    shown_at: dt.datetime | None,
) -> SubmitOutcome | None:
    """``submit_page`` once, on the response as read; None if the write lost a race."""
    response = survey.response
    assert response is not None
    cq, attributes = survey.compiled, survey.attributes
    page_answers, errors = routing.parse_page_submission(
        cq, page_id, form, survey.answers, attributes
    )
    route = routing.route_after_page(
        cq, page_id, survey.answers, page_answers, attributes
    )
    answers, visible = route.answers, route.pages
    if not going_back and shown is not None:
        for question in routing.visible_questions(cq, page_id, answers, attributes):
            if (
                question_type(question).asks
                and question.id not in shown
                and question.id not in answers
            ):
                errors.setdefault(question.id, FOLLOW_UP_MESSAGE)
    if errors and not going_back:
        return SubmitOutcome(errors=errors, display_answers=dict(answers))
    now = utcnow()
    submitted = set(survey.submitted)
    if not going_back:
        submitted.add(page_id)
    changes: dict[str, Any] = {
        "answers": answers,
        "submitted_pages": [p for p in visible if p in submitted],
        "updated_at": now,
    }
    status = InvitationStatus(response.status)
    index = cq.page_by_id[page_id].index
    following: str | None
    if going_back:
        earlier = [p for p in visible if cq.page_by_id[p].index < index]
        following = earlier[-1] if earlier else page_id
    else:
        following = next((p for p in visible if cq.page_by_id[p].index > index), None)
        if following is None:
            status = InvitationStatus.complete
        elif routing.reached_threshold(cq, page_id):
            status = InvitationStatus.response
    seconds = 0.0
    if shown_at is not None:
        seconds = max(0.0, min((now - shown_at).total_seconds(), MAX_SECONDS_PER_VISIT))
    visit = store.PageVisitWrite(page_id, shown_at or now, now, seconds)
    if not await _write(db, survey, changes, status=status, now=now, visit=visit):
        return None
    survey.keep_route(route)
    if going_back:
        return SubmitOutcome(next_page_id=following)
    return SubmitOutcome(next_page_id=following, completed=following is None)


def previous_page_id(survey: Survey, page_id: str) -> str | None:
    """Where "Vorige" leads: the visible page before ``page_id``."""
    visible = survey.route().pages
    if page_id not in visible:  # a page shown back with errors routing now hides
        return routing.previous_page_id(
            survey.compiled, page_id, survey.answers, survey.attributes
        )
    index = visible.index(page_id)
    return visible[index - 1] if index > 0 else None


def progress(survey: Survey, page_id: str) -> tuple[int, int]:
    """(position, estimated total): see ``questionnaires.progress``.

    The total is the longest route the respondent may still take, so the bar
    never moves back when an answer opens a block.
    """
    return routing.progress(
        survey.compiled,
        page_id,
        survey.route().answers,
        survey.attributes,
        survey.route().pages,
    )
