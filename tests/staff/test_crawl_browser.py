"""Every staff page, as every role, in real Chromium: no 5xx, no sideways
scrolling at 320, 390 and 1280 px, no English words on the Dutch pages.

The data is the demo's (``veldwerk demo --small``: a wave with samples,
mailings, a simulated fortnight of responses) so the crawl reaches the real
pages. Pages are found by following same-origin links from the home page,
bounded in number and in pagination depth. Text inside ``<code>``, ``<pre>``,
``<kbd>`` and code editors (ids, file names, expressions, JSON) may be
anything.
"""

from __future__ import annotations

import re
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

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
DECIMAL_POINT = re.compile(r"\b\d+\.\d{1,2} ?(?:s|%|seconden)(?!\w)")
"""'10.0 s' or '12.5%': Dutch writes a decimal comma ('10,0 s')."""

VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('code, pre, kbd, samp, textarea.code, script, style, [translate="no"]')
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

UNREACHABLE_SCROLLERS = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => {
    const style = getComputedStyle(e);
    const scrolls = (['auto', 'scroll'].includes(style.overflowX)
                     && e.scrollWidth > e.clientWidth)
                 || (['auto', 'scroll'].includes(style.overflowY)
                     && e.scrollHeight > e.clientHeight);
    const named = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
    return scrolls && e.tagName !== 'TEXTAREA'
        && !(e.tabIndex >= 0 && e.getAttribute('role') === 'region' && named);
  })
  .map(e => e.tagName.toLowerCase() + '.' + e.className)"""
"""Scroll containers a keyboard cannot reach (axe: scrollable-region-focusable)."""

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
    query = parse_qs(parts.query)
    if set(query.get("format", [])) - {"html"}:
        return True  # a file to download (PDF, spreadsheet), not a page
    pages = query.get("page", ["1"])
    return any(not p.isdigit() or int(p) > 2 for p in pages)


SAME_SHAPE = re.compile(r"(?<=/)(officials|employees|organisations|\d+)(?=/|$)")


def _key(url: str, *, by_shape: bool = False) -> tuple[str, frozenset[str], bool]:
    """Pages that differ only in query values (filters, presets) look alike:
    crawl one of each, and the second page of a listing. ``by_shape`` also
    takes one page per questionnaire or id (the other roles: the admin
    crawl has seen every one of them)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    path = SAME_SHAPE.sub("*", parts.path) if by_shape else parts.path
    return (
        path,
        frozenset(k for k, v in query.items() if k != "page" and any(v)),
        query.get("page", ["1"])[0] not in ("", "1"),
    )


def _crawl(
    page: Page, base: str, *, widths: tuple[int, ...], by_shape: bool
) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, frozenset[str], bool]] = set()
    queue: deque[str] = deque([f"{base}/staff/"])
    started = time.monotonic()
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if _key(url, by_shape=by_shape) in seen:
            continue
        seen.add(_key(url, by_shape=by_shape))
        assert time.monotonic() - started < TIME_BUDGET_SECONDS, "crawl too slow"
        page.set_viewport_size({"width": max(widths), "height": 900})
        where = url.removeprefix(base)
        try:
            response = page.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                continue  # a file, not a page
            raise
        if response is None or response.status >= 500:
            problems.append(f"{where}: {response.status if response else 'no answer'}")
            continue
        if response.status >= 400:
            problems.append(f"{where}: {response.status} (a link leads nowhere)")
        text = page.evaluate(VISIBLE_TEXT)
        leaks = sorted(set(WORDS.findall(text)))
        if leaks:
            problems.append(f"{where}: English {leaks}")
        points = sorted(set(DECIMAL_POINT.findall(text)))
        if points:
            problems.append(f"{where}: decimal points {points}")
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            size = page.evaluate(OVERFLOW)
            if size["scroll"] > size["client"]:
                problems.append(
                    f"{where}: scrolls sideways at {width} px "
                    f"({size['scroll']} > {size['client']})"
                )
            unreachable = page.evaluate(UNREACHABLE_SCROLLERS)
            if unreachable:
                problems.append(
                    f"{where}: scroll regions without keyboard access at {width} px:"
                    f" {sorted(set(unreachable))}"
                )
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "as => as.map(a => a.href)"
        ):
            target = urldefrag(href)[0]
            if _key(target, by_shape=by_shape) not in seen and not _skip(target, base):
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
                admin = role is Role.admin
                found = _crawl(
                    page, base, widths=WIDTHS if admin else (1280,), by_shape=not admin
                )
                problems += [f"{role.value} {p}" for p in found]
            finally:
                context.close()
    assert problems == [], "\n".join(problems)
