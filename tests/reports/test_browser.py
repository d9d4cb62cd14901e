"""The report tables page and the factsheet in a real Chromium, without JavaScript.

An analyst opens the tables of the demo wave from the navigation, the page has
no serious accessibility violations (axe-core), the factsheet page names its
headline, and the downloaded PDF's text contains that headline sentence.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.config import PROJECT_ROOT, Settings
from app.demo import service as demo_service
from app.samples import demo_frame
from app.staff.models import Role
from tests.fixtures.browser import axe_violations, live_server, run_async
from tests.fixtures.staff import PASSWORD, create_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _arrange(settings: Settings) -> None:
    demo_settings = settings.model_copy(
        update={"questionnaires_dir": PROJECT_ROOT / "questionnaires"}
    )

    async def work(session):  # type: ignore[no-untyped-def]
        await demo_service.build(session, demo_settings, size=demo_frame.SMALL)
        await create_staff(session, role=Role.analyst, email="analist@veldwerk.test")

    run_async(settings, work)


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#email", "analist@veldwerk.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_analyst_opens_tables_and_downloads_the_factsheet_pdf(
    browser: Browser, browser_settings: Settings, tmp_path: Path
) -> None:
    _arrange(browser_settings)
    # No JavaScript: everything must work as plain links and forms.
    context = browser.new_context(
        accept_downloads=True, locale="nl-NL", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    with live_server(browser_settings) as base:
        _log_in(page, base)
        page.click("nav >> text=Rapporttabellen")
        page.select_option("#wave", "mis2024")
        page.click("text=Kiezen")
        page.select_option("#questionnaire", "officials")
        page.click("text=Kiezen")
        expect(page.locator("table#tabel-tabel-2-2 caption")).to_contain_text(
            "Tabel 2.2"
        )
        assert page.locator("table.report").count() >= 20
        assert page.locator("svg.report-chart title").count() >= 10

        page.click("text=Provincies: >> a:has-text('bekijken')")
        headline = page.locator(".fs-headline").inner_text()
        assert headline.startswith("In 2024 kre")

        page.go_back()
        with page.expect_download() as info:
            page.click("text=Provincies: >> a:has-text('PDF downloaden')")
        pdf = tmp_path / "factsheet.pdf"
        info.value.save_as(pdf)
    context.close()
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert " ".join(headline.split()) in " ".join(text.split())


def test_tables_and_factsheet_pages_pass_axe(
    browser: Browser, browser_settings: Settings
) -> None:
    _arrange(browser_settings)
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    with live_server(browser_settings) as base:
        _log_in(page, base)
        page.goto(f"{base}/staff/reports?wave=mis2024&questionnaire=officials")
        expect(page.locator("h1")).to_have_text("Rapporttabellen en factsheets")
        assert axe_violations(page) == []
        page.goto(
            f"{base}/staff/reports/factsheet?wave=mis2024&questionnaire=officials&tier=gemeente"
        )
        expect(page.locator("h1")).to_be_visible()
        assert axe_violations(page) == []
    context.close()
