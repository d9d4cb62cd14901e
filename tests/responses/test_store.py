"""The respondent store's revision guard, and the service recomputing a page
save that lost a race (two tabs, a double click), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.db import create_engine, utcnow
from app.questionnaires.service import CompiledVersions
from app.responses import service, store
from app.responses.models import PageVisit, Response
from app.responses.service import Survey
from app.responses.store import respondent_db
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.asyncio

SAFETY = {"q_safety.veilig": ["1"], "q_safety.aandacht": ["2"]}


@pytest_asyncio.fixture
async def app_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine set up as the app's (the test's own one runs in autocommit)."""
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


async def opened(engine: AsyncEngine, token: str) -> Survey:
    async with respondent_db(engine) as db:
        return await service.open_survey(db, token=token, versions=CompiledVersions())


async def submit(
    engine: AsyncEngine, survey: Survey, page_id: str, form: dict[str, list[str]]
) -> service.SubmitOutcome:
    async with respondent_db(engine) as db:
        return await service.submit_page(
            db,
            survey,
            page_id=page_id,
            form=form,
            shown={key.split(".")[0] for key in form},
        )


async def stored(session: AsyncSession, invitation_id: int) -> Response:
    session.expire_all()
    found = await session.scalar(
        select(Response).where(Response.invitation_id == invitation_id)
    )
    assert found is not None
    return found


async def started(
    session: AsyncSession, settings: Settings, engine: AsyncEngine
) -> tuple[int, str]:
    invitation, token = await survey_with_invitation(session, settings)
    invitation_id = invitation.id
    survey = await opened(engine, token)
    async with respondent_db(engine) as db:
        await service.start(db, survey)
    return invitation_id, token


class TestRevisionGuard:
    async def test_a_write_from_an_old_revision_changes_nothing(
        self, session: AsyncSession, settings: Settings, app_engine: AsyncEngine
    ) -> None:
        invitation_id, token = await started(session, settings, app_engine)
        stale = await opened(app_engine, token)
        fresh = await opened(app_engine, token)
        await submit(app_engine, fresh, "p_intro", {"q_contact": ["1"]})
        assert stale.response is not None
        async with respondent_db(app_engine) as db:
            saved = await store.write(
                db,
                response=stale.response,
                changes={
                    "answers": {"q_contact": 2},
                    "submitted_pages": ["p_intro"],
                    "updated_at": utcnow(),
                    "status": "started",
                    "response_at": None,
                    "completed_at": None,
                },
                visit=store.PageVisitWrite("p_intro", utcnow(), utcnow(), 1.0),
                now=utcnow(),
            )
        assert saved is False
        row = await stored(session, invitation_id)
        assert row.answers == {"q_contact": 1}
        assert row.revision == 1
        visits = list(
            await session.scalars(
                select(PageVisit).where(PageVisit.response_id == row.id)
            )
        )
        assert [v.submissions for v in visits] == [1]  # the stale visit went too

    async def test_a_page_saved_from_an_old_tab_keeps_what_another_tab_saved(
        self, session: AsyncSession, settings: Settings, app_engine: AsyncEngine
    ) -> None:
        """Tab A answers two pages; tab B, opened before, then answers the first
        page again. B's save loses the race, reads again and is applied on top
        of A's: the second page's answers survive (a blind write would drop
        them and mark the page unanswered)."""
        invitation_id, token = await started(session, settings, app_engine)
        tab_b = await opened(app_engine, token)
        tab_a = await opened(app_engine, token)
        await submit(app_engine, tab_a, "p_intro", {"q_contact": ["1"]})
        await submit(app_engine, tab_a, "p_safety", SAFETY)

        outcome = await submit(app_engine, tab_b, "p_intro", {"q_contact": ["2"]})

        assert not outcome.errors
        assert outcome.next_page_id == "p_safety"
        row = await stored(session, invitation_id)
        assert row.answers == {
            "q_contact": 2,
            "q_safety": {"veilig": 1, "aandacht": 2},
        }
        assert row.submitted_pages == ["p_intro", "p_safety"]
        assert row.revision == 3
        assert tab_b.response is not None and tab_b.response.revision == 3

    async def test_a_save_after_the_survey_was_finished_elsewhere_goes_to_the_end(
        self, session: AsyncSession, settings: Settings, app_engine: AsyncEngine
    ) -> None:
        invitation_id, token = await started(session, settings, app_engine)
        tab_b = await opened(app_engine, token)
        tab_a = await opened(app_engine, token)
        for page, form in (
            ("p_intro", {"q_contact": ["1"]}),
            ("p_safety", SAFETY),
            ("p_count", {"q_count.online": ["0"], "q_count.offline": ["0"]}),
            ("p_end", {"q_remarks": ["Geen"]}),
        ):
            await submit(app_engine, tab_a, page, form)
        assert tab_a.is_complete

        outcome = await submit(app_engine, tab_b, "p_intro", {"q_contact": ["2"]})

        assert outcome.next_page_id is None and outcome.completed
        row = await stored(session, invitation_id)
        assert row.status == "complete"
        assert row.answers["q_contact"] == 1  # the finished response is left alone
