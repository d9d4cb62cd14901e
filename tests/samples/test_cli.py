"""``veldwerk wave ...`` and ``veldwerk demo-frame`` end to end (both databases)."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import run_in_session
from app.config import Settings
from app.flows import cli as flows_cli  # noqa: F401 - adds 'wave purge-contacts'
from app.samples.cli import demo_frame_command, wave_group
from app.samples.models import Contact, Invitation
from app.staff.models import AuditEvent
from tests.samples import hostile_xlsx


def wave(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(wave_group, list(args), obj=settings)
    return result.exit_code, result.output


def count(settings: Settings, model: type) -> int:
    async def work(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(model)) or 0

    return run_in_session(settings, work)


def test_a_whole_wave_from_the_shell(settings: Settings, tmp_path: Path) -> None:
    officials = tmp_path / "officials.csv"
    links = tmp_path / "links.csv"
    demo = CliRunner().invoke(demo_frame_command, ["--small", "--out", str(officials)])
    assert demo.exit_code == 0, demo.output

    assert (
        wave(
            settings,
            "create",
            "--slug",
            "miv-2024",
            "--name",
            "MIV 2024",
            "-q",
            "officials",
            "-q",
            "employees",
        )[0]
        == 0
    )
    code, out = wave(
        settings,
        "import-frame",
        "--wave",
        "miv-2024",
        "--kind",
        "officials",
        str(officials),
    )
    assert code == 0 and "Imported 887 rows" in out

    code, out = wave(
        settings,
        "draw",
        "--wave",
        "miv-2024",
        "--questionnaire",
        "officials",
        "--preset",
        "census",
        "--seed",
        "3",
        "--dry-run",
    )
    assert (
        code == 0 and "Dry run with seed 3" in out and count(settings, Invitation) == 0
    )
    assert "Gemeente · Burgemeesters" in out

    code, out = wave(
        settings,
        "draw",
        "--wave",
        "miv-2024",
        "--questionnaire",
        "officials",
        "--preset",
        "census",
        "--seed",
        "3",
    )
    assert code == 0 and "887 invitations created" in out
    code, out = wave(settings, "verify-sample", "--wave", "miv-2024", "--sample", "1")
    assert code == 0 and "identical" in out

    code, out = wave(settings, "panel-links", "--wave", "miv-2024", "--questionnaire", "employees", "--panel", "flitspanel",
                     "--stratum", "tier=gemeente", "--count", "40", "--out", str(links))  # fmt: skip
    assert code == 0, out
    with links.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert len(rows) == 41 and rows[1][4] == "gemeente"

    code, out = wave(settings, "show", "--wave", "miv-2024")
    assert "officials: invited 887" in out and "employees: invited 40" in out

    assert wave(settings, "rotate-links", "--wave", "miv-2024")[0] != 0  # needs --yes
    code, out = wave(settings, "rotate-links", "--wave", "miv-2024", "--yes")
    assert code == 0 and "0 links re-issued" in out

    assert wave(settings, "purge-contacts", "--wave", "miv-2024")[0] != 0  # needs --yes
    assert count(settings, Contact) == 887
    code, out = wave(settings, "purge-contacts", "--wave", "miv-2024", "--yes")
    assert code == 0 and "Purged 887 contacts" in out
    assert count(settings, Contact) == 0 and count(settings, Invitation) == 927
    code, out = wave(
        settings,
        "import-frame",
        "--wave",
        "miv-2024",
        "--kind",
        "officials",
        str(officials),
    )
    assert code == 1 and "verwijderd" in out

    async def actions(session: AsyncSession) -> list[str]:
        return list(
            await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        )

    assert run_in_session(settings, actions) == [
        "wave.create", "frame.import", "sample.draw", "panel_links.issue",
        "wave.rotate_links", "wave.purge_contacts",
    ]  # fmt: skip


def test_rejected_file_exits_non_zero_with_a_report(
    settings: Settings, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Naam;E-mailadres;Functie;Organisatie\nA;a@x.test;wethouder;G\nB;b@@x;wethoudr;G\n",
        encoding="cp1252",
    )
    report = tmp_path / "fouten.csv"
    assert wave(settings, "create", "--slug", "miv-2024", "--name", "MIV")[0] == 0
    code, out = wave(
        settings,
        "import-frame",
        "--wave",
        "miv-2024",
        "--kind",
        "officials",
        "--errors-out",
        str(report),
        str(bad),
    )
    assert code == 1
    assert "regel 3, kolom B (E-mailadres)" in out and "bedoelt u 'wethouder'?" in out
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "regel;kolom;kopnaam;code;melding" and len(lines) == 3
    assert count(settings, Contact) == 0


def test_demo_frame_writes_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "adressen.xlsx"
    result = CliRunner().invoke(
        demo_frame_command, ["--kind", "organisations", "--out", str(out)]
    )
    assert result.exit_code == 0 and out.read_bytes()[:2] == b"PK"
    assert "375 rows" in result.output


def test_hostile_xlsx_is_refused_in_one_line(
    settings: Settings, tmp_path: Path
) -> None:
    bomb = tmp_path / "adressen.xlsx"
    bomb.write_bytes(hostile_xlsx.far_row())
    assert wave(settings, "create", "--slug", "miv-2024", "--name", "MIV")[0] == 0
    code, out = wave(
        settings, "import-frame", "--wave", "miv-2024", "--kind", "officials", str(bomb)
    )
    assert code == 1
    assert "rij 99999999" in out and "FILE_TOO_BIG" in out
    assert "Traceback" not in out
    assert count(settings, Contact) == 0
