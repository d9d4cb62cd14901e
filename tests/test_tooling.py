"""The git hooks and CI run the same static checks (one source of truth: a check
added to one of .pre-commit-config.yaml and .ci/run belongs in the other)."""

from __future__ import annotations

import re
import shlex

from ruamel.yaml import YAML

from app.config import PROJECT_ROOT

STATIC_TOOLS = re.compile(
    r"^\.venv/bin/(ruff \w+|mypy|lint-imports|veldwerk \w+ check)\b", re.MULTILINE
)
"""The static part of .ci/run: linters, the type checker, the import contracts and
the file checks (not the migration check, which needs PostgreSQL, nor the tests)."""


def _hook_commands() -> set[str]:
    config = YAML(typ="safe").load(
        (PROJECT_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    )
    commands = set()
    for repo in config["repos"]:
        assert repo["repo"] == "local"  # nothing to download
        for hook in repo["hooks"]:
            assert hook["language"] == "system"
            words = shlex.split(hook["entry"])
            if words[:2] == ["bash", "-c"]:
                words = words[2].split()
            found = STATIC_TOOLS.match(" ".join(words))
            assert found, hook["entry"]
            commands.add(found.group(0))
    return commands


def _ci_commands() -> set[str]:
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return {m.group(0) for m in STATIC_TOOLS.finditer(ci)}


def test_hooks_and_ci_run_the_same_static_checks() -> None:
    assert _hook_commands() == _ci_commands()
