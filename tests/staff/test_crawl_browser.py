"""Every staff page, as every role, in real Chromium: no 5xx, no sideways
scrolling at 320, 390 and 1280 px, no English words on the Dutch pages.

The data is the demo's (``veldwerk demo --small``: a wave with samples,
mailings, a simulated fortnight of responses) so the crawl reaches the real
pages. Pages are found by following same-origin links from the home page,
bounded in number and in pagination depth. Text inside ``<code>``, ``<pre>``
and ``<kbd>`` (ids, file names, expressions) may be anything.
"""

from __future__ import annotations

import re
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from app.config import PROJECT_ROOT, Settings
from app.demo import service as demo_service
from app.samples import demo_frame
from app.staff.models import Role
from tests.fixtures.browser import live_server, run_async

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
MAX_PAGES_PER_ROLE = 70
TIME_BUDGET_SECONDS = 150

ENGLISH = [
    "Waves", "Wave", "wave", "waves", "Exports", "Mailings", "mailings",
    "officials", "employees", "organisations",
    "added", "reworded", "removed", "changed", "option_added", "option_removed",
    "block", "page", "option", "question", "questions",
    "Save", "Cancel", "Submit", "Delete", "Download", "Edit", "Search", "Settings",
    "scheduled", "draft", "paused", "pending", "sent", "failed", "skipped",
    "invitation", "reminder", "True", "False", "None", "null",
]  # fmt: skip
WORDS = re.compile(r"\b(" + "|".join(map(re.escape, ENGLISH)) + r")\b")

VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('code, pre, kbd, samp, script, style, [translate="no"]')
      .forEach(e => e.remove());
  const text = [body.innerText];
  body.querySelectorAll('[aria-label], [title], [placeholder], option')
      .forEach(e => text.push(e.getAttribute('aria-label') || '',
                              e.getAttribute('title') || '',
                              e.getAttribute('placeholder') || ''));
  return text.join('\\n');
}"""

OVERFLOW = """() => {
  const root = document.scrollingElement || document.documentElement;
  return {scroll: root.scrollWidth, client: root.clientWidth};
}"""

ROLES = {
    Role.admin: "beheer@veldwerk.test",
    Role.researcher: "onderzoek@veldwerk.test",
    Role.fieldwork_manager: "veldwerk@veldwerk.test",
    Role.analyst: "analyse@veldwerk.test",
}


@pytest.fixture
def browser_settings_overrides() -> dict[str, Any]:
    return {"questionnaires_dir": PROJECT_ROOT / "questionnaires"}


def _skip(url: str, base: str) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return True
    path = parts.path
    if not path.startswith("/staff") or path.startswith("/staff/logout"):
        return True
    if path.endswith((".csv", "/html", "/download", ".xlsx", ".json")):
        return True
    if path.endswith(("/document", "/diff/document")):
        return True  # printable documents (PDF, Word, print HTML) have their own tests
    pages = parse_qs(parts.query).get("page", ["1"])
    return any(not p.isdigit() or int(p) > 2 for p in pages)


def _crawl(page: Page, base: str, *, widths: tuple[int, ...]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    queue: deque[str] = deque([f"{base}/staff/"])
    started = time.monotonic()
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        assert time.monotonic() - started < TIME_BUDGET_SECONDS, "crawl too slow"
        page.set_viewport_size({"width": max(widths), "height": 900})
        response = page.goto(url, wait_until="domcontentloaded")
        where = url.removeprefix(base)
        if response is None or response.status >= 500:
            problems.append(f"{where}: {response.status if response else 'no answer'}")
            continue
        if response.status >= 400:
            problems.append(f"{where}: {response.status} (a link leads nowhere)")
        leaks = sorted(set(WORDS.findall(page.evaluate(VISIBLE_TEXT))))
        if leaks:
            problems.append(f"{where}: English {leaks}")
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            size = page.evaluate(OVERFLOW)
            if size["scroll"] > size["client"]:
                problems.append(
                    f"{where}: scrolls sideways at {width} px "
                    f"({size['scroll']} > {size['client']})"
                )
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "as => as.map(a => a.href)"
        ):
            target = urldefrag(href)[0]
            if target not in seen and not _skip(target, base):
                queue.append(target)
    assert len(seen) > 3, seen
    return problems


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#email", email)
    page.fill("#password", demo_service.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_every_staff_page_as_every_role(
    browser: Browser, browser_settings: Settings
) -> None:
    run_async(
        browser_settings,
        lambda session: demo_service.build(
            session, browser_settings, size=demo_frame.SMALL
        ),
    )
    problems: list[str] = []
    with live_server(browser_settings) as base:
        for role, email in ROLES.items():
            context = browser.new_context(locale="nl-NL")
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                _log_in(page, base, email)
                # Every page is measured at every width as the admin (who
                # reaches them all); the other roles check status and words.
                widths = WIDTHS if role is Role.admin else (1280,)
                problems += [
                    f"{role.value} {p}" for p in _crawl(page, base, widths=widths)
                ]
            finally:
                context.close()
    assert problems == [], "\n".join(problems)
