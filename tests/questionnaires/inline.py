"""Inline questionnaire snippets for tests (pyxform style)."""

from __future__ import annotations

import textwrap

from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.errors import DefinitionErrors, Problem
from app.questionnaires.loader import load_text

HEADER = """\
questionnaire: demo
version: "1"
title: Demo
welcome: Welkom
thanks: Dank
response_from: {response_from}
{extra}blocks:
"""


def document(blocks: str, *, response_from: str = "q1", extra: str = "") -> str:
    """A whole file: a fixed header, then ``blocks`` (dedented, indented under blocks:)."""
    extra = textwrap.dedent(extra).strip()
    head = HEADER.format(
        response_from=response_from, extra=f"{extra}\n" if extra else ""
    )
    return head + textwrap.indent(textwrap.dedent(blocks).strip("\n"), "  ") + "\n"


def load_inline(
    blocks: str, *, response_from: str = "q1", extra: str = ""
) -> CompiledQuestionnaire:
    return load_text(
        document(blocks, response_from=response_from, extra=extra), "demo.yaml"
    )


def problems_of(text: str, filename: str = "demo.yaml") -> list[Problem]:
    """Every problem (errors and warnings) that loading ``text`` reports."""
    try:
        compiled = load_text(text, filename)
    except DefinitionErrors as exc:
        return exc.problems
    return list(compiled.warnings)


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing ``fragment`` (asserts it is unique)."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} found on lines {hits}"
    return hits[0]
