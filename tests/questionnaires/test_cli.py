from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.questionnaires.cli import questionnaire_group
from tests.questionnaires.officials import FILES

OFFICIALS = FILES / "officials" / "2024.yaml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(questionnaire_group, list(args))
    return result.exit_code, result.output


class TestCheck:
    def test_good_file_prints_a_summary(self) -> None:
        code, output = run("check", str(OFFICIALS))
        assert code == 0
        assert output == f"{OFFICIALS}: ok, 10 questions, 6 pages, 12 conditions\n"

    def test_bad_file_prints_every_problem_and_fails(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            OFFICIALS.read_text().replace(
                "${q_split.online} > 0", "${q_splitt.online} > 0"
            )
        )
        code, output = run("check", str(OFFICIALS), str(bad))
        assert code == 1
        assert output.splitlines() == [
            f"{OFFICIALS}: ok, 10 questions, 6 pages, 12 conditions",
            f"{bad}:69: routing condition refers to ${{q_splitt.online}}, which is not a question in this version [UNKNOWN_REF]",
        ]

    def test_an_unknown_pipe_in_the_welcome_text_is_refused(
        self, tmp_path: Path
    ) -> None:
        bad = tmp_path / "bad.yaml"
        text = OFFICIALS.read_text()
        assert "welcome: Welkom, ${function}." in text
        bad.write_text(text.replace("Welkom, ${function}.", "Welkom, ${functie}."))
        code, output = run("check", str(bad))
        line = bad.read_text().splitlines().index("welcome: Welkom, ${functie}.") + 1
        assert code == 1
        assert output.splitlines() == [
            f"{bad}:{line}: welcome pipes ${{functie}}, which is not a question, "
            "derived value or attribute [PIPE_UNKNOWN]"
        ]


class TestDiff:
    def write_2022(self, root: Path) -> None:
        (root / "officials").mkdir(parents=True)
        old = OFFICIALS.read_text().replace('version: "2024"', 'version: "2022"')
        (root / "officials" / "2022.yaml").write_text(
            old.replace("label: Een of enkele keren per week", "label: Wekelijks")
        )
        (root / "officials" / "2024.yaml").write_text(OFFICIALS.read_text())

    def test_refs_resolve_under_the_root(self, tmp_path: Path) -> None:
        self.write_2022(tmp_path)
        code, output = run(
            "diff", "officials/2022", "officials/2024", "--root", str(tmp_path)
        )
        assert code == 0
        assert output.splitlines() == [
            "officials/2022 → officials/2024",
            "~ q_contact: option 2 relabelled from ‘Wekelijks’ to ‘Een of enkele keren per week’",
            "10 question(s) unchanged",
        ]

    def test_json(self, tmp_path: Path) -> None:
        self.write_2022(tmp_path)
        old = tmp_path / "officials" / "2022.yaml"
        code, output = run("diff", str(old), str(OFFICIALS), "--json")
        assert code == 0
        assert json.loads(output)["changes"] == [
            {
                "question": "q_contact",
                "kind": "option_relabelled",
                "code": 2,
                "before": "Wekelijks",
                "after": "Een of enkele keren per week",
            }
        ]

    def test_broken_file_fails(self, tmp_path: Path) -> None:
        code, output = run(
            "diff", "officials/1999", str(OFFICIALS), "--root", str(tmp_path)
        )
        assert code == 1
        assert "[FILE_UNREADABLE]" in output
