"""The respondent's way through a questionnaire: start, save pages, resume, finish.

Every page is saved when submitted. The response row is locked while a page is
saved (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises
writers), so a double submission of the same page or two open tabs never lose
or duplicate an answer. Status moves invited → started → response (threshold
question reached) → complete, on the invitation and the response together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.questionnaires import routing
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.service import CompiledVersions, VersionInfo
from app.responses import storage
from app.responses.errors import SurveyClosed, SurveyNotFound, SurveyNotOpen
from app.responses.models import Response
from app.samples import service as samples_service
from app.samples import tokens
from app.samples.models import Invitation, Wave

MAX_SECONDS_PER_VISIT = 3600.0
"""A page left open overnight is not an hour of work: paradata caps one visit."""

ORDER = {"invited": 0, "started": 1, "response": 2, "complete": 3}


@dataclass
class Survey:
    """Everything one respondent request works with."""

    invitation: Invitation
    wave: Wave
    response: Response | None
    version: VersionInfo
    compiled: CompiledQuestionnaire

    _visible: tuple[object, list[str]] | None = field(default=None, repr=False)

    @cached_property
    def attributes(self) -> dict[str, object]:
        return self.invitation.attribute_values()

    def visible_page_ids(self) -> list[str]:
        """The pages routing shows for the stored answers, in order.

        Worked out once per state of the answers: a page turn asks it for the
        access check, the resume page, the progress bar and the back button.
        """
        answers = self.response.answers if self.response is not None else {}
        if self._visible is None or self._visible[0] is not answers:
            pages = routing.visible_pages(self.compiled, answers, self.attributes)
            self._visible = (answers, [p.id for p in pages])
        return self._visible[1]

    def remember_visible(self, answers: object, page_ids: list[str]) -> None:
        """Routing already worked out for ``answers``, about to become the stored ones."""
        self._visible = (answers, page_ids)

    @property
    def answers(self) -> dict[str, object]:
        return dict(self.response.answers) if self.response else {}

    @property
    def is_complete(self) -> bool:
        return self.response is not None and self.response.status == "complete"

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
    session: AsyncSession,
    *,
    token: str,
    versions: CompiledVersions,
    for_update: bool = False,
    today: dt.date | None = None,
) -> Survey:
    """The survey behind a link, in one query (plus one the first time a
    process meets a version). Unknown, malformed and revoked links all raise
    the same ``SurveyNotFound``.

    ``for_update`` locks the invitation row: one respondent's submissions are
    applied one after another, whatever the number of tabs or double clicks.
    """
    if not tokens.looks_like_token(token):
        raise SurveyNotFound()
    query = _survey_query(for_update)
    row = (
        await session.execute(query, {"token_hash": tokens.hash_token(token)})
    ).first()
    if row is None:
        raise SurveyNotFound()
    invitation, wave, response = row
    version_id = (
        response.version_id
        if response is not None
        else await _current_version_id(session, invitation)
    )
    loaded = (
        await versions.by_id(session, version_id) if version_id is not None else None
    )
    if loaded is None:
        raise SurveyNotOpen()
    survey = Survey(invitation, wave, response, *loaded)
    if not invitation.is_test and not survey.is_complete:
        _check_window(wave, today or dt.datetime.now(ZoneInfo(wave.timezone)).date())
    return survey


@lru_cache(maxsize=2)
def _survey_query(for_update: bool) -> Select[tuple[Invitation, Wave, Response]]:
    """Built once: every respondent request runs it, and building a three-way
    join costs more CPU than running it."""
    query = (
        select(Invitation, Wave, Response)
        .join(Wave, Wave.id == Invitation.wave_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(
            Invitation.token_hash == bindparam("token_hash"),
            Invitation.revoked_at.is_(None),
        )
    )
    return query.with_for_update(of=Invitation) if for_update else query


def _check_window(wave: Wave, today: dt.date) -> None:
    if wave.opens_on is not None and today < wave.opens_on:
        raise SurveyNotOpen()
    if wave.closes_on is not None and today > wave.closes_on:
        raise SurveyClosed()


async def _current_version_id(
    session: AsyncSession, invitation: Invitation
) -> int | None:
    """The version the wave fields for new starters."""
    entry = await samples_service.get_wave_questionnaire(
        session, wave_id=invitation.wave_id, questionnaire=invitation.questionnaire
    )
    return entry.version_id if entry is not None else None


async def start(session: AsyncSession, survey: Survey) -> Response:
    """Start (or return) the response, pinned to the version shown on the welcome page.

    Two clicks on "Start" at once: the unique invitation_id makes the second
    insert fail; it then returns the row the first one made.
    """
    if survey.response is not None:
        return survey.response
    now = utcnow()
    response = Response(
        invitation_id=survey.invitation.id,
        version_id=survey.version.id,
        status="started",
        answers={},
        submitted_pages=[],
        started_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(response)
    except IntegrityError:
        existing = await session.scalar(
            select(Response).where(Response.invitation_id == survey.invitation.id)
        )
        assert existing is not None
        survey.response = existing
        return existing
    _advance(survey.invitation, "started", now)
    survey.invitation.last_activity_at = now
    survey.response = response
    return response


def _advance(invitation: Invitation, status: str, now: dt.datetime) -> None:
    if ORDER[status] <= ORDER.get(invitation.status, 0):
        return
    invitation.status = status
    if status == "started":
        invitation.started_at = now
    elif status == "response":
        invitation.started_at = invitation.started_at or now
        invitation.response_at = now
    elif status == "complete":
        invitation.response_at = invitation.response_at or now
        invitation.completed_at = now


def _progressed(response: Response, status: str, now: dt.datetime) -> dict[str, object]:
    """The response's status columns after moving it on to ``status`` (never back)."""
    fields: dict[str, object] = {
        "status": response.status,
        "response_at": response.response_at,
        "completed_at": response.completed_at,
    }
    if ORDER[status] <= ORDER.get(response.status, 0):
        return fields
    fields["status"] = status
    if status == "response":
        fields["response_at"] = now
    elif status == "complete":
        fields["response_at"] = response.response_at or now
        fields["completed_at"] = now
    return fields


def _advance_response(response: Response, status: str, now: dt.datetime) -> None:
    for name, value in _progressed(response, status, now).items():
        setattr(response, name, value)


def resume_page_id(survey: Survey) -> str | None:
    """Where the respondent continues: the first visible page not yet submitted."""
    submitted = set(survey.submitted)
    return next((p for p in survey.visible_page_ids() if p not in submitted), None)


def may_show(survey: Survey, page_id: str) -> bool:
    """A respondent may revisit submitted pages and open the resume page, but not
    skip ahead past unanswered pages or open pages routing hides."""
    cq = survey.compiled
    if page_id not in cq.page_by_id:
        return False
    if page_id not in survey.visible_page_ids():
        return False
    return page_id in survey.submitted or page_id == resume_page_id(survey)


async def page_shown(session: AsyncSession, survey: Survey, page_id: str) -> None:
    """A page is being shown. Writes only once per respondent: when the page
    holding the threshold question is reached, the invitation becomes a response.

    Time on the page is measured from the shown-at stamp the form carries back
    (see ``submit_page``), so showing a page costs no write.
    """
    response = survey.response
    assert response is not None
    if response.status in ("started",) and routing.reached_threshold(
        survey.compiled, page_id
    ):
        now = utcnow()
        _advance_response(response, "response", now)
        _advance(survey.invitation, "response", now)
        survey.invitation.last_activity_at = now
        await session.flush()


async def submit_page(
    session: AsyncSession,
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
    """
    response = survey.response
    assert response is not None
    cq, attributes = survey.compiled, survey.attributes
    page_answers, errors = routing.parse_page_submission(
        cq, page_id, form, survey.answers, attributes
    )
    answers = routing.apply_page(cq, page_id, survey.answers, page_answers, attributes)
    if not going_back and shown is not None:
        for question in routing.visible_questions(cq, page_id, answers, attributes):
            if (
                question.type != "info"
                and question.id not in shown
                and question.id not in answers
            ):
                errors.setdefault(question.id, FOLLOW_UP_MESSAGE)
    if errors and not going_back:
        return SubmitOutcome(errors=errors, display_answers=answers)
    now = utcnow()
    visible = [p.id for p in routing.visible_pages(cq, answers, attributes)]
    survey.remember_visible(answers, visible)
    submitted = set(survey.submitted)
    if not going_back:
        submitted.add(page_id)
    changes: dict[str, object] = {
        "answers": answers,
        "submitted_pages": [p for p in visible if p in submitted],
        "updated_at": now,
        "revision": response.revision + 1,
        "status": response.status,
        "response_at": response.response_at,
        "completed_at": response.completed_at,
    }
    following = None
    if going_back:
        following = (
            routing.previous_page_id(cq, page_id, answers, attributes) or page_id
        )
    else:
        following = routing.next_page_id(cq, page_id, answers, attributes)
        if following is None:
            changes.update(_progressed(response, "complete", now))
            _advance(survey.invitation, "complete", now)
    seconds = 0.0
    if shown_at is not None:
        seconds = max(0.0, min((now - shown_at).total_seconds(), MAX_SECONDS_PER_VISIT))
    await storage.save_page(
        session,
        response=response,
        invitation=survey.invitation,
        changes=changes,
        page_id=page_id,
        now=now,
        first_shown_at=shown_at or now,
        seconds=seconds,
    )
    if session.dirty:  # the invitation moved on to complete
        await session.flush()
    if going_back:
        return SubmitOutcome(next_page_id=following)
    return SubmitOutcome(next_page_id=following, completed=following is None)


def previous_page_id(survey: Survey, page_id: str) -> str | None:
    """Where "Vorige" leads: the visible page before ``page_id``."""
    visible = survey.visible_page_ids()
    if page_id not in visible:  # a page shown back with errors routing now hides
        return routing.previous_page_id(
            survey.compiled, page_id, survey.answers, survey.attributes
        )
    index = visible.index(page_id)
    return visible[index - 1] if index > 0 else None


def progress(survey: Survey, page_id: str) -> tuple[int, int]:
    """(position, total) among the pages routing shows given the answers so far.

    Later answers can still change the total; the bar is an honest estimate.
    """
    visible = survey.visible_page_ids()
    if page_id not in visible:
        return (0, max(len(visible), 1))
    return (visible.index(page_id) + 1, len(visible))
