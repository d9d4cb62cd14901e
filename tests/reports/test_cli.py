"""``veldwerk report check``: the shipped file passes; bad files are refused with file, line and reason."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.config import Settings
from app.reports.cli import report_group
from tests.fixtures.reports import ROOT

SHIPPED = ROOT / "reports/officials/2024.yaml"


def run(*args: str) -> tuple[int, str]:
    settings = Settings(questionnaires_dir=ROOT / "questionnaires")
    result = CliRunner().invoke(report_group, list(args), obj=settings)
    return result.exit_code, result.output


def line_of(text: str, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


def variant(
    tmp_path: Path, old: str, new: str, name: str = "bad.yaml"
) -> tuple[Path, str]:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(changed, encoding="utf-8")
    return path, changed


class TestCheck:
    def test_the_shipped_definitions_pass(self) -> None:
        code, output = run("check", str(SHIPPED))
        assert code == 0, output
        assert output.startswith(f"{SHIPPED}: ok, 25 tables")

    def test_unknown_variable_in_a_row(self, tmp_path: Path) -> None:
        path, text = variant(
            tmp_path, "variable: q_aggr_count_fysiek", "variable: q_aggr_count_fysik"
        )
        code, output = run("check", str(SHIPPED), str(path))
        assert code == 1
        line = line_of(text, "q_aggr_count_fysik")
        assert (
            f"{path}:{line}: tables.1.rows.3.variable uses variable 'q_aggr_count_fysik', which is not in the export of officials 2024 [UNKNOWN_VARIABLE]"
            in output.splitlines()
        )

    def test_unknown_breakdown(self, tmp_path: Path) -> None:
        path, text = variant(
            tmp_path,
            "breakdowns: [gender, contact, function_type, victim_type]",
            "breakdowns: [gender, contact, functie_type, victim_type]",
        )
        code, output = run("check", str(path))
        assert code == 1
        line = line_of(text, "functie_type")
        assert output.splitlines() == [
            f"{path}:{line}: tables.0.breakdowns.2 uses breakdown 'functie_type', which is not defined under breakdowns: [UNKNOWN_BREAKDOWN]"
        ]

    def test_unknown_value_and_unknown_breakdown_variable_all_at_once(
        self, tmp_path: Path
    ) -> None:
        path, text = variant(tmp_path, "values: [d66, sp,", "values: [d67, sp,")
        text = text.replace("variable: q_contact_freq", "variable: q_contact_frequency")
        path.write_text(text, encoding="utf-8")
        code, output = run("check", str(path))
        assert code == 1
        lines = output.splitlines()
        assert (
            f"{path}:{line_of(text, 'q_contact_frequency')}: breakdowns.contact.variable uses variable 'q_contact_frequency', which is not in the export of officials 2024 [UNKNOWN_VARIABLE]"
            in lines
        )
        assert (
            f"{path}:{line_of(text, 'd67')}: breakdowns.party_group.groups.0.values.0 uses value 'd67', which variable 'q_party' does not have [UNKNOWN_VALUE]"
            in lines
        )

    def test_not_a_multiple_response_question(self, tmp_path: Path) -> None:
        path, text = variant(
            tmp_path, "multiple: [q_recent_mode]", "multiple: [q_recent_motive]"
        )
        code, output = run("check", str(path))
        assert code == 1
        assert (
            f"{path}:{line_of(text, 'multiple: [q_recent_motive]')}: tables.9.multiple.0: 'q_recent_motive' is not a multiple-response question [NOT_MULTIPLE]"
            in output
        )

    def test_schema_errors_are_located(self, tmp_path: Path) -> None:
        path, text = variant(
            tmp_path,
            "    chart: bar\n    rows: &forms",
            "    chart: pie\n    rows: &forms",
        )
        code, output = run("check", str(path))
        assert code == 1
        assert output.startswith(
            f"{path}:{line_of(text, 'chart: pie')}: tables.1.chart: Input should be 'bar', 'trend' or 'grouped' [SCHEMA]"
        )

    def test_editions_must_precede_the_edition(self, tmp_path: Path) -> None:
        path, text = variant(
            tmp_path,
            'editions: [2022]\n    footnotes: ["n 2022',
            'editions: [2024]\n    footnotes: ["n 2022',
        )
        code, output = run("check", str(path))
        assert code == 1
        assert (
            f"{path}:{line_of(text, 'editions: [2024]')}: tables.5.editions: editions must be earlier than 2024, oldest first [EDITION_ORDER]"
            in output.splitlines()
        )

    def test_yaml_syntax_error(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.yaml"
        path.write_text("questionnaire: officials\ntables: [\n", encoding="utf-8")
        code, output = run("check", str(path))
        assert code == 1
        assert output.startswith(f"{path}:") and "[YAML_SYNTAX]" in output

    def test_missing_file(self, tmp_path: Path) -> None:
        code, output = run("check", str(tmp_path / "none.yaml"))
        assert code == 1
        assert "[FILE_UNREADABLE]" in output
