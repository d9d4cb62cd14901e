"""``veldwerk questionnaire ...``: check and compare questionnaire files.

``questionnaire_group`` is mounted by ``app/cli.py``; commands that need the
database (publishing a version) are added to the same group there, so this
module stays free of sessions and settings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from jinja2 import Environment

from app.questionnaires import diff_document, document, document_render
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.diff import diff_versions, render_text
from app.questionnaires.errors import DefinitionErrors
from app.questionnaires.loader import load_questionnaire
from app.questionnaires.translations import load_translations

_REF = re.compile(r"^([a-z][a-z0-9_]*)/([0-9A-Za-z][0-9A-Za-z._-]*)$")


@click.group(name="questionnaire")
def questionnaire_group() -> None:
    """Check and compare questionnaire definition files."""


@questionnaire_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def check_command(files: tuple[Path, ...]) -> None:
    """Check FILE... and print every problem as FILE:LINE: message [CODE].

    The translations beside each file (``translations/<version>.<lang>.yaml``)
    are checked too: every text present, placeholders unchanged.
    """
    failed = False
    for path in files:
        try:
            compiled = load_questionnaire(path)
            languages = load_translations(compiled.definition, path)
        except DefinitionErrors as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        for warning in compiled.warnings:
            click.echo(str(warning))
        click.echo(summary(compiled))
        for language, texts in sorted(languages.items()):
            click.echo(f"{path}: translation '{language}' ok, {len(texts)} texts")
    if failed:
        raise SystemExit(1)


def summary(compiled: CompiledQuestionnaire) -> str:
    questions = sum(1 for q in compiled.questions.values() if q.qtype.asks)
    return (
        f"{compiled.source}: ok, {questions} questions, {len(compiled.pages)} pages, "
        f"{compiled.condition_count} conditions"
    )


def resolve(ref: str, root: Path) -> Path:
    """A file path as given, or ``officials/2022`` → ``<root>/officials/2022.yaml``."""
    path = Path(ref)
    match = _REF.match(ref)
    if not path.exists() and match is not None:
        return root / match.group(1) / f"{match.group(2)}.yaml"
    return path


@questionnaire_group.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=Path("questionnaires"),
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff_command(old: str, new: str, root: Path, as_json: bool) -> None:
    """List what changed from OLD to NEW (files, or refs such as officials/2022)."""
    try:
        a, b = (load_questionnaire(resolve(ref, root)) for ref in (old, new))
    except DefinitionErrors as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise SystemExit(1) from None
    diff = diff_versions(a.definition, b.definition)
    click.echo(
        json.dumps(diff.as_dict(), ensure_ascii=False, indent=2)
        if as_json
        else render_text(diff)
    )


@questionnaire_group.command("print")
@click.argument("ref")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "docx", "html"]),
    default="pdf",
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=Path("questionnaires"),
    show_default=True,
)
def print_command(ref: str, fmt: str, out: Path, root: Path) -> None:
    """Write REF (a file, or e.g. officials/2024) as a document for sign-off.

    Every question with its answer codes, the routing in words, the response
    threshold and the texts that are filled in per respondent.
    """
    compiled = _load_or_exit(resolve(ref, root))
    doc = document.build(
        compiled,
        status=f"bestand {compiled.source}, inhoud {compiled.content_hash[:12]}",
    )
    if fmt == "docx":
        out.write_bytes(document_render.to_docx(doc))
    else:
        html = document_render.to_html(_templates(), doc)
        if fmt == "pdf":
            out.write_bytes(document_render.to_pdf(html))
        else:
            out.write_text(html, encoding="utf-8")
    click.echo(f"{out}: {doc.question_count} vragen ({fmt})")


@questionnaire_group.command("print-diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=Path("questionnaires"),
    show_default=True,
)
def print_diff_command(old: str, new: str, fmt: str, out: Path, root: Path) -> None:
    """Write what changed from OLD to NEW as a document for sign-off."""
    a, b = (_load_or_exit(resolve(ref, root)) for ref in (old, new))
    html = document_render.diff_to_html(_templates(), diff_document.build(a, b))
    if fmt == "pdf":
        out.write_bytes(document_render.to_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    click.echo(f"{out}: wijzigingen {a.definition.version} → {b.definition.version}")


def _load_or_exit(path: Path) -> CompiledQuestionnaire:
    try:
        return load_questionnaire(path)
    except DefinitionErrors as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None


def _templates() -> Environment:
    from app.web import create_templates

    return create_templates(auto_reload=False).env
