"""A stored message taken apart for display: headers, text part, HTML part."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

SHOWN_HEADERS = (
    "Return-Path", "From", "To", "Reply-To", "Subject", "Date", "Message-ID",
    "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted",
    "X-Auto-Response-Suppress", "X-Veldwerk-Test", "MIME-Version", "Content-Type",
)  # fmt: skip


@dataclass(frozen=True)
class MailView:
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None


def parse_caught(raw: str) -> MailView:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    headers = [
        (name, " ".join(str(value).split()))
        for name in SHOWN_HEADERS
        for value in message.get_all(name, [])
    ]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return MailView(
        headers=headers,
        text=text.get_content() if text is not None else None,
        html=html.get_content() if html is not None else None,
    )


def with_links(view: MailView, links: dict[str, str]) -> MailView:
    """``view`` with redacted links (placeholder → real link) put back."""

    def put_back(text: str | None) -> str | None:
        if text is None:
            return None
        for placeholder, link in links.items():
            text = text.replace(placeholder, link)
        return text

    return MailView(
        headers=[(name, put_back(value) or "") for name, value in view.headers],
        text=put_back(view.text),
        html=put_back(view.html),
    )
