"""Report tables from a real wave (SQLite and PostgreSQL): export → frame → tables.

Respondents walk the officials 2024 questionnaire and are stored as the
respondent flow stores them; population counts make the weights unequal. The
tables the service computes are compared, cell for cell, with the oracle run
on the CSV export of the same wave read back with pandas. The CLI writes one
CSV per table and an XLSX with numbers as numbers.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import runner
from app.exports import service as exports_service
from app.exports.schemas import ExportFormat, ExportRequest
from app.reports import service
from app.reports.cli import report_group
from app.reports.errors import ReportOptionsError
from app.samples import service as samples_service
from tests.fixtures.exports import create_response, monitor_file, publish, walk
from tests.fixtures.reports import ROOT, Oracle, Wave, read_definition

pytestmark = pytest.mark.asyncio
DEFINITION = ROOT / "reports/officials/2024.yaml"
PEOPLE = [
    ("gemeente", "burgemeester", "voorzitter", 12),
    ("gemeente", "wethouder", "dagelijks_bestuur", 20),
    ("gemeente", "raadslid", "volksvertegenwoordiger", 40),
    ("provincie", "statenlid", "volksvertegenwoordiger", 10),
    ("waterschap", "lid_ab", "volksvertegenwoordiger", 8),
]


async def build_wave(session: AsyncSession, settings: Settings) -> object:
    wave = await samples_service.create_wave(
        session, slug="mies-2024", name="Monitor 2024"
    )
    version, cq = await publish(session, monitor_file("officials", "2024"))
    await samples_service.set_wave_version(
        session, wave=wave, questionnaire="officials", version_id=version.id
    )
    rng = random.Random(3)
    minute = 0
    for tier, function, ftype, count in PEOPLE:
        attributes = {"tier": tier, "function": function, "function_type": ftype}
        for _ in range(count):
            log = walk(cq, attributes, rng, skip_rate=0.1)
            await create_response(
                session,
                settings,
                wave=wave,
                version=version,
                cq=cq,
                attributes=attributes,
                log=log,
                minute=minute,
            )
            minute += 1
    await exports_service.set_population_counts(
        session,
        wave=wave,
        questionnaire="officials",
        counts={
            "function": {
                "burgemeester": 342,
                "wethouder": 1397,
                "raadslid": 8476,
                "statenlid": 571,
                "lid_ab": 502,
            }
        },
        actor="test",
    )
    await session.commit()
    return cq


async def test_tables_match_the_oracle_on_the_csv_export(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    cq = await build_wave(session, settings)
    result = await service.compute_report(
        session,
        wave="mies-2024",
        questionnaire="officials",
        settings=settings,
        actor="test",
    )
    await session.commit()
    assert result.edition == 2024 and len(result.tables) == 25

    request = ExportRequest(
        wave="mies-2024", questionnaire="officials", format=ExportFormat.csv
    )
    plan = await exports_service.prepare_export(session, request=request, actor="test")
    await session.commit()
    csv_path = tmp_path / "data.csv"
    await runner.export_to_path(session, plan, csv_path)
    frame = pd.read_csv(csv_path, encoding="utf-8-sig", low_memory=False)
    assert frame["weight"].nunique() > 1  # the weights are not all 1

    oracle = Oracle(
        Wave(frame, plan.layout, cq),
        read_definition(DEFINITION),
        ROOT / "app/reports/reference/officials.csv",
    )
    tables = {t.id: t for t in result.tables}
    checked = 0
    for spec in read_definition(DEFINITION)["tables"]:
        if len(spec.get("multiple", [])) > 1:
            continue
        table = tables[spec["id"]]
        expected = oracle.table(
            spec, min_n=settings.report_min_n, min_cell=settings.disclosure_k
        )
        for i, row in enumerate(table.rows):
            for column, cell in zip(table.columns, row.cells, strict=True):
                want = expected[(i, column.key)]
                where = f"{spec['id']} {row.key} {column.key}"
                assert cell.n == want["n"], where
                assert cell.count == want["count"], where
                assert cell.suppressed == want["suppressed"], where
                assert cell.mark == want["mark"], where
                if want["percent"] is None:
                    assert cell.percent is None, where
                else:
                    assert cell.percent == pytest.approx(want["percent"], abs=1e-5), (
                        where
                    )
                checked += 1
    assert checked > 300


async def test_unknown_edition_is_refused_clearly(
    session: AsyncSession, settings: Settings
) -> None:
    await build_wave(session, settings)
    with pytest.raises(
        ReportOptionsError, match="Geen tabeldefinities voor officials 2018"
    ):
        await service.compute_report(
            session,
            wave="mies-2024",
            questionnaire="officials",
            settings=settings,
            actor="test",
            edition=2018,
        )


async def test_cli_writes_csv_per_table_and_one_xlsx(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    await build_wave(session, settings)
    out = tmp_path / "tabellen"
    # the command runs its own event loop (asyncio.run): give it a thread of its own
    result = await asyncio.to_thread(
        CliRunner().invoke,
        report_group,
        [
            "tables",
            "--wave",
            "mies-2024",
            "--questionnaire",
            "officials",
            "--out",
            str(out),
        ],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    assert "25 tables" in result.output
    csvs = sorted(p.name for p in out.glob("*.csv"))
    assert len(csvs) == 25 and "tabel_2_2.csv" in csvs
    table = pd.read_csv(out / "figuur_2_3.csv", encoding="utf-8-sig", comment="#")
    published = table[(table["kolom"] == "totaal_2022")]
    assert published["percentage"].tolist() == [49.0] and published["n"].tolist() == [
        3033
    ]

    book = openpyxl.load_workbook(out / "tabellen.xlsx")
    assert len(book.sheetnames) == 25
    sheet = book["figuur_2_3"]
    assert sheet["A2"].value.startswith("Basis: politieke ambtsdragers (n=")
    header = [c.value for c in sheet[4]]
    assert header[1:] == ["2014", "2016", "2018", "2020", "2022", "2024"]
    assert sheet.cell(6, 2).value == pytest.approx(0.23)  # a number, formatted as %
    assert sheet.cell(6, 2).number_format.startswith("0%")
    assert sheet.cell(6, 3).value == "-"
    assert isinstance(sheet.cell(6, 7).value, float | int)  # 2024 (100 respondents)
