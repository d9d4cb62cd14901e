"""README and docs say what the code does (the missing-value codes)."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT
from app.exports.missing import Missing


def test_readme_missing_codes_match_the_code() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    said = {
        phrase: int(code)
        for code, phrase in re.findall(
            r"(-\d) (not asked|not reached|no answer|don't know|rather not say)", readme
        )
    }
    assert said["not asked"] == Missing.NOT_ASKED
    assert said.get("not reached", Missing.NOT_REACHED) == Missing.NOT_REACHED
    assert said.get("no answer", Missing.NO_ANSWER) == Missing.NO_ANSWER
    assert said["don't know"] == Missing.DONT_KNOW
    assert said["rather not say"] == Missing.REFUSED


def test_exports_doc_lists_every_missing_code() -> None:
    doc = (PROJECT_ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    rows = {int(code) for code in re.findall(r"^\| (-\d) \|", doc, re.M)}
    assert rows == {int(m) for m in Missing}
