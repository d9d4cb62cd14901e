"""``veldwerk report factsheet`` on the demo wave: PDF and HTML, the headline in both."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.config import PROJECT_ROOT, Settings
from app.demo.cli import demo_command
from app.reports.cli import report_group


@pytest.mark.slow
def test_factsheet_pdf_and_html_carry_the_headline(
    settings: Settings, tmp_path: Path
) -> None:
    settings = settings.model_copy(
        update={"questionnaires_dir": PROJECT_ROOT / "questionnaires"}
    )
    demo = CliRunner().invoke(demo_command, ["--small"], obj=settings)
    assert demo.exit_code == 0, demo.output

    pdf = tmp_path / "provincie.pdf"
    result = CliRunner().invoke(
        report_group,
        ["factsheet", "--wave", "mis2024", "--tier", "provincie", "--out", str(pdf)],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    headline = result.output.splitlines()[1]
    assert headline.startswith("In 2024 kre")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert " ".join(headline.split()[:6]) in " ".join(text.split())
    assert "Factsheet" in text and "Provincies" in text and "1 van " in text

    html = tmp_path / "provincie.html"
    result = CliRunner().invoke(
        report_group,
        ["factsheet", "--wave", "mis2024", "--tier", "provincie", "--out", str(html)],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert headline in page and "<style>" in page and "<svg" in page

    refused = CliRunner().invoke(
        report_group,
        ["factsheet", "--wave", "mis2024", "--tier", "rijk", "--out", str(pdf)],
        obj=settings,
    )
    assert refused.exit_code == 2 and "rijk" in refused.output
    missing = CliRunner().invoke(
        report_group,
        ["factsheet", "--wave", "nope", "--tier", "gemeente", "--out", str(pdf)],
        obj=settings,
    )
    assert missing.exit_code == 1 and "bestaat niet" in missing.output
