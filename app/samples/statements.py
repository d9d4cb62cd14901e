"""The statements that move an invitation on, for callers with their own connection.

The respondent fast path (``app.responses.store``) runs on one connection
without an ORM session and compiles its statements once; it takes the
``invitations`` half of them from here, so the samples domain still decides
which columns a respondent's progress writes. Building only: nothing here
touches a database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, Update, update

from app.db_driver import typed_param
from app.samples.models import Invitation
from app.samples.states import PROGRESS_COLUMNS, HasProgress

_INVITATIONS = cast(Table, Invitation.__table__)


def progress_update() -> Update:
    """``UPDATE invitations`` setting the progress columns and
    ``last_activity_at`` of one invitation; parameters from ``progress_params``."""
    i = _INVITATIONS
    values = {name: typed_param(f"i_{name}", i.c[name]) for name in PROGRESS_COLUMNS}
    values["last_activity_at"] = typed_param("i_now", i.c.last_activity_at)
    return update(i).where(i.c.id == typed_param("i_id", i.c.id)).values(values)


def progress_params(
    progress: HasProgress, *, invitation_id: int, now: dt.datetime
) -> dict[str, Any]:
    """The parameters of ``progress_update`` for ``progress`` reached at ``now``."""
    params: dict[str, Any] = {
        f"i_{name}": getattr(progress, name) for name in PROGRESS_COLUMNS
    }
    params["i_id"] = invitation_id
    params["i_now"] = now
    return params


def opened_update(invitation_id: int, now: dt.datetime) -> Update:
    """Stamp the link's first opening (the welcome page); later openings change
    nothing. Not a watched column of the monitor's triggers."""
    i = _INVITATIONS
    return (
        update(i)
        .where(i.c.id == invitation_id, i.c.opened_at.is_(None))
        .values(opened_at=now)
    )
