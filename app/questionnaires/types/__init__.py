"""The question types, one file each, and the registry that finds them.

``question_type(q)`` gives the declaration of a question's type (``base.py``
says what a type declares). The rest of the platform asks the registry instead
of switching on ``q.type``: the compiler for options and rows, submission for
parsing answers, the respondent pages for the macro and view fields, exports
for columns and the codebook, the printed questionnaire for its descriptions.
Adding a type: its model in ``definition.py`` (the file format's one source of
truth) and one file here, registered below.
"""

from app.questionnaires.types.base import (
    REGISTRY,
    AnswerForm,
    Column,
    Parsed,
    PipeText,
    QuestionType,
    all_types,
    document_type_label,
    question_type,
    register,
    short_label,
    type_label,
    unregister,
)
from app.questionnaires.types.grid import GRID
from app.questionnaires.types.info import INFO
from app.questionnaires.types.multiple import MULTIPLE
from app.questionnaires.types.number import NUMBER
from app.questionnaires.types.scale import SCALE
from app.questionnaires.types.single import SINGLE
from app.questionnaires.types.text import TEXT

for _builtin in (SINGLE, MULTIPLE, GRID, SCALE, NUMBER, TEXT, INFO):
    register(_builtin)

__all__ = [
    "REGISTRY",
    "AnswerForm",
    "Column",
    "Parsed",
    "PipeText",
    "QuestionType",
    "all_types",
    "document_type_label",
    "question_type",
    "register",
    "short_label",
    "type_label",
    "unregister",
]
