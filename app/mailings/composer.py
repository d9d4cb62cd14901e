"""Mail templates (``mailings/<questionnaire>/<template>.{txt,html}.j2``) and
the messages built from them.

Templates run in Jinja's immutable sandbox with ``StrictUndefined`` (a typo in
a template fails the preview, not a mail run) and autoescape for the HTML part.
The subject is the ``subject`` block of the text template. Messages are built
7-bit clean (quoted-printable UTF-8 parts, RFC 2047 subject) so any relay
accepts them, with RFC 8058 one-click unsubscribe headers and a VERP return path.
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape

from app import i18n
from app.config import Settings
from app.errors import InvalidInput
from app.mailings import links
from app.mailings.planning.calendar import format_date_nl
from app.samples import catalogue
from app.samples.states import InvitationStatus
from app.web import PROJECT_ROOT

ORGANISATION_SALUTATIONS = {
    "gemeente": "Geachte gemeentesecretaris",
    "provincie": "Geachte provinciesecretaris",
    "waterschap": "Geachte secretaris-directeur",
}
DEFAULT_SALUTATION = "Geachte heer/mevrouw"


@functools.lru_cache(maxsize=8)
def environment(folder: str) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def mailings_dir(settings: Settings) -> Path:
    """The templates folder; a relative setting is relative to the project."""
    return _resolved_dir(str(settings.mailings_dir))


@functools.lru_cache(maxsize=8)
def _resolved_dir(setting: str) -> Path:
    folder = Path(setting)
    return (folder if folder.is_absolute() else PROJECT_ROOT / folder).resolve()


def template_names(
    settings: Settings, questionnaire: str, template: str
) -> tuple[str, str]:
    return (f"{questionnaire}/{template}.txt.j2", f"{questionnaire}/{template}.html.j2")


def available_templates(settings: Settings, questionnaire: str) -> list[str]:
    """The templates a mailing can choose; ``<name>.<lang>`` files are the
    translations of ``<name>`` (``template_for``), not templates of their own."""
    folder = mailings_dir(settings) / questionnaire
    if not folder.is_dir():
        return []
    names = {p.name.removesuffix(".txt.j2") for p in folder.glob("*.txt.j2")}
    return sorted(
        n for n in names if "." not in n and (folder / f"{n}.html.j2").is_file()
    )


def template_for(
    settings: Settings, questionnaire: str, template: str, language: str | None
) -> str:
    """``template`` in ``language`` (``invitation.en``) when both of its files
    exist, else the Dutch ``template`` itself."""
    if not language or language == i18n.SOURCE_LANGUAGE:
        return template
    folder = mailings_dir(settings) / questionnaire
    localized = f"{template}.{language}"
    if all((folder / f"{localized}.{kind}.j2").is_file() for kind in ("txt", "html")):
        return localized
    return template


def check_template(settings: Settings, questionnaire: str, template: str) -> None:
    if template not in available_templates(settings, questionnaire):
        raise InvalidInput(
            f"Er is geen mailsjabloon '{template}' voor de vragenlijst "
            f"'{questionnaire}' (nodig: mailings/{questionnaire}/{template}.txt.j2 en .html.j2).",
            code="MAIL_TEMPLATE_MISSING",
        )


@dataclass(frozen=True)
class Recipient:
    """What a template may know about the person it addresses."""

    invitation_id: int
    email: str
    name: str | None
    questionnaire: str
    tier: str | None
    function: str | None
    organisation: str | None
    status: str
    survey_url: str
    language: str | None = None
    """From the invitation (``app.i18n.invitation_language``); None: Dutch."""


@dataclass(frozen=True)
class WaveFacts:
    name: str
    opens_on: dt.date | None
    closes_on: dt.date | None


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def salutation_for(recipient: Recipient) -> str:
    if recipient.questionnaire == "organisations":
        return ORGANISATION_SALUTATIONS.get(recipient.tier or "", DEFAULT_SALUTATION)
    function = catalogue.FUNCTIONS.get(recipient.function or "")
    return function.salutation if function else DEFAULT_SALUTATION


def template_context(
    settings: Settings, *, recipient: Recipient, wave: WaveFacts, is_test: bool
) -> dict[str, Any]:
    function = catalogue.FUNCTIONS.get(recipient.function or "")
    english = recipient.language == "en"

    def date(day: dt.date | None) -> str:
        if day is None:
            return ""
        return (
            format_date(day, "d MMMM y", locale="en")
            if english
            else format_date_nl(day)
        )

    return {
        "salutation": salutation_for(recipient),
        "survey_url": recipient.survey_url,
        "privacy_url": recipient.survey_url.rstrip("/") + "/privacy",
        "unsubscribe_url": (
            f"{settings.base_url.rstrip('/')}/u/test"
            if is_test
            else links.unsubscribe_url(settings, recipient.invitation_id)
        ),
        "wave_name": wave.name,
        "opens_on": date(wave.opens_on),
        "closes_on": date(wave.closes_on),
        "language": recipient.language or i18n.SOURCE_LANGUAGE,
        "organisation": recipient.organisation,
        "tier_label": catalogue.TIERS.get(recipient.tier or "", ""),
        "function_label": function.label if function else "ambtsdrager",
        "has_started": recipient.status
        in (InvitationStatus.started, InvitationStatus.response),
        "is_test": is_test,
        "sender_name": parseaddr(settings.smtp.from_address)[0] or "Het onderzoeksteam",
    }


def render(
    settings: Settings, *, questionnaire: str, template: str, context: dict[str, Any]
) -> RenderedMail:
    """Render subject, text and HTML; template faults become ``InvalidInput``."""
    env = environment(str(mailings_dir(settings)))
    text_name, html_name = template_names(settings, questionnaire, template)
    try:
        text_template = env.get_template(text_name)
        html_template = env.get_template(html_name)
        _refuse_questionnaire_pipes(env, text_name)
        _refuse_questionnaire_pipes(env, html_name)
        subject_block = text_template.blocks.get("subject")
        if subject_block is None:
            raise InvalidInput(f"{text_name} heeft geen blok 'subject'.")
        subject = "".join(subject_block(text_template.new_context(dict(context))))
        subject = " ".join(subject.split())
        text = text_template.render(context)
        html = html_template.render({**context, "subject": subject})
    except TemplateNotFound as exc:
        raise InvalidInput(
            f"Mailsjabloon ontbreekt: {exc.name}", code="MAIL_TEMPLATE_MISSING"
        ) from exc
    except TemplateError as exc:
        raise InvalidInput(
            f"Fout in mailsjabloon {questionnaire}/{template}: {exc}",
            code="MAIL_TEMPLATE_ERROR",
        ) from exc
    return RenderedMail(subject=subject, text=text.strip() + "\n", html=html)


@functools.lru_cache(maxsize=256)
def _refuse_questionnaire_pipes(env: ImmutableSandboxedEnvironment, name: str) -> None:
    """A ``${organisation}`` copied from a questionnaire file into a mail
    template is no Jinja and would reach every recipient as written: refuse it
    like a typo (the preview shows the error) and say what to write instead.
    Checked once per template (the environment does not reload them)."""
    assert env.loader is not None
    source = env.loader.get_source(env, name)[0]
    if (start := source.find("${")) >= 0:
        found = source[start : start + 40].split("}")[0] + "}"
        wanted = found.removeprefix("${").removesuffix("}").strip()
        raise InvalidInput(
            f"Fout in mailsjabloon {name}: '{found}' is de schrijfwijze van "
            f"vragenlijsten; schrijf in een mailsjabloon {{{{ {wanted} }}}}.",
            code="MAIL_TEMPLATE_ERROR",
        )


PERSONAL_FIELDS = ("survey_url", "unsubscribe_url", "privacy_url")
REDACTED_LINKS = {
    "survey_url": "https://link-verwijderd.invalid/vragenlijst",
    "unsubscribe_url": "https://link-verwijderd.invalid/afmelden",
    "privacy_url": "https://link-verwijderd.invalid/privacy",
}
"""What the catcher stores instead of the personal links: a copy of the
database must not open anyone's survey. Staff pages put the links back,
re-derived from the secret key (``app.mailings.delivery.service.caught_mail_view``)."""
REDACTED_MAILTO = "mailto:afmelden@link-verwijderd.invalid"


class CachedRenderer:
    """Renders many personal mails fast: the templates are rendered once per
    *shape* (every context value except the personal URLs) with placeholders,
    and each mail then gets its own URLs substituted (HTML-escaped in the HTML
    part, exactly as autoescape would). The first use of every shape is
    checked against a full render; a shape whose template transforms a URL
    (so substitution would differ) is always rendered in full.
    """

    def __init__(self, settings: Settings, *, max_shapes: int = 2048) -> None:
        self.settings = settings
        self.max_shapes = max_shapes
        self._shapes: dict[tuple[object, ...], RenderedMail | None] = {}

    def render(
        self, *, questionnaire: str, template: str, context: dict[str, Any]
    ) -> RenderedMail:
        key = (
            questionnaire,
            template,
            tuple(
                sorted((k, v) for k, v in context.items() if k not in PERSONAL_FIELDS)
            ),
        )
        if key not in self._shapes:
            if len(self._shapes) >= self.max_shapes:
                self._shapes.clear()
            self._shapes[key] = self._shape(questionnaire, template, context)
        shape = self._shapes[key]
        if shape is None:
            return render(
                self.settings,
                questionnaire=questionnaire,
                template=template,
                context=context,
            )
        return _fill(shape, context)

    def _shape(
        self, questionnaire: str, template: str, context: dict[str, Any]
    ) -> RenderedMail | None:
        holes = {k: f"\x00veldwerk-{k}\x00" for k in PERSONAL_FIELDS}
        shape = render(
            self.settings, questionnaire=questionnaire, template=template,
            context={**context, **holes},
        )  # fmt: skip
        full = render(
            self.settings,
            questionnaire=questionnaire,
            template=template,
            context=context,
        )
        return shape if _fill(shape, context) == full else None


def _fill(shape: RenderedMail, context: dict[str, Any]) -> RenderedMail:
    text, html = shape.text, shape.html
    for name in PERSONAL_FIELDS:
        hole = f"\x00veldwerk-{name}\x00"
        value = str(context[name])
        text = text.replace(hole, value)
        html = html.replace(hole, str(escape(value)))
    return RenderedMail(subject=shape.subject, text=text, html=html)


@dataclass(frozen=True)
class OutgoingMail:
    outbox_id: int
    envelope_from: str
    recipient: str
    message_id: str
    subject: str
    data: bytes
    stored_copy: bytes | None = None
    """The same mail with its personal links redacted: what the catcher keeps."""

    @property
    def domain(self) -> str:
        return self.recipient.rsplit("@", 1)[-1].lower()


def build_message(
    settings: Settings,
    *,
    outbox_id: int,
    invitation_id: int,
    to_address: str,
    to_name: str | None,
    rendered: RenderedMail,
    is_test: bool,
    now: dt.datetime,
    redacted: RenderedMail | None = None,
) -> OutgoingMail:
    """The full RFC 5322 message for one outbox row; with ``redacted`` (the
    mail rendered with ``REDACTED_LINKS``) also its copy without personal links.

    Built by hand rather than with ``email.message.EmailMessage``: the stdlib
    folder takes ~10 ms per message and encodes long ASCII headers such as
    ``List-Unsubscribe`` as RFC 2047 words, which breaks them. Raises
    ``ValueError`` for an address or name that cannot go in a header.
    """
    to_address = _checked_address(to_address)
    message_id = links.message_id(settings, outbox_id)
    data = _message(
        settings, invitation_id, to_address, to_name, rendered, is_test, now,
        message_id, redact=False,
    )  # fmt: skip
    copy = None
    if redacted is not None:
        copy = _message(
            settings, invitation_id, to_address, to_name, redacted, is_test, now,
            message_id, redact=True,
        )  # fmt: skip
    return OutgoingMail(
        outbox_id=outbox_id,
        envelope_from=links.verp_address(settings, outbox_id),
        recipient=to_address,
        message_id=message_id,
        subject=rendered.subject,
        data=data,
        stored_copy=copy,
    )


def _message(
    settings: Settings,
    invitation_id: int,
    to_address: str,
    to_name: str | None,
    rendered: RenderedMail,
    is_test: bool,
    now: dt.datetime,
    message_id: str,
    *,
    redact: bool,
) -> bytes:
    headers = [
        ("From", _from_header(settings.smtp.from_address)),
        ("To", _address_header(to_address, to_name)),
        ("Subject", _encode_header("Subject", rendered.subject)),
        ("Date", format_datetime(now.astimezone(dt.UTC))),
        ("Message-ID", message_id),
    ]
    if settings.smtp.reply_to:
        headers.append(("Reply-To", settings.smtp.reply_to))
    if not is_test:
        url, mailto = (
            (REDACTED_LINKS["unsubscribe_url"], REDACTED_MAILTO)
            if redact
            else (
                links.unsubscribe_url(settings, invitation_id),
                links.unsubscribe_mailto(settings, invitation_id),
            )
        )
        headers.append(("List-Unsubscribe", f"<{url}>,\r\n <{mailto}>"))
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    # Ask Exchange and friends not to send out-of-office replies back to us.
    headers.append(("Auto-Submitted", "auto-generated"))
    headers.append(("X-Auto-Response-Suppress", "OOF, AutoReply"))
    if is_test:
        headers.append(("X-Veldwerk-Test", "yes"))
    boundary = f"=_veldwerk_{secrets.token_hex(12)}"
    headers.append(("MIME-Version", "1.0"))
    headers.append(
        ("Content-Type", f'multipart/alternative;\r\n boundary="{boundary}"')
    )
    lines = [f"{name}: {value}" for name, value in headers]
    lines += [
        "",
        "This is a multi-part message in MIME format.",
        f"--{boundary}",
        _part("text/plain", rendered.text, base64=False),
        f"--{boundary}",
        _part("text/html", rendered.html, base64=True),
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def _part(content_type: str, body: str, *, base64: bool) -> str:
    """One UTF-8 part: quoted-printable for the text (readable in raw form),
    base64 for the HTML (several times faster to encode, and HTML is never
    read raw)."""
    data = body.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    if base64:
        raw = binascii.b2a_base64(data, newline=False)
        encoded = "\r\n".join(
            raw[i : i + 76].decode("ascii") for i in range(0, len(raw), 76)
        )
        cte = "base64"
    else:
        encoded = binascii.b2a_qp(data).decode("ascii").replace("\n", "\r\n")
        cte = "quoted-printable"
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {cte}\r\n\r\n" + encoded.rstrip("\r\n")
    )


@functools.lru_cache(maxsize=16)
def _from_header(from_address: str) -> str:
    return formataddr(parseaddr(from_address), charset="utf-8")


@functools.lru_cache(maxsize=256)
def _encode_header(name: str, value: str) -> str:
    value = " ".join(value.split())  # no CR/LF can survive into a header
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


def _checked_address(address: str) -> str:
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if (
        not local
        or not domain
        or "." not in domain
        or any(c.isspace() or c in '<>,;"()[]\\' for c in address)
        or not address.isascii()
    ):
        raise ValueError(f"ongeldig e-mailadres: {address!r}")
    return address


def _address_header(address: str, name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        return address
    return formataddr((name, address), charset="utf-8")
