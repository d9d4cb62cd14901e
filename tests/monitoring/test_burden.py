"""Break-off and burden on a constructed wave of scripted respondents.

Respondents go through the real respondent pages (HTTP, both databases) and
stop at known pages; each form carries a shown-at stamp set a known number of
seconds back, so page times are known. The funnel, shares and times are
compared with an independent count written out in the test (Python's
``statistics``, not numpy).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.monitoring import burden_data
from app.monitoring.burden import PageInfo, Trace, build_report
from app.responses.models import PageVisit, Response
from app.staff.models import Role
from tests.fixtures.paradata import PAGE_OF, SCRIPTS, STOPS, scripted_wave
from tests.fixtures.staff import logged_in
from tests.fixtures.surveys import make_wave, publish_text

pytestmark = pytest.mark.asyncio


def expected() -> dict[str, dict[str, object]]:
    """The independent count: reached, left, times per page from the scripts."""
    order = ["p_intro", "p_safety", "p_count", "p_severity", "p_mayor", "p_end"]
    out: dict[str, dict[str, object]] = {
        p: {"reached": 0, "left": 0, "times": [], "paused": 0} for p in order
    }
    for i, script in enumerate(SCRIPTS):
        for name, seconds in script:
            page = out[PAGE_OF[name.partition("#")[0]]]
            page["reached"] += 1  # type: ignore[operator]
            if seconds > 1800:
                page["paused"] += 1  # type: ignore[operator]
            else:
                page["times"].append(seconds)  # type: ignore[union-attr]
        if i in STOPS:
            out[STOPS[i]]["reached"] += 1  # type: ignore[operator]
            out[STOPS[i]]["left"] += 1  # type: ignore[operator]
    return out


def p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


async def test_funnel_and_times_equal_an_independent_count(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave = await scripted_wave(client, session, settings)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    [entry] = await burden_data.burden_by_version(
        session, wave=wave, questionnaire="mini", now=later
    )
    report = entry.report
    assert (report.started, report.complete, report.left, report.busy) == (
        8,
        4,
        4,
        0,
    )
    want = expected()
    for page in report.pages:
        e = want[page.page.id]
        assert page.reached == e["reached"], page.page.id
        assert page.left == e["left"], page.page.id
        assert page.paused == e["paused"], page.page.id
        times: list[float] = e["times"]  # type: ignore[assignment]
        assert len(page.times) == len(times), page.page.id
        if times:
            assert page.median_seconds == pytest.approx(
                statistics.median(times), abs=1.0
            )
            assert page.p90_seconds == pytest.approx(p90(times), abs=1.0)
    shares = {p.page.id: p.left_share for p in report.pages}
    assert shares["p_intro"] == pytest.approx(1 / 8)
    assert shares["p_safety"] == pytest.approx(1 / 7)
    assert shares["p_count"] == pytest.approx(1 / 6)
    assert shares["p_severity"] == pytest.approx(1 / 3)
    assert [p.page.id for p in report.by_break_off()] == [
        "p_severity",
        "p_count",
        "p_safety",
        "p_intro",
    ]
    assert report.still_in() == [8, 7, 6, 5, 4, 4]
    # The double submit counts its first submit: 33 s, not 66 s.
    safety = next(p for p in report.pages if p.page.id == "p_safety")
    assert max(safety.times) < 52
    routes = {r.label: r for r in report.routes}
    assert set(routes) == {"Zonder optionele blokken", "Met b_incident"}
    plain = routes["Zonder optionele blokken"]
    assert plain.complete == 2 and plain.excluded == 0
    assert plain.median_seconds == pytest.approx(
        statistics.median([10 + 15 + 25 + 5, 16 + 21 + 19 + 7]), abs=2.0
    )
    victims = routes["Met b_incident"]
    assert victims.complete == 2
    assert victims.median_seconds == pytest.approx(
        statistics.median([12 + 50 + 20 + 60 + 8, 14 + 33 + 18 + 45 + 6]), abs=2.0
    )


async def test_recent_incomplete_responses_are_busy_not_left(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave = await scripted_wave(client, session, settings)
    [entry] = await burden_data.burden_by_version(
        session, wave=wave, questionnaire="mini"
    )
    assert (entry.report.left, entry.report.busy) == (0, 4)
    # One response saved 25 hours ago has now left.
    first = await session.scalar(select(Response.id).order_by(Response.id).limit(1))
    await session.execute(
        update(Response)
        .where(Response.id == first)
        .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    )
    await session.commit()
    [entry] = await burden_data.burden_by_version(
        session, wave=wave, questionnaire="mini"
    )
    assert (entry.report.left, entry.report.busy) == (1, 3)
    assert entry.report.pages[0].left == 1


async def test_double_submit_keeps_the_first_submit(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await scripted_wave(client, session, settings)
    visits = (
        await session.scalars(select(PageVisit).where(PageVisit.submissions == 2))
    ).all()
    assert len(visits) == 1
    [visit] = visits
    assert visit.first_submitted_at is not None and visit.submitted_at is not None
    assert visit.submitted_at - visit.first_submitted_at >= dt.timedelta(seconds=0.9)
    seconds = (visit.first_submitted_at - visit.first_shown_at).total_seconds()
    assert seconds == pytest.approx(33, abs=1.0)


async def test_pure_core_on_hand_made_traces() -> None:
    pages = [
        PageInfo("a", "A", "b1", "B1", False, (("q1", "Vraag 1"),)),
        PageInfo("b", "B", "b2", "Incident", True, (("q2", "Vraag 2"),)),
        PageInfo("c", "C", "b3", "Slot", False, (("q3", "Vraag 3"),)),
    ]
    now = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    old = now - dt.timedelta(days=3)
    traces = [
        Trace(True, old, ("a", "b", "c"), None, {"a": 10, "b": 20, "c": 30}),
        Trace(True, old, ("a", "c"), None, {"a": 5, "c": 3000}),  # paused on c
        Trace(False, old, ("a",), "b", {"a": 7}),
        Trace(False, now, (), "a", {}),  # busy
    ]
    report = build_report(version_label="1", pages=pages, traces=traces, now=now)
    a, b, c = report.pages
    assert (a.reached, a.left, a.busy) == (4, 0, 1)
    assert (b.reached, b.left) == (2, 1) and b.left_share == 0.5
    assert (c.reached, c.paused, c.times) == (2, 1, [30])
    assert a.median_seconds == 7 and a.p90_seconds == pytest.approx(9.4)
    routes = {r.label: r for r in report.routes}
    assert routes["Met Incident"].totals == [60]
    assert routes["Zonder optionele blokken"].excluded == 1


class TestPage:
    @pytest.mark.parametrize("role", [Role.fieldwork_manager, Role.researcher])
    async def test_page_and_csv_show_the_funnel(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        role: Role,
    ) -> None:
        await scripted_wave(client, session, settings)
        await session.execute(
            update(Response).values(
                updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
            )
        )
        await session.commit()
        await logged_in(client, session, role)
        page = await client.get("/staff/monitor/w2024/mini/uitval")
        assert page.status_code == 200, page.text
        assert "Uitval en belasting" in page.text
        assert "<svg" in page.text and 'role="img"' in page.text
        assert "8 gestart, 4 afgerond, 4 gestopt, 0 nog bezig." in page.text
        assert "33,3%" in page.text  # p_severity: 1 of 3
        download = await client.get("/staff/monitor/w2024/mini/uitval/download")
        assert download.status_code == 200
        rows = list(
            csv.reader(io.StringIO(download.text.lstrip("\ufeff")), delimiter=";")
        )
        assert rows[0][:6] == [
            "Versie",
            "Pagina",
            "Titel",
            "Vragen",
            "Bereikt",
            "Gestopt",
        ]
        assert [r[1] for r in rows[1:5]] == [
            "p_severity",
            "p_count",
            "p_safety",
            "p_intro",
        ]
        assert rows[1][6] == "33,3"

    async def test_analyst_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        version = await publish_text(session)
        await make_wave(session, version)
        await session.commit()
        await logged_in(client, session, Role.analyst)
        assert (await client.get("/staff/monitor/w2024/mini/uitval")).status_code == 403
