"""Declarative mailing rules and audiences (stored as JSON on ``mailings``),
plus the plain views the pages and the CLI show.

A rule says *when* ("on the opening day", "7 days after the invitation",
"2 working days after the end of the May recess", "5 working days before
closing", a fixed moment); ``calendar.resolve`` turns it into a datetime.
An audience says *who*, on top of the fixed exclusions (completed, opted out,
undeliverable, revoked, test invitations, no address).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from starlette.datastructures import FormData

from app.samples import catalogue
from app.samples.states import InvitationStatus

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: dt.time | None = None
    """Preferred time of day (local); default: the start of sending hours."""


class OnOpening(_Rule):
    kind: Literal["on_opening"] = "on_opening"

    def describe(self) -> str:
        return "op de openingsdag" + _at(self.at)


class AfterMailing(_Rule):
    kind: Literal["after_mailing"] = "after_mailing"
    mailing: str = Field(pattern=NAME_PATTERN)
    days: int = Field(ge=1, le=120)
    working_days: bool = False

    def describe(self) -> str:
        unit = "werkdag(en)" if self.working_days else "dag(en)"
        return f"{self.days} {unit} na '{self.mailing}'" + _at(self.at)


class AfterRecess(_Rule):
    kind: Literal["after_recess"] = "after_recess"
    recess: str = Field(min_length=1, max_length=64)
    working_days: int = Field(ge=1, le=60)

    def describe(self) -> str:
        return (
            f"{self.working_days} werkdag(en) na afloop van reces '{self.recess}'"
            + _at(self.at)
        )


class BeforeClosing(_Rule):
    kind: Literal["before_closing"] = "before_closing"
    working_days: int = Field(ge=1, le=60)

    def describe(self) -> str:
        return f"{self.working_days} werkdag(en) voor de sluiting" + _at(self.at)


class Fixed(BaseModel):
    """A moment chosen by hand, in the wave's local time. It is not moved: the
    plan warns when it breaks the calendar, and the worker still waits for
    sending hours unless ``outside_hours_ok``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["fixed"] = "fixed"
    at: dt.datetime
    outside_hours_ok: bool = False

    @field_validator("at")
    @classmethod
    def _local_wall_time(cls, value: dt.datetime) -> dt.datetime:
        # Stored as wall-clock time of the wave's time zone.
        return value.replace(tzinfo=None, second=0, microsecond=0)

    def describe(self) -> str:
        return f"vast moment {self.at:%d-%m-%Y %H:%M}"


Rule = Annotated[
    OnOpening | AfterMailing | AfterRecess | BeforeClosing | Fixed,
    Field(discriminator="kind"),
]
RULE_ADAPTER: TypeAdapter[Rule] = TypeAdapter(Rule)


def _at(value: dt.time | None) -> str:
    return f" om {value:%H:%M}" if value else ""


def parse_rule(data: object) -> Rule:
    return RULE_ADAPTER.validate_python(data)


def dump_rule(rule: Rule) -> dict[str, object]:
    dumped: dict[str, object] = RULE_ADAPTER.dump_python(
        rule, mode="json", exclude_none=True
    )
    return dumped


Progress = Literal["not_opened", "opened", "below_threshold", "past_threshold"]
PROGRESS_LABELS: dict[str, str] = {
    "not_opened": "link nooit geopend",
    "opened": "link geopend, niet begonnen",
    "below_threshold": "begonnen, nog onder de responsdrempel",
    "past_threshold": "voorbij de responsdrempel, niet afgerond",
}
"""Reminder audiences by progress, in the order a respondent passes them."""
PROGRESS_STATUS: dict[str, str] = {
    "not_opened": InvitationStatus.invited,
    "opened": InvitationStatus.invited,
    "below_threshold": InvitationStatus.started,
    "past_threshold": InvitationStatus.response,
}


_AUDIENCE_OF_STATUS: dict[str, str] = {
    InvitationStatus.started: "below_threshold",
    InvitationStatus.response: "past_threshold",
}


def progress_of(status: str, opened: bool) -> str | None:
    """The progress audience an invitation is in (None: complete or unknown)."""
    if status == InvitationStatus.invited:
        return "opened" if opened else "not_opened"
    return _AUDIENCE_OF_STATUS.get(status)


class Audience(BaseModel):
    """Who a mailing reaches, beyond the fixed exclusions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    only_without_response: bool = False
    """Only those who have not reached the response threshold (invited/started)."""
    tiers: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    progress: tuple[Progress, ...] = ()
    """Only these progress audiences (none: everyone not complete)."""
    email_kinds: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()

    @field_validator("email_kinds")
    @classmethod
    def _known_email_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in catalogue.EMAIL_KINDS]
        if unknown:
            raise ValueError(f"onbekende soort adres: {', '.join(unknown)}")
        return value

    @field_validator("genders")
    @classmethod
    def _known_genders(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in value if g not in catalogue.GENDERS]
        if unknown:
            raise ValueError(f"onbekend geslacht: {', '.join(unknown)}")
        return value

    @field_validator("tiers")
    @classmethod
    def _known_tiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [t for t in value if t not in catalogue.TIERS]
        if unknown:
            raise ValueError(f"onbekende bestuurslaag: {', '.join(unknown)}")
        return value

    @field_validator("functions")
    @classmethod
    def _known_functions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in catalogue.FUNCTIONS]
        if unknown:
            raise ValueError(f"onbekende functie: {', '.join(unknown)}")
        return value

    @property
    def statuses(self) -> tuple[str, ...]:
        allowed: tuple[str, ...] = (
            InvitationStatus.invited,
            InvitationStatus.started,
            InvitationStatus.response,
        )
        if self.only_without_response:
            allowed = (InvitationStatus.invited, InvitationStatus.started)
        if self.progress:
            wanted = {PROGRESS_STATUS[p] for p in self.progress}
            allowed = tuple(s for s in allowed if s in wanted)
        return allowed

    def admits_progress(self, status: str, opened: bool) -> bool:
        """Whether an invitation's progress is in this audience."""
        if not self.progress:
            return True
        return progress_of(status, opened) in self.progress

    def describe(self) -> str:
        parts = ["zonder respons" if self.only_without_response else "niet afgerond"]
        if self.progress:
            parts.append(" of ".join(PROGRESS_LABELS[p] for p in self.progress))
        if self.email_kinds:
            parts.append(
                ", ".join(
                    f"{catalogue.EMAIL_KINDS[k].lower()} adres"
                    for k in self.email_kinds
                )
            )
        if self.genders:
            parts.append(", ".join(catalogue.GENDERS[g].lower() for g in self.genders))
        if self.tiers:
            parts.append(", ".join(catalogue.TIERS[t] for t in self.tiers))
        if self.functions:
            parts.append(
                ", ".join(catalogue.FUNCTIONS[f].plural for f in self.functions)
            )
        return "; ".join(parts)


MailingKind = Literal["invitation", "reminder"]
KIND_LABELS = {"invitation": "uitnodiging", "reminder": "herinnering"}
MAILED_QUESTIONNAIRES = ("officials", "organisations")
"""Employees are reached through their panel (panel links), not by our mail."""


class MailingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questionnaire: Literal["officials", "organisations"]
    name: str = Field(pattern=NAME_PATTERN)
    kind: MailingKind
    template: str | None = Field(default=None, pattern=NAME_PATTERN)
    rule: Rule
    audience: Audience = Audience()


class CalendarUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sending_weekdays: tuple[int, ...] = Field(min_length=1)
    send_from: dt.time
    send_until: dt.time
    liberation_day_every_year: bool = True

    @field_validator("sending_weekdays")
    @classmethod
    def _iso_weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= d <= 7 for d in value):
            raise ValueError("weekdagen zijn 1 (maandag) tot en met 7 (zondag)")
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _hours_in_order(self) -> Self:
        if self.send_until <= self.send_from:
            raise ValueError("het einde van de verzenduren moet na het begin liggen")
        return self


class RecessCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    tier: str | None = None
    starts_on: dt.date
    ends_on: dt.date

    @field_validator("tier")
    @classmethod
    def _known_tier(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in catalogue.TIERS:
            raise ValueError(f"onbekende bestuurslaag: {value}")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("het reces eindigt voordat het begint")
        return self


# -- HTML forms -------------------------------------------------------------------


def _first(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _time(value: str) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


def rule_from_form(form: FormData) -> Rule:
    """The rule a staff form describes (``rule_kind`` and its fields)."""
    kind = _first(form, "rule_kind")
    at = _time(_first(form, "time"))
    days = int(_first(form, "days") or 0)
    data: dict[str, object]
    if kind == "on_opening":
        data = {"kind": kind, "at": at}
    elif kind == "after_mailing":
        data = {
            "kind": kind,
            "mailing": _first(form, "after_mailing"),
            "days": days,
            "working_days": _first(form, "working_days") == "on",
            "at": at,
        }
    elif kind == "after_recess":
        data = {
            "kind": kind,
            "recess": _first(form, "recess"),
            "working_days": days,
            "at": at,
        }
    elif kind == "before_closing":
        data = {"kind": kind, "working_days": days, "at": at}
    elif kind == "fixed":
        data = {
            "kind": kind,
            "at": _first(form, "fixed_at"),
            "outside_hours_ok": _first(form, "outside_hours_ok") == "on",
        }
    else:
        raise ValueError("kies wanneer de mailing verstuurd wordt")
    return parse_rule({k: v for k, v in data.items() if v is not None})


def mailing_from_form(form: FormData) -> MailingCreate:
    """Parse the 'add mailing' form; raises ``ValueError``/``ValidationError``."""
    return MailingCreate.model_validate(  # from the raw strings: validation refuses
        {
            "questionnaire": _first(form, "questionnaire"),
            "name": _first(form, "name").lower(),
            "kind": _first(form, "kind"),
            "template": _first(form, "template") or None,
            "rule": rule_from_form(form),
            "audience": audience_from_form(form),
        }
    )


def audience_from_form(form: FormData | Any) -> Audience:
    """The audience fields of the 'add mailing' form (or of a suggestion's
    query string); raises ``ValidationError`` on unknown values."""
    # validated from the raw strings: unknown progress values are refused there
    return Audience.model_validate(
        {
            "only_without_response": _first(form, "only_without_response") == "on",
            "tiers": tuple(str(v) for v in form.getlist("tiers")),
            "functions": tuple(str(v) for v in form.getlist("functions")),
            "progress": tuple(str(v) for v in form.getlist("progress")),
            "email_kinds": tuple(str(v) for v in form.getlist("email_kinds")),
            "genders": tuple(str(v) for v in form.getlist("genders")),
        }
    )


def calendar_from_form(form: FormData) -> CalendarUpdate:
    return CalendarUpdate(
        sending_weekdays=tuple(int(str(v)) for v in form.getlist("weekdays")),
        send_from=dt.time.fromisoformat(_first(form, "send_from")),
        send_until=dt.time.fromisoformat(_first(form, "send_until")),
        liberation_day_every_year=_first(form, "liberation_day") == "on",
    )


def recess_from_form(form: FormData) -> RecessCreate:
    return RecessCreate(
        name=_first(form, "name"),
        tier=_first(form, "tier") or None,
        starts_on=dt.date.fromisoformat(_first(form, "starts_on")),
        ends_on=dt.date.fromisoformat(_first(form, "ends_on")),
    )


def explain(exc: Exception) -> str:
    """A short Dutch message for a form that did not validate."""
    if isinstance(exc, ValidationError):
        messages = []
        for error in exc.errors():
            where = ".".join(
                str(p) for p in error.get("loc", ()) if not isinstance(p, int)
            )
            text = str(error.get("msg", "")).removeprefix("Value error, ")
            messages.append(f"{where}: {text}" if where else text)
        return "De invoer klopt niet: " + "; ".join(messages) + "."
    text = str(exc).removeprefix("Value error, ")
    return f"De invoer klopt niet: {text}."
