"""Every respondent page fits a phone: real Chromium at 320, 390 and 1280 px.

Walks each 2024 questionnaire as a scripted respondent (the forms come from
``tests/questionnaires/respondents.py``; the server routes them as it would a
browser's), and measures each page, the welcome, thank-you and "already
completed" pages at each width: no sideways scrolling of the document, no
question whose content runs out of its card, a 1–7 scale on one line, and
every table inside a focusable, labelled scroll region.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page

from app.config import Settings
from app.samples import service as samples_service
from tests.fixtures.browser import live_server, run_async
from tests.fixtures.surveys import MINI, make_wave, publish_text
from tests.questionnaires.respondents import FILES, load, random_walk
from tests.questionnaires.test_monitor_questionnaires import random_attributes

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
EDITIONS = [key for key in sorted(FILES) if key[1] == "2024"]
LONG_URL = "https://www.example.nl/" + "ondersteuning-bij-agressie-en-intimidatie/" * 4

MEASURE = """() => {
  const doc = document.documentElement;
  const problems = [];
  if (doc.scrollWidth > doc.clientWidth) {
    const wide = [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1
                   && !e.closest('[role=region]'))
      .slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id);
    problems.push(`page ${doc.scrollWidth} > ${doc.clientWidth}: ${wide}`);
  }
  for (const card of document.querySelectorAll('.question, .card, .info-block')) {
    if (card.scrollWidth > card.clientWidth + 1) {
      problems.push(`card ${card.id || card.className} ${card.scrollWidth} > ${card.clientWidth}`);
    }
  }
  for (const scale of document.querySelectorAll('.scale-points')) {
    const tops = new Set([...scale.children].map(c => Math.round(c.getBoundingClientRect().top)));
    if (scale.children.length <= 11 && tops.size > 1) {
      problems.push(`scale ${scale.parentElement.id} on ${tops.size} lines`);
    }
  }
  for (const table of document.querySelectorAll('main table')) {
    const region = table.closest('[role=region]');
    if (!region || region.getAttribute('tabindex') !== '0' || !region.getAttribute('aria-label')) {
      problems.push(`table in ${table.closest('[id]')?.id} not in a focusable labelled region`);
    }
  }
  return problems;
}"""


def measured(page: Page, where: str) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        problems += [f"{where} @{width}: {p}" for p in page.evaluate(MEASURE)]
    return problems


def _invite(settings: Settings, key: tuple[str, str], attributes: dict) -> str:
    questionnaire, version = key
    text = FILES[key].read_text()

    async def work(session) -> str:  # type: ignore[no-untyped-def]
        published = await publish_text(session, text, f"{questionnaire}/{version}.yaml")
        wave = await make_wave(session, published, slug=f"w-{questionnaire}")
        _, token = await samples_service.create_invitation(
            session,
            settings,
            wave=wave,
            questionnaire=questionnaire,
            attributes=attributes,
        )
        return token

    return run_async(settings, work)


def _post(page: Page, url: str, form: dict[str, list[str]]) -> None:
    answer = page.request.post(
        url,
        data=urlencode(form, doseq=True),
        headers={"content-type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert answer.status == 303, (url, answer.status, answer.text()[:500])


@pytest.mark.parametrize("key", EDITIONS, ids=lambda k: k[0])
def test_every_page_of_a_route_fits_320_390_and_1280_px(
    key: tuple[str, str], browser_settings: Settings, browser_page: Page
) -> None:
    rng = random.Random(20)
    attributes = random_attributes(key[0], rng)
    if key[0] == "officials":
        attributes = random_attributes(key[0], random.Random(2))
    walk = random_walk(load(*key), attributes, rng)
    token = _invite(browser_settings, key, attributes)
    page = browser_page
    problems: list[str] = []
    with live_server(browser_settings) as base:
        page.goto(f"{base}/s/{token}")
        problems += measured(page, "welcome")
        _post(page, f"{base}/s/{token}", {})
        for page_id, form in zip(walk.pages, walk.forms, strict=True):
            url = f"{base}/s/{token}/p/{page_id}"
            page.goto(url)
            assert page.url == url, (page.url, url)
            problems += measured(page, page_id)
            _post(page, url, {**form, "nav": ["next"]})
        page.goto(f"{base}/s/{token}/klaar")
        problems += measured(page, "thanks")
        page.goto(f"{base}/s/{token}")
        problems += measured(page, "completed")
    assert problems == [], "\n".join(problems)


def test_long_addresses_wrap_and_a_page_with_errors_fits(
    browser_settings: Settings, browser_page: Page
) -> None:
    text = MINI.replace('url: "https://steunpunt.test"', f'url: "{LONG_URL}"').replace(
        "thanks: Dank u wel.", f"thanks: 'Dank u wel. Meer op {LONG_URL}'"
    )

    async def work(session) -> str:  # type: ignore[no-untyped-def]
        published = await publish_text(session, text)
        wave = await make_wave(session, published)
        _, token = await samples_service.create_invitation(
            session, browser_settings, wave=wave, questionnaire="mini",
            attributes={"tier": "gemeente", "function": "raadslid"},
        )  # fmt: skip
        return token

    token = run_async(browser_settings, work)
    page = browser_page
    problems: list[str] = []
    with live_server(browser_settings) as base:
        s = f"{base}/s/{token}"
        _post(page, s, {})
        _post(page, f"{s}/p/p_intro", {"q_contact": ["1"]})
        _post(page, f"{s}/p/p_safety", {})
        page.goto(f"{s}/p/p_count")
        page.set_viewport_size({"width": 320, "height": 800})
        page.get_by_label("Online").fill("veel")
        page.get_by_label("Offline").fill("-1")
        page.get_by_role("button", name="Volgende").click()
        page.locator("#error-summary").wait_for()
        problems += measured(page, "errors")
        _post(
            page, f"{s}/p/p_count", {"q_count.online": ["0"], "q_count.offline": ["0"]}
        )
        _post(page, f"{s}/p/p_end", {})
        page.goto(f"{s}/klaar")
        assert LONG_URL in page.content()
        problems += measured(page, "thanks")
        page.goto(s)
        problems += measured(page, "completed")
    assert problems == [], "\n".join(problems)
