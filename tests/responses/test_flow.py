"""The respondent's way end to end over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.questionnaires.models import QuestionnaireVersion
from app.responses.models import PageVisit, Response
from app.samples import service as samples_service
from app.samples.models import Invitation
from tests.fixtures.surveys import (
    MINI,
    invite,
    make_wave,
    page_path,
    publish_text,
    survey_with_invitation,
)

pytestmark = pytest.mark.asyncio


async def start(client: httpx.AsyncClient, token: str) -> str:
    welcome = await client.get(f"/s/{token}")
    assert welcome.status_code == 200
    started = await client.post(f"/s/{token}")
    assert started.status_code == 303
    return page_path(started)


async def response_of(session: AsyncSession, invitation: Invitation) -> Response:
    invitation_id = inspect(invitation).identity[0]  # no lazy load on an expired row
    session.expire_all()
    found = await session.scalar(
        select(Response).where(Response.invitation_id == invitation_id)
    )
    assert found is not None
    return found


class TestWelcome:
    async def test_welcome_page_says_what_and_how_long(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        page = await client.get(f"/s/{token}")
        assert page.status_code == 200
        assert "Welkom bij deze korte vragenlijst" in page.text
        assert "ongeveer 3 minuten" in page.text
        assert "vertrouwelijk" in page.text

    @pytest.mark.parametrize(
        "token", ["x" * 32, "short", "../../etc/passwd", "%00" * 5, "a" * 300]
    )
    async def test_unknown_or_malformed_links_get_a_friendly_404(
        self, client: httpx.AsyncClient, token: str
    ) -> None:
        page = await client.get(f"/s/{token}")
        assert page.status_code == 404
        assert "Traceback" not in page.text

    async def test_revoked_link_looks_like_an_unknown_one(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        invitation.revoked_at = invitation.created_at
        await session.commit()
        revoked = await client.get(f"/s/{token}")
        unknown = await client.get("/s/" + "Z" * 32)
        assert revoked.status_code == unknown.status_code == 404
        assert revoked.text == unknown.text


class TestPages:
    async def test_routing_skips_the_incident_block_for_non_victims(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        assert first.endswith("/p/p_intro")
        page = await client.get(first)
        assert "Hoe vaak heeft u als raadslid contact" in page.text  # piped attribute
        r = await client.post(
            first, data={"q_contact": "1", "_shown": "q_contact", "nav": "next"}
        )
        assert page_path(r).endswith("/p/p_safety")
        r = await client.post(
            page_path(r),
            data={
                "q_safety.veilig": "1",
                "q_safety.aandacht": "9",
                "_shown": "q_safety",
            },
        )
        assert page_path(r).endswith("/p/p_count")
        await client.get(page_path(r))
        r = await client.post(
            page_path(r),
            data={"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
        )
        assert page_path(r).endswith("/p/p_end")
        r = await client.post(
            page_path(r), data={"q_remarks": "", "_shown": "q_remarks"}
        )
        assert page_path(r).endswith("/klaar")
        thanks = await client.get(page_path(r))
        assert "Dank u wel" in thanks.text and "Steunpunt" in thanks.text
        stored = await response_of(session, invitation)
        assert stored.status == "complete"
        assert stored.answers == {
            "q_contact": 1,
            "q_safety": {"veilig": 1, "aandacht": 9},
            "q_count": {"online": 0, "offline": 0},
        }
        await session.refresh(invitation)
        assert invitation.status == "complete"
        assert (
            invitation.started_at and invitation.response_at and invitation.completed_at
        )

    async def test_threshold_page_marks_a_response(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        r = await client.post(first, data={"q_contact": "2", "_shown": "q_contact"})
        await session.refresh(invitation)
        assert invitation.status == "started"
        r = await client.post(page_path(r), data={"_shown": "q_safety"})
        await client.get(page_path(r))  # the page with q_count, the threshold question
        await session.refresh(invitation)
        assert invitation.status == "response"
        assert invitation.response_at is not None

    async def test_invalid_answers_are_shown_back_with_messages(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        r = await client.post(first, data={"q_contact": "1", "_shown": "q_contact"})
        r = await client.post(page_path(r), data={"_shown": "q_safety"})
        count_page = page_path(r)
        bad = await client.post(
            count_page,
            data={
                "q_count.online": "veel",
                "q_count.offline": "-3",
                "_shown": "q_count",
            },
        )
        assert bad.status_code == 422
        assert "error-summary" in bad.text
        assert "Vul een heel getal in tussen 0 en 99" in bad.text
        assert 'value="veel"' in bad.text  # what was typed is kept
        assert 'href="#f-q_count-online"' in bad.text

    async def test_required_question_left_empty_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        r = await client.post(first, data={"_shown": "q_contact"})
        assert r.status_code == 422
        assert "Beantwoord deze vraag" in r.text

    async def test_other_text_is_kept_with_its_option(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        await client.post(
            first,
            data={
                "q_contact": "3",
                "q_contact_other": "Via de krant",
                "_shown": "q_contact",
            },
        )
        stored = await response_of(session, invitation)
        assert stored.answers["q_contact_other"] == "Via de krant"

    async def test_cannot_skip_ahead_past_unanswered_pages(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        jump = await client.get(f"/s/{token}/p/p_end")
        assert jump.status_code == 303
        assert page_path(jump) == first
        unknown = await client.get(f"/s/{token}/p/no_such_page")
        assert unknown.status_code == 303


class TestResumeAndBack:
    async def test_closing_and_reopening_resumes_at_first_unanswered_page(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        await client.post(first, data={"q_contact": "1", "_shown": "q_contact"})
        reopened = await client.get(f"/s/{token}")
        assert reopened.status_code == 303
        assert page_path(reopened).endswith("/p/p_safety")

    async def test_going_back_keeps_earlier_answers(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        r = await client.post(first, data={"q_contact": "2", "_shown": "q_contact"})
        back = await client.post(
            page_path(r),
            data={"q_safety.veilig": "2", "nav": "back", "_shown": "q_safety"},
        )
        assert page_path(back) == first
        page = await client.get(first)
        assert 'value="2" checked' in page.text
        forward = await client.get(f"/s/{token}/p/p_safety")
        assert 'name="q_safety.veilig" value="2" checked' in forward.text

    async def test_changing_an_answer_removes_answers_it_hides(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(
            session, settings, function="burgemeester"
        )
        first = await start(client, token)
        r = await client.post(first, data={"q_contact": "1", "_shown": "q_contact"})
        r = await client.post(page_path(r), data={"_shown": "q_safety"})
        r = await client.post(
            page_path(r),
            data={"q_count.online": "2", "q_count.offline": "1", "_shown": "q_count"},
        )
        r = await client.post(
            page_path(r),
            data={
                "q_severity": "6",
                "q_channels": ["1", "2"],
                "_shown": "q_severity,q_channels",
            },
        )
        r = await client.post(
            page_path(r), data={"q_mayor": "Aangifte gedaan", "_shown": "q_mayor"}
        )
        stored = await response_of(session, invitation)
        assert stored.answers["q_mayor"] == "Aangifte gedaan"
        # Back to the count page: no incidents after all.
        await client.post(
            f"/s/{token}/p/p_count",
            data={"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
        )
        stored = await response_of(session, invitation)
        assert "q_severity" not in stored.answers
        assert "q_channels" not in stored.answers
        assert "q_mayor" not in stored.answers
        assert set(stored.submitted_pages) == {"p_intro", "p_safety", "p_count"}


class TestIdempotence:
    async def test_double_submission_saves_once_without_error(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        data = {"q_contact": "1", "_shown": "q_contact"}
        one = await client.post(first, data=data)
        two = await client.post(first, data=data)
        assert one.status_code == two.status_code == 303
        assert page_path(one) == page_path(two)
        stored = await response_of(session, invitation)
        assert stored.answers == {"q_contact": 1}
        assert stored.submitted_pages == ["p_intro"]
        visits = list(
            await session.scalars(
                select(PageVisit).where(PageVisit.response_id == stored.id)
            )
        )
        assert len(visits) == 1 and visits[0].submissions == 2

    async def test_double_start_creates_one_response(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        await client.post(f"/s/{token}")
        await client.post(f"/s/{token}")
        rows = list(
            await session.scalars(
                select(Response).where(Response.invitation_id == invitation.id)
            )
        )
        assert len(rows) == 1

    async def test_completed_survey_shows_already_completed(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        r = await client.post(first, data={"q_contact": "1", "_shown": "q_contact"})
        r = await client.post(page_path(r), data={"_shown": "q_safety"})
        r = await client.post(
            page_path(r),
            data={"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
        )
        await client.post(page_path(r), data={"_shown": "q_remarks"})
        again = await client.get(f"/s/{token}")
        assert again.status_code == 200
        assert "al ingevuld" in again.text
        late_post = await client.post(f"/s/{token}/p/p_intro", data={"q_contact": "2"})
        assert late_post.status_code == 303


class TestFormBodies:
    async def test_a_multipart_submission_is_read_like_a_urlencoded_one(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        posted = await client.post(
            first, files={"q_contact": (None, "1"), "_shown": (None, "q_contact")}
        )
        assert posted.status_code == 303
        stored = await response_of(session, invitation)
        assert stored.answers == {"q_contact": 1}

    async def test_too_many_fields_are_refused_and_nothing_is_saved(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        flood = [("q_contact", "1")] + [(f"x{i}", "y") for i in range(1001)]
        posted = await client.post(first, data=dict(flood))
        assert posted.status_code == 422
        assert "te veel velden" in posted.text
        assert "Traceback" not in posted.text
        stored = await response_of(session, invitation)
        assert stored.answers == {} and stored.revision == 0


class TestVersionPinning:
    async def test_started_respondents_stay_on_their_version(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        from app.samples import service as samples_service

        v1 = await publish_text(session)
        wave = await samples_service.create_wave(session, slug="w-pin", name="W")
        await samples_service.set_wave_version(
            session, wave=wave, questionnaire="mini", version_id=v1.id
        )
        early, early_token = await invite(session, settings, wave)
        late, late_token = await invite(session, settings, wave)
        await session.commit()
        await start(client, early_token)
        v2_text = MINI.replace('version: "1"', 'version: "2"').replace(
            "Hoe vaak heeft u als", "Hoe vaak had u als"
        )
        v2 = await publish_text(session, v2_text, "mini/2.yaml")
        await samples_service.set_wave_version(
            session, wave=wave, questionnaire="mini", version_id=v2.id
        )
        await session.commit()
        early_page = await client.get(f"/s/{early_token}/p/p_intro")
        assert "Hoe vaak heeft u als" in early_page.text
        await start(client, late_token)
        late_page = await client.get(f"/s/{late_token}/p/p_intro")
        assert "Hoe vaak had u als" in late_page.text
        versions = {
            r.invitation_id: r.version_id
            for r in await session.scalars(select(Response))
        }
        assert versions == {early.id: v1.id, late.id: v2.id}
        assert isinstance(
            await session.get(QuestionnaireVersion, v2.id), QuestionnaireVersion
        )


class TestTimeOnPage:
    """Paradata: time on a page runs from arrival to the first submission."""

    @staticmethod
    async def visit_of(
        session: AsyncSession, invitation: Invitation, page_id: str
    ) -> PageVisit:
        stored = await response_of(session, invitation)
        visit = await session.scalar(
            select(PageVisit).where(
                PageVisit.response_id == stored.id, PageVisit.page_id == page_id
            )
        )
        assert visit is not None
        return visit

    async def test_ten_posts_of_one_showing_record_its_time_once(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        shown_ms = int(utcnow().timestamp() * 1000) - 1500  # shown 1.5 s ago
        data = {"q_contact": "1", "_shown": "q_contact", "_t": str(shown_ms)}
        for _ in range(10):
            posted = await client.post(first, data=data)
            assert posted.status_code == 303
        visit = await self.visit_of(session, invitation, "p_intro")
        assert visit.submissions == 10
        assert 1.5 <= visit.seconds_spent < 3.0  # one interval, not ten (>15 s)

    async def test_a_page_shown_back_with_errors_keeps_its_arrival_time(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        shown_ms = int(utcnow().timestamp() * 1000) - 4000
        refused = await client.post(
            first, data={"_shown": "q_contact", "_t": str(shown_ms)}
        )
        assert refused.status_code == 422
        assert f'name="_t" value="{shown_ms}"' in refused.text
        await client.post(
            first, data={"q_contact": "1", "_shown": "q_contact", "_t": str(shown_ms)}
        )
        visit = await self.visit_of(session, invitation, "p_intro")
        assert 4.0 <= visit.seconds_spent < 6.0

    async def test_a_later_visit_adds_its_own_time(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        now_ms = int(utcnow().timestamp() * 1000)
        data = {"q_contact": "1", "_shown": "q_contact"}
        await client.post(first, data={**data, "_t": str(now_ms - 2000)})
        await client.post(first, data={**data, "_t": str(now_ms - 2000)})
        # Back on the page later: a new showing, after the last submission.
        later = int(utcnow().timestamp() * 1000) + 1
        await asyncio.sleep(0.4)
        await client.post(first, data={**data, "_t": str(later)})
        visit = await self.visit_of(session, invitation, "p_intro")
        assert visit.submissions == 3
        assert 2.3 <= visit.seconds_spent < 4.0  # 2 s, plus 0.4 s of the later visit


class TestErrorSummary:
    async def test_each_wrong_item_has_its_own_entry_and_link(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, token = await survey_with_invitation(session, settings)
        first = await start(client, token)
        r = await client.post(first, data={"q_contact": "1", "_shown": "q_contact"})
        r = await client.post(page_path(r), data={"_shown": "q_safety"})
        shown = await client.post(
            page_path(r),
            data={"q_count.online": "x", "q_count.offline": "-1", "_shown": "q_count"},
        )
        assert shown.status_code == 422
        summary = shown.text.split('id="error-summary"')[1].split("</div>")[0]
        for item in ("online", "offline"):
            assert (
                f'<a href="#f-q_count-{item}">{item.capitalize()}: '
                "vul een heel getal in tussen 0 en 99.</a>"
            ) in summary
            assert f'id="f-q_count-{item}"' in shown.text


class TestProgress:
    async def test_the_bar_moves_forward_on_every_page_when_a_block_opens(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        """A burgemeester who reports incidents: the incident block (two pages)
        opens on p_count's answer; the bar still only moves forward."""
        _, token = await survey_with_invitation(
            session, settings, function="burgemeester"
        )
        path = await start(client, token)
        answers = {
            "p_intro": {"q_contact": "1", "_shown": "q_contact"},
            "p_safety": {"_shown": "q_safety"},
            "p_count": {
                "q_count.online": "2",
                "q_count.offline": "1",
                "_shown": "q_count",
            },
            "p_severity": {"q_severity": "3", "_shown": "q_severity,q_channels"},
            "p_mayor": {"_shown": "q_mayor"},
            "p_end": {"_shown": "q_remarks"},
        }
        shares, pages = [], []
        while not path.endswith("/klaar"):
            page = await client.get(path)
            match = re.search(
                r'<progress id="progress" max="(\d+)" value="(\d+)"', page.text
            )
            assert match, path
            total, done = int(match.group(1)), int(match.group(2))
            assert f"Vraag­pagina {done + 1} van ongeveer {total}" in page.text
            shares.append(done / total)
            pages.append(path.rsplit("/", 1)[1])
            posted = await client.post(path, data=answers[pages[-1]])
            path = page_path(posted)
        assert pages == list(answers)
        assert all(a < b for a, b in itertools.pairwise(shares)), shares


ORGANISATIONS = (
    Path(__file__).resolve().parents[2] / "questionnaires/organisations/2024.yaml"
)


class TestTextsArePiped:
    """Every text a respondent sees is piped: welcome, thanks, help, pages."""

    async def test_the_organisations_welcome_names_the_organisation_escaped(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        version = await publish_text(
            session, ORGANISATIONS.read_text(), "organisations/2024.yaml"
        )
        wave = await make_wave(session, version)
        _, token = await samples_service.create_invitation(
            session,
            settings,
            wave=wave,
            questionnaire="organisations",
            attributes={
                "tier": "gemeente",
                "organisation": "Gemeente *Súdwest* <Fryslân>",
            },
        )
        await session.commit()
        page = await client.get(f"/s/{token}")
        assert page.status_code == 200
        assert "${" not in page.text
        assert "het beleid van Gemeente *Súdwest* &lt;Fryslân&gt; om" in page.text

    async def test_thanks_and_help_texts_are_piped(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        text = MINI.replace(
            "thanks: Dank u wel.", "thanks: 'Dank u wel, ${function}.'"
        ).replace(
            'url: "https://steunpunt.test"',
            'url: "https://steunpunt.test", text: "Ook voor ${function}s"',
        )
        version = await publish_text(session, text)
        wave = await make_wave(session, version)
        _, token = await invite(session, settings, wave, function="burgemeester")
        await session.commit()
        path = await start(client, token)
        for data in (
            {"q_contact": "1", "_shown": "q_contact"},
            {"_shown": "q_safety"},
            {"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
            {"_shown": "q_remarks"},
        ):
            path = page_path(await client.post(path, data=data))
        for thanks in (await client.get(path), await client.get(f"/s/{token}")):
            assert "${" not in thanks.text
            assert "Ook voor burgemeesters" in thanks.text
        assert "Dank u wel, burgemeester." in (await client.get(path)).text
