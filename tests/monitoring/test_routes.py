"""The monitor pages over HTTP: roles, the HTML table, the fragment, downloads."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.monitoring.models import ReferenceCount
from app.samples.catalogue import FUNCTIONS
from app.staff.models import Role
from tests.fixtures.monitoring import (
    create_wave,
    expected_counts,
    invite,
    invite_contact,
    raw_invitations,
    spread_wave,
)
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio
PAGE = "/staff/monitor/miv-2024/officials"


class TableParser(HTMLParser):
    """Rows of one <table id=...> as lists of cell texts."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside = table_id, False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_lines(html: str, table_id: str) -> list[list[str]]:
    parser = TableParser(table_id)
    parser.feed(html)
    return parser.rows


def table_rows(html: str, table_id: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table_lines(html, table_id) if row}


def pct(numerator: int, denominator: int) -> str:
    return f"{round(numerator / denominator * 100)}%" if denominator else "–"


async def reference_cells(session: AsyncSession) -> int:
    await session.rollback()  # a fresh snapshot: the app committed meanwhile
    return int(
        await session.scalar(select(func.count()).select_from(ReferenceCount)) or 0
    )


async def as_manager(client: httpx.AsyncClient, session: AsyncSession) -> str:
    _, csrf = await logged_in(client, session, Role.fieldwork_manager)
    return csrf


class TestAccess:
    @pytest.mark.parametrize("role", [Role.analyst, Role.researcher])
    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        await create_wave(session)
        await logged_in(client, session, role)
        for path in (
            "/staff/monitor",
            PAGE,
            f"{PAGE}/figures",
            f"{PAGE}/download",
            f"{PAGE}/reference",
        ):
            response = await client.get(path)
            assert response.status_code == 403, path
            assert "veldwerkmanager" in response.text

    async def test_anonymous_is_sent_to_login(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/staff/monitor")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login")

    async def test_unknown_wave_or_questionnaire_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        await as_manager(client, session)
        assert (await client.get("/staff/monitor/nope/officials")).status_code == 404
        assert (await client.get("/staff/monitor/miv-2024/unknown")).status_code == 404
        assert (await client.get(f"{PAGE}/download?table=nope")).status_code == 404
        assert (await client.get(f"{PAGE}/download?sep=tab")).status_code == 422


class TestMonitorPage:
    async def test_html_table_equals_the_raw_counts(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await spread_wave(session, settings)
        await as_manager(client, session)
        response = await client.get(PAGE)
        assert response.status_code == 200, response.text
        rows = table_rows(response.text, "table-main")
        raw = await raw_invitations(session, wave=wave)
        for code, function in FUNCTIONS.items():
            e = expected_counts(raw, function=code)
            assert rows[function.plural] == [
                str(e.invited),
                str(e.mailed),
                str(e.undeliverable),
                str(e.opted_out),
                str(e.ineligible),
                str(e.started),
                str(e.response),
                str(e.complete),
                pct(e.response, e.invited),
                pct(e.complete, e.response),
            ], code
        assert rows["CvK"][8] == "–"  # nobody invited: no division by zero
        assert "gedeeld door alle uitgenodigden" in response.text
        assert "RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))" in response.text
        assert "Onbestelbaar telt als onbekende geschiktheid" in response.text

    async def test_no_identity_reaches_the_page_or_downloads(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await invite_contact(
            session,
            settings,
            wave=wave,
            name="Jan Jansen",
            email="jan.jansen@gemeente.nl",
            function="burgemeester",
            status="complete",
            organisation="Gemeente Nergenshuizen",
        )
        await session.commit()
        await as_manager(client, session)
        pages = [await client.get(PAGE), await client.get(f"{PAGE}/figures")]
        for table in ("main", "split", "dispositions", "composition", "curve"):
            pages.append(await client.get(f"{PAGE}/download?table={table}"))
        for response in pages:
            assert response.status_code == 200
            for secret in ("Jan Jansen", "jan.jansen", "Nergenshuizen"):
                assert secret not in response.text

    async def test_fragment_is_only_the_figures_and_polls(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        await as_manager(client, session)
        response = await client.get(
            f"{PAGE}/figures?curve=tier", headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'id="monitor-figures"' in response.text
        assert 'hx-trigger="every 10000ms"' in response.text
        assert f'hx-get="{PAGE}/figures?curve=tier"' in response.text
        assert response.headers["HX-Replace-Url"] == f"{PAGE}?curve=tier"
        assert '<option value="tier" selected>' in response.text

    async def test_curve_grouping_works_without_javascript(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await invite(session, settings, wave=wave, function="cdk", status="response")
        await session.commit()
        await as_manager(client, session)
        response = await client.get(f"{PAGE}?curve=tier")
        assert "Cumulatieve respons per dag, naar bestuurslaag" in response.text
        assert '<title id="curve-title">' in response.text
        curve = table_rows(response.text, "table-curve")
        assert curve["16 apr"][:4] == [
            "0",
            "–",
            "1",
            "100%",
        ]  # gemeente (none), provincie

    async def test_a_wave_without_dates_or_invitations_renders(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(
            session,
            slug="leeg",
            opens_on=None,
            closes_on=None,
            questionnaires=("employees",),
        )
        await as_manager(client, session)
        response = await client.get("/staff/monitor/leeg/employees")
        assert response.status_code == 200
        rows = table_rows(response.text, "table-main")
        assert rows["Totaal"][0] == "0" and rows["Totaal"][8] == "–"
        index = await client.get("/staff/monitor")
        assert 'href="/staff/monitor/leeg/employees"' in index.text


class TestDownloads:
    async def test_csv_has_the_rows_and_columns_of_the_page(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await spread_wave(session, settings)
        await as_manager(client, session)
        lines = table_lines((await client.get(PAGE)).text, "table-main")
        body = lines[2:]  # two header rows: column groups, then columns
        response = await client.get(f"{PAGE}/download?table=main&sep=semicolon")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        disposition = response.headers["content-disposition"]
        assert 'attachment; filename="monitor_miv-2024_officials_main_' in disposition
        assert response.content.startswith(b"\xef\xbb\xbf")
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert rows[0][:3] == ["Groep", "Veldwerk - Uitgenodigd", "Veldwerk - Gemaild"]
        assert len(rows[0]) == len(lines[1])
        assert [r[0] for r in rows[1:]] == [line[0] for line in body]
        for row, shown in zip(rows[1:], body, strict=True):
            if len(shown) == 1:  # a heading row: label only
                assert set(row[1:]) == {""}
                continue
            counts = [c.replace("\u202f", "") for c in shown[1:9]]
            # the same counts, except that cells below k are not downloaded
            k = settings.disclosure_k
            assert row[1:9] == [c if not 0 < int(c) < k else f"<{k}" for c in counts]

    async def test_suppressed_download(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        for status in ("complete", "invited", "invited"):
            await invite(session, settings, wave=wave, function="cdk", status=status)
        await session.commit()
        await as_manager(client, session)
        response = await client.get(
            f"{PAGE}/download?table=main&sep=comma&suppress=true"
        )
        rows = {
            r[0]: r
            for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        }
        assert rows["CvK"][1] == "<5" and rows["CvK"][9] == "x"
        assert rows["Burgemeesters"][1] == "0"
        # no download shows cells below k (disclosure control, issue 17)
        plain = await client.get(f"{PAGE}/download?table=main&sep=comma")
        rows = {
            r[0]: r for r in csv.reader(io.StringIO(plain.content.decode("utf-8-sig")))
        }
        assert rows["CvK"][1] == "<5" and rows["CvK"][9] == "x"


class TestReferencePages:
    async def test_load_table_4_3_from_the_page(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        csrf = await as_manager(client, session)
        response = await client.post(
            f"{PAGE}/reference/shipped",
            data={"name": "table_4_3_2022", "csrf_token": csrf},
        )
        assert response.status_code == 303
        page = await client.get(PAGE)
        rows = table_rows(page.text, "table-main")
        assert rows["Burgemeesters"][10:13] == ["344", "146", "42%"]
        assert rows["Totaal gemeente"][10:13] == ["10\u202f167", "2\u202f674", "26%"]

    async def test_a_bad_upload_is_refused_with_lines_and_loads_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        csrf = await as_manager(client, session)
        bad = "bestuurslaag;functie;uitgenodigd;respons\ngemeente;burgemeester;300;140\ngemeente;wethouderr;10;1\n"
        response = await client.post(
            f"{PAGE}/reference/upload",
            data={"edition": "2020", "csrf_token": csrf},
            files={"file": ("2020.csv", bad.encode(), "text/csv")},
        )
        assert response.status_code == 422
        assert "regel 3: onbekende functie &#39;wethouderr&#39;" in response.text
        assert await reference_cells(session) == 0
        good = bad.replace("wethouderr", "wethouder")
        response = await client.post(
            f"{PAGE}/reference/upload",
            data={"edition": "2020", "csrf_token": csrf},
            files={"file": ("2020.csv", good.encode("cp1252"), "text/csv")},
        )
        assert response.status_code == 303
        assert await reference_cells(session) == 2

    async def test_enter_an_edition_in_the_form_then_delete_it(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        csrf = await as_manager(client, session)
        form = {
            "csrf_token": csrf,
            "edition": "2018",
            "invited__gemeente__burgemeester": "350",
            "responses__gemeente__burgemeester": "170",
            "responses__provincie__cdk": "6",
        }
        assert (
            await client.post(f"{PAGE}/reference/form", data=form)
        ).status_code == 303
        page = await client.get(f"{PAGE}?edition=2018")
        rows = table_rows(page.text, "table-main")
        assert rows["Burgemeesters"][10:12] == ["350", "170"]
        assert rows["CvK"][10:13] == ["–", "6", "–"]
        edit = await client.get(f"{PAGE}/reference?edition=2018")
        assert (
            'name="invited__gemeente__burgemeester" aria-label="Gemeente: Burgemeesters: uitgenodigd" value="350"'
            in edit.text
        )
        response = await client.post(
            f"{PAGE}/reference/2018/delete", data={"csrf_token": csrf}
        )
        assert response.status_code == 303
        assert await reference_cells(session) == 0

    async def test_forms_need_the_csrf_token(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        await as_manager(client, session)
        response = await client.post(
            f"{PAGE}/reference/shipped", data={"name": "table_4_3_2022"}
        )
        assert response.status_code == 403
        assert await reference_cells(session) == 0


class TestEligibility:
    async def test_find_by_address_and_mark_not_eligible(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        shared = "college@gemeente.nl"  # a general address serving mayor and alderman
        mayor = await invite_contact(
            session,
            settings,
            wave=wave,
            name="A",
            email=shared,
            function="burgemeester",
        )
        await invite_contact(
            session, settings, wave=wave, name="B", email=shared, function="wethouder"
        )
        await session.commit()
        csrf = await as_manager(client, session)
        found = await client.get(
            f"{PAGE}/eligibility", params={"q": "College@Gemeente.nl"}
        )
        assert found.status_code == 200
        assert f"#{mayor.id}" in found.text and "Wethouder" in found.text
        empty = await client.post(
            f"{PAGE}/eligibility/{mayor.id}",
            data={"action": "ineligible", "reason": " ", "csrf_token": csrf},
        )
        assert empty.status_code == 422
        marked = await client.post(
            f"{PAGE}/eligibility/{mayor.id}",
            data={
                "action": "ineligible",
                "reason": "niet meer in functie",
                "csrf_token": csrf,
            },
        )
        assert marked.status_code == 303
        dispositions = table_rows((await client.get(PAGE)).text, "table-dispositions")
        assert dispositions["Burgemeesters"][8] == "1"  # NE 4.0
        assert dispositions["Burgemeesters"][9] == "–"  # RR1 without eligible cases
        listed = await client.get(f"{PAGE}/eligibility")
        assert "niet meer in functie" in listed.text
        undo = await client.post(
            f"{PAGE}/eligibility/{mayor.id}",
            data={"action": "eligible", "csrf_token": csrf},
        )
        assert undo.status_code == 303
        dispositions = table_rows((await client.get(PAGE)).text, "table-dispositions")
        assert dispositions["Burgemeesters"][8] == "0"

    async def test_an_invitation_of_another_wave_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        other = await create_wave(session, slug="miv-2026")
        stranger = await invite(session, settings, wave=other, function="burgemeester")
        await session.commit()
        csrf = await as_manager(client, session)
        response = await client.post(
            f"{PAGE}/eligibility/{stranger.id}",
            data={"action": "ineligible", "reason": "weg", "csrf_token": csrf},
        )
        assert response.status_code == 404
        search = await client.get(f"{PAGE}/eligibility", params={"q": str(stranger.id)})
        assert "Geen uitnodiging gevonden" in search.text
