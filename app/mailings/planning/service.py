"""Service functions of mail planning that routes, the CLI and flows call.

``fieldwork``: a wave's calendar (sending days and hours, recesses).
``plans``: mailings, the resolved plan, scheduling (enqueueing one outbox row
per audience member, idempotently), pause, resume, cancel. Sending itself is
the worker's (``app.mailings.delivery.worker``); unknown fates, previews, test
mails and opt-outs are in ``app.mailings.delivery.service``. Services flush,
never commit.
"""

from __future__ import annotations

from app.mailings.planning.fieldwork import (
    Actor,
    actor_name,
    add_recess,
    calendar_for_wave,
    delete_recess,
    ensure_calendar,
    list_recesses,
    update_calendar,
)
from app.mailings.planning.plans import (
    Plan,
    PlannedMailing,
    TierMoment,
    audience_size,
    cancel_mailing,
    create_mailing,
    delete_mailing,
    get_mailing,
    list_mailings,
    pause_mailing,
    progress_overview,
    require_mailing,
    resolve_wave_plan,
    resume_mailing,
    schedule_mailing,
)

__all__ = [
    "Actor",
    "Plan",
    "PlannedMailing",
    "TierMoment",
    "actor_name",
    "add_recess",
    "audience_size",
    "calendar_for_wave",
    "cancel_mailing",
    "create_mailing",
    "delete_mailing",
    "delete_recess",
    "ensure_calendar",
    "get_mailing",
    "list_mailings",
    "list_recesses",
    "pause_mailing",
    "progress_overview",
    "require_mailing",
    "resolve_wave_plan",
    "resume_mailing",
    "schedule_mailing",
    "update_calendar",
]  # fmt: skip
