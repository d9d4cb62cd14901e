"""Drift checks for the respondent fast path's layout (docs/decisions/respondent-store.md).

``gc.freeze`` is called once, from the app's start: a cache that drops entries
must never freeze them (a frozen object is never freed). Compiled versions have
one cache (``questionnaires.service``); no module keeps its own instance.
"""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in APP.rglob("*.py")}


def test_gc_freeze_is_called_only_from_the_app_start() -> None:
    callers = [path for path, text in _sources().items() if "gc.freeze(" in text]
    assert callers == [APP / "main.py"]
    assert (APP / "main.py").read_text(encoding="utf-8").count("gc.freeze(") == 1


def test_no_module_keeps_its_own_compiled_versions_cache() -> None:
    module_level = re.compile(r"^\w+(: [^=]+)? = (\w+\.)?CompiledVersions\(", re.M)
    keepers = [path for path, text in _sources().items() if module_level.search(text)]
    assert keepers == []
