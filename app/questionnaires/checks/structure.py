"""Checks on the shape of a whole file: ids, codes, scales, flags, variable names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.questionnaires.checks.context import Context, QuestionInfo
from app.questionnaires.compiler import (
    located_questions,
    options_path,
    question_options,
    question_rows,
)
from app.questionnaires.definition import Option, other_key
from app.questionnaires.errors import ErrorCode
from app.questionnaires.types import question_type
from app.questionnaires.types.base import option_suffix
from app.questionnaires.yamlsource import Path

MAX_VARIABLE = 32


def check_structure(ctx: Context) -> None:
    _unique_ids(ctx)
    for info in _all_questions(ctx):
        _question_parts(ctx, info)
    for name, options in ctx.qn.scales.items():
        _options_unique(ctx, options, ("scales", name), f"scale {name}")
    if ctx.qn.response_from not in ctx.questions:
        ctx.report(
            ErrorCode.UNKNOWN_RESPONSE_FROM, ("response_from",), id=ctx.qn.response_from
        )
    _variable_names(ctx)
    _near_duplicates(ctx)


def _all_questions(ctx: Context) -> Iterable[QuestionInfo]:
    """Every question, also a second one with a duplicate id."""
    for path, index, page_index, q in located_questions(ctx.qn):
        yield QuestionInfo(
            q,
            index,
            page_index,
            path,
            question_options(q, ctx.qn.scales),
            question_rows(q),
        )


def _unique_ids(ctx: Context) -> None:
    qn = ctx.qn
    blocks: list[tuple[str, Path]] = [
        (b.id, ("blocks", bi)) for bi, b in enumerate(qn.blocks)
    ]
    pages: list[tuple[str, Path]] = [
        (p.id, ("blocks", bi, "pages", pi))
        for bi, b in enumerate(qn.blocks)
        for pi, p in enumerate(b.pages)
    ]
    questions = [(info.model.id, info.path) for info in _all_questions(ctx)]
    derived: list[tuple[str, Path]] = [
        (d.id, ("derived", di)) for di, d in enumerate(qn.derived)
    ]
    groups: list[tuple[str, list[tuple[str, Path]]]] = [
        ("block", blocks),
        ("page", pages),
        ("question", questions),
        ("derived", derived),
    ]
    for kind, items in groups:
        _report_duplicates(ctx, items, ErrorCode.DUPLICATE_ID, kind=kind)
    for id_, path in derived:
        if id_ in ctx.questions:
            ctx.report(ErrorCode.DERIVED_ID_TAKEN, (*path, "id"), id=id_)


def _report_duplicates(
    ctx: Context, items: list[tuple[str, Path]], code: ErrorCode, **fields: object
) -> None:
    first: dict[str, Path] = {}
    for id_, path in items:
        if id_ in first:
            ctx.report(code, path, id=id_, first=ctx.line(first[id_]), **fields)
        else:
            first[id_] = path


def _question_parts(ctx: Context, info: QuestionInfo) -> None:
    q, path = info.model, info.path
    qtype = question_type(q)
    rows = [(r.id, (*path, qtype.rows_key, ri)) for ri, r in enumerate(info.rows)]
    _report_duplicates(ctx, rows, ErrorCode.DUPLICATE_ROW, question=q.id)
    scale = qtype.shared_scale(q)
    if scale is not None:
        if scale not in ctx.qn.scales:
            ctx.report(
                ErrorCode.UNKNOWN_SCALE, (*path, "scale"), question=q.id, scale=scale
            )
    else:
        _options_unique(ctx, info.options, (*path, "options"), f"question {q.id}")
    _option_flags(ctx, info)
    if qtype.bounds is not None:
        low, high = qtype.bounds(q)
        for oi, option in enumerate(info.options):
            if low <= option.code <= high:
                ctx.report(
                    ErrorCode.OPTION_CODE_IN_RANGE,
                    (*path, "options", oi, "code"),
                    question=q.id,
                    code=option.code,
                    min=low,
                    max=high,
                )
    qtype.check(q, path, ctx.report)


def _options_unique(
    ctx: Context, options: list[Option], path: Path, where: str
) -> None:
    seen_codes: set[int] = set()
    seen_names: set[str] = set()
    for oi, option in enumerate(options):
        if option.code in seen_codes:
            ctx.report(
                ErrorCode.DUPLICATE_CODE,
                (*path, oi, "code"),
                where=where,
                code=option.code,
            )
        if option.name is not None and option.name in seen_names:
            ctx.report(
                ErrorCode.DUPLICATE_OPTION_NAME,
                (*path, oi, "name"),
                where=where,
                name=option.name,
            )
        seen_codes.add(option.code)
        if option.name is not None:
            seen_names.add(option.name)


def _option_flags(ctx: Context, info: QuestionInfo) -> None:
    q = info.model
    opath = options_path(q, info.path)
    others = 0
    for oi, option in enumerate(info.options):
        flags = [("exclusive", option.exclusive), ("other", option.other)]
        for flag, is_set in flags:
            if is_set and flag not in question_type(q).option_flags:
                ctx.report(
                    ErrorCode.FLAG_WRONG_TYPE,
                    (*opath, oi, flag),
                    code=option.code,
                    question=q.id,
                    flag=flag,
                    type=q.type,
                )
        others += option.other
    if others > 1:
        ctx.report(ErrorCode.MULTIPLE_OTHER, opath, question=q.id)


def variable_names(info: QuestionInfo) -> list[tuple[str, Path]]:
    """Export columns besides the question's own: per option, row, item, other text."""
    q, path = info.model, info.path
    names: list[tuple[str, Path]] = []
    qtype = question_type(q)
    if qtype.stored == "list":  # one 0/1 column per option
        names += [
            (f"{q.id}_{option_suffix(o.name, o.code)}", (*path, "options", oi))
            for oi, o in enumerate(info.options)
        ]
    key = qtype.rows_key
    names += [(f"{q.id}_{r.id}", (*path, key, ri)) for ri, r in enumerate(info.rows)]
    if any(o.other for o in info.options):
        names.append((other_key(q.id), path))
    return names


def _variable_names(ctx: Context) -> None:
    taken = set(ctx.questions) | set(ctx.derived)
    for info in ctx.questions.values():
        for name, path in variable_names(info):
            if len(name) > MAX_VARIABLE:
                ctx.report(ErrorCode.NAME_TOO_LONG, path, name=name, length=len(name))
            if name in taken:
                ctx.report(
                    ErrorCode.VARIABLE_NAME_CLASH,
                    path,
                    name=name,
                    question=info.model.id,
                )


def _fold(text: str) -> str:
    return re.sub(r"[\s_]+", "", text).casefold()


def _near_duplicates(ctx: Context) -> None:
    groups: list[tuple[str, list[tuple[str, Path]]]] = [
        ("question id", [(i.model.id, i.path) for i in ctx.questions.values()])
    ]
    for info in ctx.questions.values():
        if question_type(info.model).shared_scale(info.model) is None:
            labelled = [
                (o.label, (*info.path, "options", oi))
                for oi, o in enumerate(info.options)
            ]
            groups.append((f"option labels of {info.model.id}", labelled))
    for name, options in ctx.qn.scales.items():
        groups.append(
            (
                f"option labels of scale {name}",
                [(o.label, ("scales", name, oi)) for oi, o in enumerate(options)],
            )
        )
    for name, attribute in ctx.qn.attributes.items():
        groups.append(
            (
                f"values of attribute {name}",
                [(v, ("attributes", name, "values", v)) for v in attribute.values],
            )
        )
    for what, items in groups:
        seen: dict[str, str] = {}
        for text, path in items:
            folded = _fold(text)
            if folded in seen:
                ctx.warn(
                    ErrorCode.NEAR_DUPLICATE,
                    path,
                    what=what,
                    a=seen[folded],
                    b=text,
                )
            else:
                seen[folded] = text
