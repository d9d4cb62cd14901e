"""``info``: a block of text (with markup) shown to the respondent; asks nothing.

No answer, no export column, no number in the printed questionnaire.
"""

from __future__ import annotations

from app.questionnaires.definition import Info
from app.questionnaires.types.base import QuestionType

INFO = QuestionType(
    name="info",
    model=Info,
    label="tekst",
    document_label="toelichting (geen vraag)",
    macro="info",
    parse_answer=None,
)
