"""The samples domain's calendar for periodic work: which day it is where the
fieldwork happens. The retention duty (purging the contact data of waves whose
retention date has come) also purges mail traces, so it is a flow:
``app/flows/purging.py:purge_expired_contacts``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.config import Settings
from app.db import utcnow


def today(settings: Settings) -> dt.date:
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()
