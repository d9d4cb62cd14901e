"""The printable questionnaire: every question, code and routing sentence, in HTML, PDF and Word.

The PDF and the Word file are read back with independent readers (pypdf,
python-docx) and must contain, for every shipped questionnaire, each question's
text and each routing sentence; a constructed file checks the wording of the
routing and the piping marks by hand.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.questionnaires import diff_document, document, document_render
from app.questionnaires.loader import load_questionnaire
from app.staff.models import Role
from app.web import create_templates
from tests.fixtures.staff import logged_in
from tests.questionnaires.inline import load_inline

SHIPPED = sorted(Path("questionnaires").glob("*/*.yaml"))
ENV = create_templates(auto_reload=False).env


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(data: bytes, footer: str | None = None) -> str:
    """The PDF's text; with ``footer``, the running footer is cut out so that a
    sentence broken over two pages reads as one."""
    text = squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    if footer:
        text = re.sub(
            re.escape(footer) + r" · [^·]{0,60}? pagina \d+ van \d+ ?", "", text
        )
    return text


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return squash(" ".join(parts))


def expected_texts(doc: document.QuestionnaireDocument) -> list[str]:
    texts = []
    for block in doc.blocks:
        texts += [block.routing] if block.routing else []
        for page in block.pages:
            texts += [page.routing] if page.routing else []
            for q in page.questions:
                texts.append(q.id)
                texts.append(squash(document.plain(q.text)))
                texts += [q.routing] if q.routing else []
    return texts


ROUTED = """\
- id: b1
  pages:
    - id: p1
      questions:
        - id: q1
          type: single
          text: Bent u slachtoffer geweest?
          options:
            - {code: 1, name: ja, label: Ja}
            - {code: 2, name: nee, label: Nee}
            - {code: 98, label: Weet niet, missing: dont_know}
- id: b2
  relevant: "${q1} = 'ja'"
  pages:
    - id: p2
      questions:
        - id: q2
          type: text
          text: Wat gebeurde er met u als ${function}?
"""
ATTRIBUTES = """\
attributes:
  function:
    label: Functie
    values: {burgemeester: burgemeester, raadslid: raadslid}
"""


class TestBuild:
    def test_routing_in_words_names_the_question_by_number(self) -> None:
        compiled = load_inline(ROUTED, extra=ATTRIBUTES)
        doc = document.build(compiled, status="concept")
        block = doc.blocks[1]
        assert (
            block.routing
            == "Alleen voor wie: vraag 1 (Bent u slachtoffer geweest?) is ‘Ja’."
        )
        assert (
            doc.threshold
            == "Een respondent telt als respons zodra vraag 1 (q1) is bereikt."
        )
        q1 = doc.blocks[0].pages[0].questions[0]
        assert [(o.code, document.plain(o.label), o.notes) for o in q1.options] == [
            (1, "Ja", ()),
            (2, "Nee", ()),
            (98, "Weet niet", ("weet niet",)),
        ]

    def test_piped_text_is_marked(self) -> None:
        doc = document.build(load_inline(ROUTED, extra=ATTRIBUTES), status="concept")
        q2 = doc.blocks[1].pages[0].questions[0]
        assert document.plain(q2.text) == "Wat gebeurde er met u als [functie]?"
        assert [s.pipe for s in q2.text if s.pipe] == ["${function}"]
        assert doc.pipes == (("${function}", "functie"),)
        html = document_render.to_html(ENV, doc)
        assert '<span class="pipe" title="${function}">[functie]</span>' in html

    def test_numbers_skip_information_blocks(self) -> None:
        compiled = load_questionnaire(Path("questionnaires/officials/2024.yaml"))
        doc = document.build(compiled, status="concept")
        numbered = [
            q for b in doc.blocks for p in b.pages for q in p.questions if q.number
        ]
        assert [q.number for q in numbered] == list(range(1, len(numbered) + 1))
        assert next(q for q in numbered if q.threshold).id == "q_aggr_count"


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pdf_and_word_hold_every_question_and_routing_sentence(path: Path) -> None:
    doc = document.build(load_questionnaire(path), status="concept")
    pdf = pdf_text(
        document_render.to_pdf(document_render.to_html(ENV, doc)),
        footer=doc.title,
    )
    word = docx_text(document_render.to_docx(doc))
    expected = expected_texts(doc)
    assert expected
    # PDF lines break after hyphens ("face-" / "to-face"): compare without spaces.
    bare = re.sub(r"\s", "", pdf)
    missing_pdf = [t for t in expected if re.sub(r"\s", "", t) not in bare]
    missing_word = [t for t in expected if t not in word]
    assert missing_pdf == []
    assert missing_word == []
    assert doc.threshold in pdf and doc.threshold in word


def test_diff_document_in_dutch_marks_what_breaks_comparison() -> None:
    old = load_questionnaire(Path("questionnaires/officials/2022.yaml"))
    new = load_questionnaire(Path("questionnaires/officials/2024.yaml"))
    diff = diff_document.build(old, new)
    mode = next(q for q in diff.questions if q.id == "q_recent_mode")
    kinds = {c.kind: c for c in mode.changes}
    assert kinds["vraagsoort gewijzigd"].before == "één antwoord mogelijk"
    assert kinds["vraagsoort gewijzigd"].after == "meerdere antwoorden mogelijk"
    assert kinds["vraagsoort gewijzigd"].breaks_comparison
    text = pdf_text(document_render.to_pdf(document_render.diff_to_html(ENV, diff)))
    assert "Vraag 13 (q_recent_mode)" in text
    assert "niet zonder meer vergelijkbaar" in text


@pytest.mark.asyncio
async def test_staff_download_pdf_word_and_html(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    folder = settings.questionnaires_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    from tests.questionnaires.inline import document as inline_document

    (folder / "1.yaml").write_text(
        inline_document(ROUTED, extra=ATTRIBUTES), encoding="utf-8"
    )
    await logged_in(client, session, Role.researcher)
    base = "/staff/questionnaires/demo/1/document"
    pdf = await client.get(base, params={"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Alleen voor wie: vraag 1" in pdf_text(pdf.content)
    word = await client.get(base, params={"format": "docx"})
    assert word.status_code == 200
    assert "Wat gebeurde er met u als [functie]?" in docx_text(word.content)
    html = await client.get(base, params={"format": "html"})
    assert "concept (nog niet gepubliceerd)" in html.text
    assert (await client.get(base, params={"format": "exe"})).status_code == 422
    diff = await client.get(
        "/staff/questionnaires/diff/document",
        params={"old": "demo/1", "new": "demo/1", "format": "html"},
    )
    assert diff.status_code == 200 and "Geen verschillen." in diff.text


@pytest.mark.asyncio
async def test_document_needs_a_staff_login(client: httpx.AsyncClient) -> None:
    r = await client.get("/staff/questionnaires/officials/2024/document")
    assert r.status_code in (303, 401, 403)
