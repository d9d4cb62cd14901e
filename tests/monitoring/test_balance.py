"""R-indicators on the monitor: the live value, per day, and suggestions with
a targeted reminder audience, checked against numpy on one row per person."""

from __future__ import annotations

import datetime as dt
import html
import math
import re

import httpx
import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.monitoring.balance import nl_decimal
from app.staff.models import Role
from tests.fixtures.monitoring import create_wave, invite_contact
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio
PAGE = "/staff/monitor/miv-2024/officials"
DAY = [dt.datetime(2024, 4, d, 10, 0, tzinfo=dt.UTC) for d in (16, 17, 18)]
# function: (invited, responses on 16, 17, 18 April)
PLAN = {
    "raadslid": (20, 5, 0, 3),
    "burgemeester": (10, 6, 2, 0),
    "wethouder": (10, 0, 4, 0),
}


async def constructed(session: AsyncSession, settings: Settings) -> None:
    wave = await create_wave(session)
    number = 0
    for function, (invited, *per_day) in PLAN.items():
        statuses = [
            (DAY[d], "response") for d, k in enumerate(per_day) for _ in range(k)
        ]
        for i in range(invited):
            number += 1
            at, status = statuses[i] if i < len(statuses) else (None, "invited")
            await invite_contact(
                session,
                settings,
                wave=wave,
                name=f"Persoon {number}",
                email=f"p{number}@gemeente.test",
                function=function,
                status=status,
                response_at=at,
            )
    # not eligible: left out of the R-indicator (and of the audience)
    for i in range(2):
        await invite_contact(
            session,
            settings,
            wave=wave,
            name=f"Weg {i}",
            email=f"weg{i}@gemeente.test",
            function="raadslid",
            ineligible=True,
        )
    await session.commit()


def r_by_numpy(rates: dict[str, tuple[int, int]]) -> float:
    rho = np.concatenate([np.full(n, r / n) for n, r in rates.values()])
    return 1 - 2 * float(rho.std(ddof=1))


async def test_live_and_daily_r_and_a_suggestion_with_its_audience(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await constructed(session, settings)
    await logged_in(client, session, Role.fieldwork_manager)
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    final = {f: (p[0], sum(p[1:])) for f, p in PLAN.items()}
    r_now = r_by_numpy(final)
    shown = re.search(r'data-figure="r-indicator">([^<]+)<', page.text)
    assert shown and shown.group(1) == nl_decimal(r_now, 3)
    mean = 20 / 40
    bias = (1 - r_now) / (2 * mean)
    assert f'data-figure="max-bias">{nl_decimal(bias, 3)}<' in page.text
    # per day: responses up to the end of each day, same denominators
    days = re.findall(
        r"<tr><th scope=\"row\">(\d\d-04-2024)</th><td class=\"num\">[^<]*</td>"
        r"<td class=\"num\">([^<]+)</td></tr>",
        page.text,
    )
    by_day = dict(days)
    for d, label in enumerate(("16-04-2024", "17-04-2024", "18-04-2024")):
        cumulative = {f: (p[0], sum(p[1 : 2 + d])) for f, p in PLAN.items()}
        assert by_day[label] == nl_decimal(r_by_numpy(cumulative), 3), label
    # the worst category, with the formula's value
    raadsleden = math.sqrt(20 / 39) * (8 / 20 - mean)
    label = f"raadsleden in gemeenten: {nl_decimal(raadsleden)}"
    assert label in page.text
    assert nl_decimal(raadsleden) == "−0,07"
    link = re.search(
        r'<a href="([^"]+)" hx-boost="false">Herinnering voor deze groep', page.text
    )
    assert link
    url = html.unescape(link.group(1))
    assert "functions=raadslid" in url and "only_without_response=on" in url
    plan = await client.get(url.split("#")[0])
    assert plan.status_code == 200, plan.text
    # raadsleden without response, eligible, with an address: 20 - 8
    assert "telt nu <strong>12</strong> uitnodigingen." in plan.text
    assert 'value="raadslid" checked' in plan.text


async def test_without_response_there_is_no_r_yet(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_wave(session)
    await logged_in(client, session, Role.fieldwork_manager)
    page = await client.get(PAGE)
    assert "Nog geen R-indicator" in page.text
