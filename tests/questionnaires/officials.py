"""The small officials questionnaire in ``files/`` and respondents that walk it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.loader import load_questionnaire

FILES = Path(__file__).parent / "files"
MAYOR = {"tier": "gemeente", "function": "burgemeester"}
DEPUTY = {"tier": "provincie", "function": "gedeputeerde"}
NO_INCIDENT = {"q_contact": 1, "q_aggr_count": {"verbaal": 0, "fysiek": 0}}
VICTIM = {
    "q_contact": 1,
    "q_aggr_count": {"verbaal": 3, "fysiek": 0},
    "q_split": {"offline": 1, "online": 2},
    "q_channels": [1, 2],
    "q_channel_most": 2,
    "q_severity": 6,
    "q_description": "Scheldpartij",
}


@cache
def officials() -> CompiledQuestionnaire:
    return load_questionnaire(FILES / "officials" / "2024.yaml")
