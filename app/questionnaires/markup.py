"""The small markup a questionnaire's longer texts may use, rendered safely.

Welcome, thanks, page intros and information blocks are written by researchers
with lists ("- " lines), emphasis and links; shown as plain text they came out
as literal dashes and asterisks. They are rendered with markdown-it-py
(CommonMark) restricted to what ``docs/questionnaire-format.md`` allows:
paragraphs and line breaks, bulleted and numbered lists, *emphasis*,
**strong** and links to http, https and mailto addresses (opened with
``rel="noopener noreferrer"``). Raw HTML is escaped, never passed through;
images, headings, code, quotes and rules stay plain text.

Piped values (answers, sample attributes) are quoted with ``quote`` before
they go into a text, so a name like ``*Gemeente* [x](javascript:...)`` shows
as written instead of becoming markup.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_SCHEMES = ("http://", "https://", "mailto:")

_OFF = {
    "block": ["table", "code", "fence", "blockquote", "hr", "heading", "lheading"],
    "inline": ["backticks", "strikethrough", "image", "autolink", "html_inline"],
}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable(_OFF["block"] + _OFF["inline"] + ["html_block"])
    md.validateLink = _allowed_link  # type: ignore[method-assign]

    def link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "noopener noreferrer")
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    return md


def _allowed_link(url: str) -> bool:
    return url.strip().lower().startswith(ALLOWED_SCHEMES)


_MD = _parser()


@lru_cache(maxsize=4096)
def to_html(text: str) -> Markup:
    """The text's markup as HTML (safe: no raw HTML, only allowed links).

    Remembered per distinct text: most texts are not piped, so respondents
    mostly get HTML rendered before.
    """
    # Safe: raw HTML is off (escaped as text) and links are vetted above.
    return Markup(_MD.render(text).strip())  # noqa: S704


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def quote(value: str) -> str:
    """A piped value as literal text inside markup: every ASCII punctuation
    character backslash-escaped (CommonMark shows it as itself) and line
    breaks turned into spaces, so it can start no list, link or emphasis."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(value.split()))
