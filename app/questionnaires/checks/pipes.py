"""Checks on text piping: ``${x}`` in a text must be known when the text is shown.

A page is rendered before its answers are submitted, so a text may only pipe
questions from earlier pages (and derived values that depend only on those).

``piped_texts`` lists every text the respondent pages pipe; every other string
of the file (its title, a derived value's label, a help resource's address) is
searched too, so a ``${...}`` anywhere that would be shown as written, or that
is misspelt so it is no pipe at all (``${ organisation }``), is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from app.questionnaires.checks.context import Context
from app.questionnaires.compiler import options_path
from app.questionnaires.definition import PIPE
from app.questionnaires.errors import ErrorCode
from app.questionnaires.types import question_type
from app.questionnaires.yamlsource import Path

AFTER_ALL = 10**9
_QUESTION_TEXTS = (
    "text",
    "help",
    "label",
    "title",
    "required_message",
    "constraint_message",
    "min_label",
    "max_label",
    "unit",
)


NOT_TEXTS = frozenset({"relevant", "constraint", "expr", "comparability"})
"""Strings that are no respondent text: conditions (``${x}`` is their syntax)
and notes for analysts."""


def piped_texts(ctx: Context) -> Iterator[tuple[str, Path, int, str]]:
    """(where, path, page index at which it is shown, text) for every pipeable text."""
    qn = ctx.qn
    yield "welcome", ("welcome",), -1, qn.welcome
    yield "thanks", ("thanks",), AFTER_ALL, qn.thanks
    for ri, resource in enumerate(qn.help_resources):
        for key in ("label", "text"):
            if text := getattr(resource, key):
                yield "help resource", ("help_resources", ri, key), AFTER_ALL, text
    page_index = 0
    for bi, block in enumerate(qn.blocks):
        if block.title:
            yield f"block {block.id}", ("blocks", bi, "title"), page_index, block.title
        for pi, page in enumerate(block.pages):
            for key in ("title", "intro"):
                if text := getattr(page, key):
                    yield (
                        f"page {page.id}",
                        ("blocks", bi, "pages", pi, key),
                        page_index,
                        text,
                    )
            page_index += 1
    for info in ctx.questions.values():
        q, path = info.model, info.path
        for key in _QUESTION_TEXTS:
            if isinstance(text := getattr(q, key, None), str):
                yield f"question {q.id}", (*path, key), info.page_index, text
        if question_type(q).asks:
            opath = options_path(q, path)
            for oi, option in enumerate(info.options):
                yield (
                    f"question {q.id}",
                    (*opath, oi, "label"),
                    info.page_index,
                    option.label,
                )
            key = question_type(q).rows_key
            for ri, row in enumerate(info.rows):
                yield (
                    f"question {q.id}",
                    (*path, key, ri, "text"),
                    info.page_index,
                    row.text,
                )


def check_pipes(ctx: Context) -> None:
    piped: set[Path] = set()
    for where, path, shown_on, text in piped_texts(ctx):
        piped.add(path)
        if _malformed(text):
            ctx.report(
                ErrorCode.PIPE_MALFORMED, path, where=where, text=_malformed(text)
            )
        for match in PIPE.finditer(text):
            name, row = match.group(1), match.group(2)
            ref = f"{name}.{row}" if row else name
            available = _available_from(ctx, name, row)
            if available is None:
                ctx.report(ErrorCode.PIPE_UNKNOWN, path, where=where, ref=ref)
            elif available >= shown_on:
                ctx.report(ErrorCode.PIPE_FORWARD, path, where=where, ref=ref)

    for path, text in _strings(ctx.qn, ()):
        if "${" in text and path not in piped:
            where = _where(path)
            ctx.report(ErrorCode.PIPE_NOT_PIPED, path, where=where, text=_first(text))


def _malformed(text: str) -> str | None:
    """The first ``${`` that does not start a valid pipe, with what follows."""
    valid = {m.start() for m in PIPE.finditer(text)}
    for index in range(len(text)):
        if text.startswith("${", index) and index not in valid:
            return text[index : index + 24].split("}")[0] + "}"
    return None


def _first(text: str) -> str:
    start = text.index("${")
    return text[start : start + 24].split("}")[0] + "}"


def _strings(node: object, path: Path) -> Iterator[tuple[Path, str]]:
    """Every string of the definition with its path, conditions left out."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name not in NOT_TEXTS:
                yield from _strings(getattr(node, name), (*path, name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))


def _where(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)[1:]


def _available_from(ctx: Context, name: str, row: str | None) -> int | None:
    """Page index after which ``${name}`` has a value; ``None`` when unknown."""
    if (info := ctx.questions.get(name)) is not None:
        if row and row not in {r.id for r in info.rows}:
            return None
        return info.page_index
    if (derived := ctx.derived.get(name)) is not None and not row:
        return derived.ready_page
    if name in ctx.qn.attributes and not row:
        return -2
    return None
