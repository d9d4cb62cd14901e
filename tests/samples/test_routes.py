"""The samples staff pages over HTTP, on both databases: uploads with CSRF, the
error report, draws, summaries, panel links, purge, and who may see contact data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.questionnaires.models import QuestionnaireVersion
from app.samples import demo_frame
from app.samples import service as samples_service
from app.samples.design import preset
from app.samples.models import Contact, Frame, FrameRejection, Invitation, Sample, Wave
from app.staff.models import AuditEvent, Role
from tests.fixtures.samples import (
    create_wave,
    csv_bytes,
    draw,
    import_bytes,
    import_demo,
    official,
)
from tests.fixtures.staff import logged_in
from tests.samples import hostile_xlsx

pytestmark = pytest.mark.asyncio


async def _count(session: AsyncSession, model: type) -> int:
    await session.commit()  # end the read snapshot: see what the app committed
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def _upload(
    client: httpx.AsyncClient, csrf: str, data: bytes, *, name: str = "adressen.csv",
    kind: str = "officials", slug: str = "miv-2024",
) -> httpx.Response:  # fmt: skip
    return await client.post(
        f"/staff/waves/{slug}/frames",
        data={"csrf_token": csrf, "kind": kind, "name": ""},
        files={"file": (name, data, "text/csv")},
    )


class TestWaves:
    async def test_manager_creates_a_wave_with_its_questionnaires(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        response = await client.post(
            "/staff/waves",
            data={
                "csrf_token": csrf, "slug": "miv-2024", "name": "Monitor 2024",
                "opens_on": "2024-04-16", "closes_on": "2024-05-21",
                "questionnaires": ["officials", "organisations"],
            },
        )  # fmt: skip
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/waves/miv-2024"
        page = await client.get("/staff/waves/miv-2024")
        assert page.status_code == 200
        assert "Monitor 2024" in page.text
        assert "organisations" in page.text and "officials" in page.text
        for part in (
            "/staff/waves/miv-2024/mailings",
            "/staff/monitor/miv-2024/officials",
        ):
            assert f'href="{part}"' in page.text
            assert (await client.get(part)).status_code == 200
        await session.commit()
        wave = await session.scalar(select(Wave))
        assert wave is not None and str(wave.opens_on) == "2024-04-16"

    async def test_form_without_csrf_token_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await logged_in(client, session, Role.fieldwork_manager)
        response = await client.post("/staff/waves", data={"slug": "x-1", "name": "X"})
        assert response.status_code == 403
        assert await _count(session, Wave) == 0

    async def test_bad_slug_and_reversed_dates_are_explained(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        bad = await client.post(
            "/staff/waves", data={"csrf_token": csrf, "slug": "Miv 2024!", "name": "X"}
        )
        assert bad.status_code == 422
        assert "kleine letters" in bad.text
        reversed_ = await client.post(
            "/staff/waves",
            data={"csrf_token": csrf, "slug": "miv", "name": "X",
                  "opens_on": "2024-05-21", "closes_on": "2024-04-16"},
        )  # fmt: skip
        assert reversed_.status_code == 422
        assert await _count(session, Wave) == 0

    async def test_researcher_sees_waves_but_cannot_create_one(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.researcher)
        page = await client.get("/staff/waves")
        assert page.status_code == 200 and "miv-2024" in page.text
        assert "Nieuwe wave" not in page.text
        refused = await client.post(
            "/staff/waves", data={"csrf_token": csrf, "slug": "x-2", "name": "X"}
        )
        assert refused.status_code == 403

    async def test_manager_extends_the_fieldwork_window(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        response = await client.post(
            "/staff/waves/miv-2024",
            data={"csrf_token": csrf, "name": "MIV 2024", "opens_on": "2024-04-16",
                  "closes_on": "2024-05-31"},
        )  # fmt: skip
        assert response.status_code == 303
        await session.commit()
        wave = await session.scalar(select(Wave))
        assert wave is not None
        assert (wave.name, str(wave.closes_on)) == ("MIV 2024", "2024-05-31")
        wrong = await client.post(
            "/staff/waves/miv-2024",
            data={"csrf_token": csrf, "name": "MIV 2024", "opens_on": "2024-06-01",
                  "closes_on": "2024-05-31"},
        )  # fmt: skip
        assert wrong.status_code == 422

    async def test_unknown_wave_is_a_friendly_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await logged_in(client, session, Role.fieldwork_manager)
        response = await client.get("/staff/waves/nope")
        assert response.status_code == 404
        assert "bestaat niet" in response.text


class TestUpload:
    async def test_clean_file_is_imported_and_shown(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        data = csv_bytes([official(1, "burgemeester"), official(2, "wethouder")])
        response = await _upload(client, csrf, data)
        assert response.status_code == 303
        assert re.match(
            r"/staff/waves/miv-2024/frames/\d+$", response.headers["location"]
        )
        page = await client.get(response.headers["location"])
        assert page.status_code == 200
        assert "persoon1@oosterwolde.test" in page.text
        assert await _count(session, Contact) == 2

    async def test_xlsx_from_excel_is_imported(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["Naam", "E-mailadres", "Functie", "Organisatie"])
        sheet.append(
            ["Ana Sánchez", "Ana.Sanchez@Gemeente-X.test", "Burgemeester", "Gemeente X"]
        )
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = await _upload(client, csrf, buffer.getvalue(), name="adressen.xlsx")
        assert response.status_code == 303
        await session.commit()
        contact = await session.scalar(select(Contact))
        assert contact is not None
        assert (contact.name, contact.email) == (
            "Ana Sánchez",
            "ana.sanchez@gemeente-x.test",
        )

    async def test_file_with_errors_is_rejected_with_its_report(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        rows = [
            official(1),
            official(2),
            ["Kees", "kees@@x.test", "gemeente", "Gemeente X", "wethouderr"],
        ]
        response = await _upload(client, csrf, csv_bytes(rows))
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert page.status_code == 200
        assert "er is niets ingelezen" in page.text
        assert "kees@@x.test" in page.text  # the value, escaped, in the report
        assert "bedoelt u &#39;wethouder&#39;?" in page.text
        assert await _count(session, Contact) == 0
        assert await _count(session, Frame) == 0
        download = await client.get(response.headers["location"] + "/problems.csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        lines = list(
            csv.reader(io.StringIO(download.text.lstrip("\ufeff")), delimiter=";")
        )
        assert lines[0] == ["regel", "kolom", "kopnaam", "code", "melding"]
        assert lines[1][:4] == ["4", "B", "E-mailadres", "EMAIL_INVALID"]
        assert lines[2][:4] == ["4", "E", "Functie", "FUNCTION_UNKNOWN"]

    async def test_report_cells_cannot_become_spreadsheet_formulas(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        rows = [['=HYPERLINK("http://evil.test")', "x@x.test", "gemeente", "G", "=1+1"]]
        response = await _upload(client, csrf, csv_bytes(rows))
        download = await client.get(response.headers["location"] + "/problems.csv")
        assert ";=" not in download.text
        assert "'onbekende" not in download.text  # only dangerous cells are prefixed
        page = await client.get(response.headers["location"])
        assert "<script" not in page.text.split("<main", 1)[1]

    async def test_researcher_cannot_upload_or_see_reports(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        outcome = await import_bytes(
            session,
            settings,
            wave,
            csv_bytes([["A", "not-an-address", "gemeente", "G", "wethouder"]]),
        )
        assert outcome.rejection is not None
        _, csrf = await logged_in(client, session, Role.researcher)
        response = await _upload(client, csrf, csv_bytes([official(1)]))
        assert response.status_code == 403
        report = await client.get(
            f"/staff/waves/miv-2024/rejections/{outcome.rejection.id}"
        )
        assert report.status_code == 403
        assert "not-an-address" not in report.text
        assert await _count(session, Contact) == 0

    async def test_hostile_xlsx_files_get_a_clear_report_never_a_500(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        cases = {
            hostile_xlsx.far_row(): "rij 99999999",
            hostile_xlsx.empty_rows(60_000, cells_per_row=100): "pakt uit tot",
            hostile_xlsx.no_sheets(): "geen werkblad",
            hostile_xlsx.broken_xml(): "niet te openen",
            hostile_xlsx.entity_bomb(): "niet te openen",
            hostile_xlsx.external_entity("/etc/hostname"): "niet te openen",
        }
        for data, expected in cases.items():
            response = await _upload(client, csrf, data, name="adressen.xlsx")
            assert response.status_code == 303, response.text
            page = await client.get(response.headers["location"])
            assert page.status_code == 200
            assert "er is niets ingelezen" in page.text
            assert expected in page.text
        assert await _count(session, Contact) == 0


class TestFramePage:
    async def test_breakdown_pages_and_deleting_a_mistaken_file(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        frame = await import_demo(session, settings, wave)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get(f"/staff/waves/miv-2024/frames/{frame.id}?page=2")
        assert page.status_code == 200
        assert "Pagina 2 van 18" in page.text
        assert "kenmerk <code>partij</code>" in page.text
        assert re.search(
            r"Raadslid</td><td>persoonlijk</td><td class=\"num\">\d+</td>", page.text
        )
        deleted = await client.post(
            f"/staff/waves/miv-2024/frames/{frame.id}/delete", data={"csrf_token": csrf}
        )
        assert deleted.status_code == 303
        assert await _count(session, Contact) == 0 and await _count(session, Frame) == 0


class TestVersions:
    async def test_researcher_chooses_a_published_version(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_wave(session, questionnaires=("officials",))
        version = QuestionnaireVersion(
            questionnaire="officials", version="2024", title="Politieke ambtsdragers 2024",
            content_hash="0" * 64, source="", definition_json="{}",
        )  # fmt: skip
        other = QuestionnaireVersion(
            questionnaire="employees", version="2024", title="Medewerkers 2024",
            content_hash="1" * 64, source="", definition_json="{}",
        )  # fmt: skip
        session.add_all([version, other])
        await session.commit()
        _, csrf = await logged_in(client, session, Role.researcher)
        page = await client.get("/staff/waves/miv-2024")
        assert "nog geen versie" in page.text
        wrong = await client.post(
            "/staff/waves/miv-2024/questionnaires",
            data={
                "csrf_token": csrf,
                "questionnaire": "officials",
                "version_id": str(other.id),
            },
        )
        assert wrong.status_code == 422
        chosen = await client.post(
            "/staff/waves/miv-2024/questionnaires",
            data={
                "csrf_token": csrf,
                "questionnaire": "officials",
                "version_id": str(version.id),
            },
        )
        assert chosen.status_code == 303
        page = await client.get("/staff/waves/miv-2024")
        assert "2024 – Politieke ambtsdragers 2024" in page.text


class TestDraw:
    async def test_preview_then_draw_then_summary(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        form = await client.get(
            "/staff/waves/miv-2024/samples/new?questionnaire=officials"
        )
        assert form.status_code == 200
        assert "Raadsleden van 122" in form.text
        design = (
            '{"frame_kind": "officials", "components": ['
            '{"kind": "census", "label": "Allen behalve raadsleden", "exclude": {"function": ["raadslid"]}},'
            '{"kind": "cluster", "label": "Raadsleden", "where": {"function": ["raadslid"]},'
            ' "clusters": 6, "always_include": ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht"]}]}'
        )
        data = {
            "csrf_token": csrf,
            "questionnaire": "officials",
            "design": design,
            "seed": "11",
        }
        preview = await client.post(
            "/staff/waves/miv-2024/samples", data={**data, "action": "preview"}
        )
        assert preview.status_code == 200
        assert "Voorbeeld (nog niets opgeslagen)" in preview.text
        assert "Gemeente · Burgemeesters" in preview.text
        assert await _count(session, Invitation) == 0
        drawn = await client.post(
            "/staff/waves/miv-2024/samples", data={**data, "action": "draw"}
        )
        assert drawn.status_code == 303
        summary = await client.get(drawn.headers["location"])
        assert summary.status_code == 200
        assert "Gemeente Amsterdam" in summary.text
        await session.commit()
        sample = await session.scalar(select(Sample))
        assert sample is not None and sample.seed == 11
        assert await _count(session, Invitation) == sample.sampled > 0
        # The preview showed exactly what the draw gave.
        for stratum in sample.summary["strata"]:
            assert f"{stratum['sampled']}</td>" in preview.text

    async def test_broken_design_is_explained_and_nothing_drawn(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        data = {
            "csrf_token": csrf,
            "questionnaire": "officials",
            "seed": "1",
            "action": "draw",
        }
        not_json = await client.post(
            "/staff/waves/miv-2024/samples", data={**data, "design": "{oops"}
        )
        assert not_json.status_code == 422 and "geen geldige JSON" in not_json.text
        typo = await client.post(
            "/staff/waves/miv-2024/samples",
            data={**data, "design": '{"frame_kind": "officials", "components": [{"kind": "census", "where": {"function": ["wethoudr"]}}]}'},
        )  # fmt: skip
        assert typo.status_code == 422
        assert "bedoelt u &#39;wethouder&#39;?" in typo.text
        assert await _count(session, Sample) == 0

    async def test_summary_is_visible_to_researchers_without_names(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        design = preset("census")
        sample = await draw(session, settings, wave, design)
        await logged_in(client, session, Role.researcher)
        page = await client.get(f"/staff/waves/miv-2024/samples/{sample.id}")
        assert page.status_code == 200
        assert "Burgemeesters" in page.text
        assert "@" not in page.text.split("<main", 1)[1]
        wave_page = await client.get("/staff/waves/miv-2024")
        assert "@gemeente" not in wave_page.text
        assert "Adresbestand inlezen" not in wave_page.text


class TestPanelLinks:
    async def test_links_are_issued_and_downloaded_without_addresses(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_wave(session)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        response = await client.post(
            "/staff/waves/miv-2024/panel-links",
            data={"csrf_token": csrf, "questionnaire": "employees", "panel": "flitspanel",
                  "tier": "provincie", "count": "25", "ballot": "true"},
        )  # fmt: skip
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert page.status_code == 200
        link = re.search(
            r'href="(/staff/waves/miv-2024/samples/\d+/links\.csv)"', page.text
        )
        assert link
        download = await client.get(link.group(1))
        assert download.status_code == 200
        rows = list(
            csv.reader(io.StringIO(download.text.lstrip("\ufeff")), delimiter=";")
        )
        assert rows[0][:2] == ["referentie", "link"]
        assert len(rows) == 26
        token = rows[1][1].rsplit("/", 1)[1]
        invitation = await samples_service.get_invitation_by_token(session, token)
        assert invitation is not None
        assert (invitation.contact_id, invitation.tier, invitation.panel, invitation.stratum) == (
            None, "provincie", "flitspanel", "provincie",
        )  # fmt: skip
        assert invitation.attributes["ballot"] in ("a", "b")
        assert await _count(session, Contact) == 0
        audit = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "panel_links.download")
        )
        assert audit == 1


class TestContactData:
    @pytest.mark.parametrize("role", [Role.researcher, Role.analyst])
    async def test_only_fieldwork_managers_see_names(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        role: Role,
    ) -> None:
        wave = await create_wave(session)
        frame = await import_demo(session, settings, wave, kind="organisations")
        await logged_in(client, session, role)
        for path in (
            "/staff/waves/miv-2024/invitations",
            f"/staff/waves/miv-2024/frames/{frame.id}",
            "/staff/waves/miv-2024/purge",
            "/staff/waves/miv-2024/samples/new",
            "/staff/waves/miv-2024/panel-links",
        ):
            response = await client.get(path)
            assert response.status_code == 403, path
            assert "@" not in response.text.split("<main", 1)[1], path

    async def test_manager_sees_names_reissues_and_withdraws(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave, kind="organisations")
        await draw(
            session,
            settings,
            wave,
            preset("organisations-2024"),
            questionnaire="organisations",
        )
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get("/staff/waves/miv-2024/invitations?q=amsterdam")
        assert page.status_code == 200
        assert "gemeentesecretaris@gemeente-amsterdam.test" in page.text
        invitation = await session.scalar(
            select(Invitation).where(Invitation.organisation == "Gemeente Amsterdam")
        )
        assert invitation is not None
        old = samples_service.invitation_url(settings, invitation)
        reissued = await client.post(
            f"/staff/waves/miv-2024/invitations/{invitation.id}/reissue",
            data={"csrf_token": csrf},
        )
        assert reissued.status_code == 200
        await session.commit()
        await session.refresh(invitation)
        new = samples_service.invitation_url(settings, invitation)
        assert new != old and new in reissued.text
        assert (
            await samples_service.get_invitation_by_token(
                session, old.rsplit("/", 1)[1]
            )
            is None
        )
        withdrawn = await client.post(
            f"/staff/waves/miv-2024/invitations/{invitation.id}/withdraw",
            data={"csrf_token": csrf, "withdrawn": "true"},
        )
        assert withdrawn.status_code == 303
        await session.commit()
        await session.refresh(invitation)
        assert invitation.revoked_at is not None


class TestPurge:
    async def test_confirmation_page_of_a_wave_still_in_fieldwork(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        wave = await create_wave(session)
        wave.closes_on = dt.date(2999, 1, 1)
        await session.commit()
        await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get("/staff/waves/miv-2024/purge")
        assert page.status_code == 200, page.text
        assert "Het veldwerk loopt tot en met 01-01-2999" in page.text

    async def test_purge_needs_the_wave_code_then_removes_names(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave, kind="organisations")
        sample = await draw(
            session,
            settings,
            wave,
            preset("organisations-2024"),
            questionnaire="organisations",
        )
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        confirm = await client.get("/staff/waves/miv-2024/purge")
        assert confirm.status_code == 200 and "voorgoed" in confirm.text
        wrong = await client.post(
            "/staff/waves/miv-2024/purge", data={"csrf_token": csrf, "confirm": "ja"}
        )
        assert wrong.status_code == 422
        assert await _count(session, Contact) == 30
        done = await client.post(
            "/staff/waves/miv-2024/purge",
            data={"csrf_token": csrf, "confirm": "miv-2024"},
        )
        assert done.status_code == 303
        assert await _count(session, Contact) == 0
        assert await _count(session, Invitation) == 30
        await session.commit()
        await session.refresh(sample)
        assert sample.summary["sampled"] == 30
        page = await client.get("/staff/waves/miv-2024")
        assert "Contactgegevens verwijderd" in page.text
        again = await _upload(
            client,
            csrf,
            demo_frame.demo_frame_bytes("organisations", size=demo_frame.SMALL),
            kind="organisations",
        )
        assert again.status_code == 409
        assert await _count(session, FrameRejection) == 0
