"""Whether an invitation still belongs to a mailing's audience, decided at the
moment of sending: pure, plain values in, a reason (or None) out.

The same exclusions as the audience's SQL (``queries.audience_criteria``), applied
to one row the worker already loaded: whoever completed, opted out, bounced, had
the link revoked or the address purged, or moved on in their progress since the
plan was made is skipped, with the reason recorded.
"""

from __future__ import annotations

from app.mailings.planning.schemas import Audience
from app.samples.states import InvitationStatus


def skip_reason(
    *,
    invitation_status: str,
    revoked: bool,
    opted_out: bool,
    undeliverable: bool,
    email: str | None,
    tier: str | None,
    ineligible: bool = False,
    function: str | None,
    audience: Audience,
    opened: bool = False,
    email_kind: str | None = None,
    gender: str | None = None,
) -> str | None:
    """Why an invitation no longer belongs to the audience (checked at send time)."""
    if revoked:
        return "link ingetrokken"
    if invitation_status == InvitationStatus.complete:
        return "vragenlijst al afgerond"
    if opted_out:
        return "afgemeld"
    if undeliverable:
        return "onbestelbaar"
    if ineligible:
        return "buiten de doelpopulatie"
    if not email:
        return "geen e-mailadres (meer)"
    if invitation_status not in audience.statuses:
        return "heeft al gerespondeerd"
    if audience.tiers and tier not in audience.tiers:
        return "valt buiten de doelgroep (bestuurslaag)"
    if audience.functions and function not in audience.functions:
        return "valt buiten de doelgroep (functie)"
    if audience.email_kinds and email_kind not in audience.email_kinds:
        return "valt buiten de doelgroep (soort adres)"
    if audience.genders and gender not in audience.genders:
        return "valt buiten de doelgroep (geslacht)"
    if not audience.admits_progress(invitation_status, opened):
        return "valt buiten de doelgroep (voortgang)"
    return None
