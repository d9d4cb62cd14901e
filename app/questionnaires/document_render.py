"""The questionnaire document as HTML, PDF and Word, from one view model.

HTML comes from a Jinja template with print CSS; the PDF is that same HTML laid
out by WeasyPrint (no second layout to keep in step); the Word file is built with
python-docx for clients who want to edit or comment in Word. Piped texts are
marked in all three: in brackets and italic, so a reader sees that "[functie]"
becomes "burgemeester" for a mayor.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docx import Document
from docx.shared import Pt, RGBColor

from app import pdf
from app.questionnaires.diff_document import DiffDocument
from app.questionnaires.document import (
    QuestionEntry,
    QuestionnaireDocument,
    Text_,
    plain,
)

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.text.paragraph import Paragraph
    from jinja2 import Environment

MUTED = RGBColor(0x55, 0x55, 0x55)


def to_html(env: Environment, document: QuestionnaireDocument) -> str:
    return env.get_template("questionnaires/document.html").render(doc=document)


def diff_to_html(env: Environment, document: DiffDocument) -> str:
    return env.get_template("questionnaires/diff_document.html").render(doc=document)


def to_pdf(html: str) -> bytes:
    """Lay ``html`` out as A4 pages (its own ``<style>``; no fetches)."""
    return pdf.html_to_pdf(html)


def to_docx(document: QuestionnaireDocument) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(document.title, level=0)
    _muted(doc.add_paragraph(), f"{document.ref} · {document.status}")
    facts = doc.add_paragraph()
    facts.add_run(f"{document.question_count} vragen. ")
    if document.estimated_minutes:
        facts.add_run(f"Geschatte invulduur: {document.estimated_minutes} minuten. ")
    facts.add_run(document.threshold)
    doc.add_heading("Welkomsttekst", level=2)
    _marked(doc.add_paragraph(), document.welcome)
    if document.pipes:
        doc.add_heading("Teksten die per respondent verschillen", level=2)
        for source, meaning in document.pipes:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"[{meaning}]").italic = True
            _muted(p, f"  {source}")
    for block in document.blocks:
        doc.add_heading(plain(block.title) or f"Blok {block.id}", level=1)
        if block.routing:
            _routing(doc.add_paragraph(), block.routing)
        for page in block.pages:
            if page.title:
                doc.add_heading(plain(page.title), level=3)
            if page.routing:
                _routing(doc.add_paragraph(), page.routing)
            if page.intro:
                _marked(doc.add_paragraph(), page.intro)
            for q in page.questions:
                _question(doc, q)
    doc.add_heading("Slottekst", level=2)
    _marked(doc.add_paragraph(), document.thanks)
    if document.derived:
        doc.add_heading("Afgeleide variabelen", level=2)
        for d in document.derived:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{d.id}").bold = True
            p.add_run(f" ({d.label}): {d.rule}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _question(doc: WordDocument, q: QuestionEntry) -> None:
    add_paragraph = doc.add_paragraph
    head = add_paragraph()
    head.paragraph_format.space_before = Pt(8)
    head.paragraph_format.keep_with_next = True
    if q.number is not None:
        head.add_run(f"Vraag {q.number}. ").bold = True
    _marked(head, q.text)
    meta = add_paragraph()
    meta.paragraph_format.keep_with_next = True
    notes = [q.id, q.kind]
    if q.required:
        notes.append("verplicht")
    if q.threshold:
        notes.append("responsdrempel")
    _muted(meta, " · ".join(notes))
    if q.routing:
        _routing(add_paragraph(), q.routing)
    if q.help:
        help_ = add_paragraph()
        help_.add_run("Toelichting: ").italic = True
        _marked(help_, q.help)
    if q.answer_note:
        add_paragraph(q.answer_note)
    for row in q.rows:
        p = add_paragraph(style="List Bullet")
        _muted(p, f"{row.id}: ")
        _marked(p, row.text)
        if row.routing:
            _routing(p, f" {row.routing}")
    if q.options:
        table = doc.add_table(rows=0, cols=3)
        table.style = "Table Grid"
        for option in q.options:
            cells = table.add_row().cells
            cells[0].text = str(option.code)
            _marked(cells[1].paragraphs[0], option.label)
            cells[2].text = "; ".join(option.notes)
    if q.constraint:
        add_paragraph(f"Controle: {q.constraint}")


def _marked(paragraph: Paragraph, text: Text_ | None) -> None:
    for segment in text or ():
        if segment.pipe:
            run = paragraph.add_run(f"[{segment.text}]")
            run.italic = True
        else:
            paragraph.add_run(segment.text)


def _muted(paragraph: Paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.font.color.rgb = MUTED
    run.font.size = Pt(9)


def _routing(paragraph: Paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.italic = True
    run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
